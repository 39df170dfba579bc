"""samples found by person and day with one index

Revision ID: 1700
Revises: 1600

Sync asks, for every batch of samples, which of the batch's people already hold a sample that
day. Given an index on person_id and another on recorded_at, PostgreSQL planned it from the
second (ANDed with the first, or alone when statistics lagged behind a growing table) and read
every sample of the day for every batch (9 M index entries for 1,300 batches in a benchmark of
45,000 samples, growing all day). One index on (person_id, recorded_at) answers it from the
batch's people alone and serves every look-up by person the old one did. recorded_at alone
served only the daily purge (which may read the table); the board's and pages' look-ups by
day go through (community_id, recorded_at).
"""
from alembic import op

revision = "1700"
down_revision = "1600"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sample_person_recorded_at", "sample", ["person_id", "recorded_at"])
    op.drop_index("ix_sample_person_id", table_name="sample")
    op.drop_index("ix_sample_recorded_at", table_name="sample")


def downgrade():
    op.create_index("ix_sample_recorded_at", "sample", ["recorded_at"])
    op.create_index("ix_sample_person_id", "sample", ["person_id"])
    op.drop_index("ix_sample_person_recorded_at", table_name="sample")
