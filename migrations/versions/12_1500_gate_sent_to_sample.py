"""gate entries note that the volunteer sent the person to be sampled

Revision ID: 1500
Revises: 1100

Issue 18: the gate shows a person's status (retest list, no recent sample, ...) and the
volunteer can note that they sent the person to the sampling point. An optional field of the
gate_entry record (`sent_to_sample`), stored as a flag column, false for earlier entries.
"""
import sqlalchemy as sa
from alembic import op

revision = "1500"
down_revision = "1300"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("gate_entry") as batch_op:
        batch_op.add_column(sa.Column("sent_to_sample", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("gate_entry") as batch_op:
        batch_op.drop_column("sent_to_sample")
