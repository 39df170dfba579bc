"""sampling rounds, the lab role and the lab's receipt of boxes and tubes

Revision ID: 1400
Revises: 1100

Issue 18. `sampling_round`: one to three local days in which a community samples a scope
(compounds, buildings, roster groups) once; its figures are frozen at closing. `user.role`
gains `lab` (an account that receives transfer boxes and sees nothing else). Boxes get the lab
that received them and when; tubes get the time the lab scanned them (a tube may arrive
without its box).
"""
import sqlalchemy as sa
from alembic import op

revision = "1400"
down_revision = "1100"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('volunteer', 'clerk', 'supervisor', 'admin')"
ROLES_AFTER = "role IN ('volunteer', 'clerk', 'supervisor', 'admin', 'lab')"


def _roles(check: str):
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite rebuilds `user` to change a CHECK: the rows pointing at it (devices, samples…)
        # are checked at COMMIT, when the rebuilt table carries the same name and ids again.
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("user", recreate="auto") as batch_op:
        batch_op.drop_constraint("user_role", type_="check")
        batch_op.create_check_constraint("user_role", check)


def upgrade():
    op.create_table(
        "sampling_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("compounds", sa.JSON(), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.CheckConstraint("end_day >= start_day", name="round_days"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["opened_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["closed_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sampling_round_community_id", "sampling_round", ["community_id"])
    op.create_index("ix_sampling_round_community_days", "sampling_round",
                    ["community_id", "start_day", "end_day"])
    with op.batch_alter_table("box") as batch_op:
        batch_op.add_column(sa.Column("lab_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_box_lab_user_id_user", "user", ["lab_user_id"], ["id"])
    with op.batch_alter_table("tube") as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    _roles(ROLES_AFTER)


def downgrade():
    op.execute("DELETE FROM \"user\" WHERE role = 'lab'")
    _roles(ROLES_BEFORE)
    with op.batch_alter_table("tube") as batch_op:
        batch_op.drop_column("received_at")
    with op.batch_alter_table("box") as batch_op:
        batch_op.drop_constraint("fk_box_lab_user_id_user", type_="foreignkey")
        batch_op.drop_column("received_at")
        batch_op.drop_column("lab_user_id")
    op.drop_index("ix_sampling_round_community_days", "sampling_round")
    op.drop_index("ix_sampling_round_community_id", "sampling_round")
    op.drop_table("sampling_round")
