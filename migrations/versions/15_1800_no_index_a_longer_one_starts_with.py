"""no index on a column that a longer index starts with

Revision ID: 1800
Revises: 1700

gate_entry, sample, tube and flag each had an index on community_id alone (gate_entry one on
site_id alone too) beside indexes that start with the same column: (community_id, recorded_at),
(site_id, recorded_at), (community_id, barcode), (community_id, kind, created_at). Both
databases answer a look-up by the column alone from the longer index, so the shorter one served
no query; every sync batch still updated it for each of its rows, on SQLite under the write
lock. The foreign keys keep an index for their checks in the longer one.
"""
from alembic import op

revision = "1800"
down_revision = "1700"
branch_labels = None
depends_on = None

DROPPED = (("gate_entry", "community_id"), ("gate_entry", "site_id"), ("sample", "community_id"),
           ("tube", "community_id"), ("flag", "community_id"))


def upgrade():
    for table, column in DROPPED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade():
    for table, column in DROPPED:
        op.create_index(f"ix_{table}_{column}", table, [column])
