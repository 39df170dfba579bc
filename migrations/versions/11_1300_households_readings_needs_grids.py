"""households: every temperature reading kept, household needs, grids

Revision ID: 1300
Revises: 1100

Issue 17. `temperature_reading` keeps each reading as given (resident or worker; before, a
second report in a slot overwrote the first in `temperature_report`, which stays as the slot's
current value for the missed-report check); existing reports are copied in as their first
reading. `household_need`: meals, rubbish, medicine of a quarantined household as tasks with a
due time for the building's worker. `grid` and `grid_building`: buildings grouped under a grid
leader (网格长).
"""
import sqlalchemy as sa
from alembic import op

revision = "1300"
down_revision = "1200"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "temperature_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=10), nullable=False),
        sa.Column("temperature_c", sa.Numeric(3, 1), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("temperature_c BETWEEN 34.0 AND 43.0", name="reading_temperature"),
        sa.CheckConstraint("source IN ('self', 'worker')", name="reading_source"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("temperature_reading") as batch_op:
        batch_op.create_index("ix_temperature_reading_community_id", ["community_id"])
        batch_op.create_index("ix_temperature_reading_placement_id", ["placement_id"])
    op.execute(
        "INSERT INTO temperature_reading (community_id, placement_id, day, slot, temperature_c, "
        "source, user_id, taken_at, created_at) SELECT community_id, placement_id, day, slot, "
        "temperature_c, COALESCE(source, 'self'), user_id, reported_at, reported_at "
        "FROM temperature_report WHERE temperature_c IS NOT NULL AND reported_at IS NOT NULL")

    op.create_table(
        "household_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("done_record_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('meal', 'rubbish', 'medicine', 'other')", name="need_kind"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["done_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "building", "unit", "room", "kind", "due_at"),
    )
    with op.batch_alter_table("household_need") as batch_op:
        batch_op.create_index("ix_household_need_community_id", ["community_id"])
        batch_op.create_index("ix_household_need_due_at", ["due_at"])

    op.create_table(
        "grid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["leader_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "name"),
    )
    with op.batch_alter_table("grid") as batch_op:
        batch_op.create_index("ix_grid_community_id", ["community_id"])
        batch_op.create_index("ix_grid_leader_id", ["leader_id"])
    op.create_table(
        "grid_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "building"),
    )
    with op.batch_alter_table("grid_building") as batch_op:
        batch_op.create_index("ix_grid_building_community_id", ["community_id"])
        batch_op.create_index("ix_grid_building_grid_id", ["grid_id"])


def downgrade():
    op.drop_table("grid_building")
    op.drop_table("grid")
    op.drop_table("household_need")
    op.drop_table("temperature_reading")
