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


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _roles(old: str, new: str):
    """user.role's CHECK from `old` to `new`. SQLite would rebuild `user` to change a CHECK, and a
    rebuild inside the migration's transaction trips the foreign keys of every row pointing at
    it (devices, samples, audit…): the CHECK's text is edited in the schema instead, which SQLite
    documents as safe for changes that leave the stored rows valid (a value added to the list;
    on the way back, no row holds it any more)."""
    if not _sqlite():
        op.drop_constraint("user_role", "user", type_="check")
        op.create_check_constraint("user_role", "user", new)
        return
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'user'").scalar()
    if old not in sql:
        raise RuntimeError(f"user.role's CHECK is not {old!r}: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'user'",
                         (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if bind.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
        raise RuntimeError("integrity check failed after editing user.role's CHECK")


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
    # Added in place on both databases (no table rebuild; see _roles).
    if _sqlite():
        op.execute('ALTER TABLE box ADD COLUMN lab_user_id INTEGER REFERENCES "user" (id)')
    else:
        op.add_column("box", sa.Column("lab_user_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_box_lab_user_id_user", "box", "user", ["lab_user_id"], ["id"])
    op.add_column("box", sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tube", sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    _roles(ROLES_BEFORE, ROLES_AFTER)


def downgrade():
    # SQLite (3.35+) drops these columns in place, as PostgreSQL does.
    op.execute("ALTER TABLE tube DROP COLUMN received_at")
    op.execute("ALTER TABLE box DROP COLUMN received_at")
    if not _sqlite():
        op.drop_constraint("fk_box_lab_user_id_user", "box", type_="foreignkey")
    op.execute("ALTER TABLE box DROP COLUMN lab_user_id")
    # Lab accounts are kept (the audit trail names them) but can no longer log in.
    op.execute("UPDATE \"user\" SET role = 'volunteer', active = false WHERE role = 'lab'")
    _roles(ROLES_AFTER, ROLES_BEFORE)
    op.drop_index("ix_sampling_round_community_days", "sampling_round")
    op.drop_index("ix_sampling_round_community_id", "sampling_round")
    op.drop_table("sampling_round")
