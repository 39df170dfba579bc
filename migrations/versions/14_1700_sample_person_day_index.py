"""samples found by person and day with one index

Revision ID: 1700
Revises: 1600

Sync asks, for every batch of samples, which of the batch's people already hold a sample that
day. With an index on person_id and another on recorded_at, PostgreSQL's plan ANDed the two and
read every sample of the day from the second (9 M index entries for 1,300 batches in a
benchmark of 45,000 samples; growing all day). One index on (person_id, recorded_at) answers it
from the batch's people alone; it serves every look-up by person the old one did.
"""
from alembic import op

revision = "1700"
down_revision = "1600"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sample_person_recorded_at", "sample", ["person_id", "recorded_at"])
    op.drop_index("ix_sample_person_id", table_name="sample")


def downgrade():
    op.create_index("ix_sample_person_id", "sample", ["person_id"])
    op.drop_index("ix_sample_person_recorded_at", table_name="sample")
