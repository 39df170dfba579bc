"""duty rosters: shifts per gate, who is rostered on them, sign-ins at the gate

Revision ID: 1200
Revises: 1100

Issue 17. `duty_shift` (a gate's shift with the people it needs), `duty_assignment` (a user on
a shift; removals and swaps keep the row), `gate_sign_in` (a user's phone opened the gate
screen: with the passages, the actual presence at a gate). `special_category`: the special
groups' categories of each community (none stored: the seven defaults apply until a supervisor
edits them); `special_contact`: a special group member's child or guardian, encrypted.
`work_group`: a community's own work groups; the six fixed ones become rows of every community
and each member row points at its group (`group_id`), with a role (lead, helper, member) and
an optional day; the fixed list's CHECK goes.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

WORK_GROUPS = (("data_checking", "数据核对"), ("reporting", "上报"), ("sampling", "采样"),
               ("data_summary", "数据汇总"), ("home_service", "上门服务"), ("gate_control", "卡口值守"))

revision = "1200"
down_revision = "1400"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("needed BETWEEN 1 AND 10", name="duty_shift_needed"),
        sa.CheckConstraint("ends_at > starts_at", name="duty_shift_order"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_shift_site_starts_at", "duty_shift", ["site_id", "starts_at"], unique=True)
    op.create_index("ix_duty_shift_community_starts_at", "duty_shift", ["community_id", "starts_at"])
    op.create_table(
        "duty_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("swapped_from", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["shift_id"], ["duty_shift.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["swapped_from"], ["duty_assignment.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["removed_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_assignment_community_id", "duty_assignment", ["community_id"])
    op.create_index("ix_duty_assignment_shift_id", "duty_assignment", ["shift_id"])
    op.create_index("ix_duty_assignment_user_id", "duty_assignment", ["user_id"])
    op.create_index("uq_duty_assignment_current", "duty_assignment", ["shift_id", "user_id"], unique=True,
                    sqlite_where=sa.text("removed_at IS NULL"), postgresql_where=sa.text("removed_at IS NULL"))
    op.create_table(
        "gate_sign_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gate_sign_in_community_id", "gate_sign_in", ["community_id"])
    op.create_index("ix_gate_sign_in_user_id", "gate_sign_in", ["user_id"])
    op.create_index("ix_gate_sign_in_site_at", "gate_sign_in", ["site_id", "at"])


    op.create_table(
        "special_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("home_sampling", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "code"),
    )
    op.create_index("ix_special_category_community_id", "special_category", ["community_id"])
    op.create_table(
        "special_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.LargeBinary(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_index("ix_special_contact_community_id", "special_contact", ["community_id"])
    _work_groups()


def _work_groups():
    group = op.create_table(
        "work_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "name"),
    )
    op.create_index("ix_work_group_community_id", "work_group", ["community_id"])
    bind = op.get_bind()
    communities = [row[0] for row in bind.execute(sa.text("SELECT id FROM community ORDER BY id"))]
    now = datetime.now(timezone.utc)
    op.bulk_insert(group, [{"community_id": cid, "name": name, "code": code, "position": i, "active": True,
                            "created_at": now}
                           for cid in communities for i, (code, name) in enumerate(WORK_GROUPS)])
    # Not recreate="always": PostgreSQL must alter in place, a copied table would get a new id
    # sequence starting at 1 under the copied rows; SQLite copies the table (a CHECK goes).
    with op.batch_alter_table("work_group_member") as batch:
        batch.drop_index("uq_work_group_member_current")
        batch.drop_constraint("work_group_name", type_="check")
        batch.alter_column("work_group", existing_type=sa.String(length=20), nullable=True)
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=10), nullable=False, server_default="member"))
        batch.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_work_group_member_group_id", "work_group", ["group_id"], ["id"])
        batch.create_check_constraint("work_group_member_role", "role IN ('lead', 'helper', 'member')")
    op.execute("UPDATE work_group_member SET group_id = (SELECT g.id FROM work_group g WHERE "
               "g.community_id = work_group_member.community_id AND g.code = work_group_member.work_group)")
    op.create_index("ix_work_group_member_group_id", "work_group_member", ["group_id"])
    op.create_index("uq_work_group_member_standing", "work_group_member", ["user_id", "group_id"], unique=True,
                    sqlite_where=sa.text("until IS NULL AND day IS NULL"),
                    postgresql_where=sa.text("until IS NULL AND day IS NULL"))
    op.create_index("uq_work_group_member_day", "work_group_member", ["user_id", "group_id", "day"], unique=True,
                    sqlite_where=sa.text("until IS NULL AND day IS NOT NULL"),
                    postgresql_where=sa.text("until IS NULL AND day IS NOT NULL"))


def downgrade():
    op.drop_index("uq_work_group_member_day", "work_group_member")
    op.drop_index("uq_work_group_member_standing", "work_group_member")
    op.drop_index("ix_work_group_member_group_id", "work_group_member")
    op.execute("DELETE FROM work_group_member WHERE work_group IS NULL")
    with op.batch_alter_table("work_group_member") as batch:
        batch.drop_constraint("fk_work_group_member_group_id", type_="foreignkey")
        batch.drop_constraint("work_group_member_role", type_="check")
        batch.drop_column("day")
        batch.drop_column("role")
        batch.drop_column("group_id")
        batch.alter_column("work_group", existing_type=sa.String(length=20), nullable=False)
        batch.create_check_constraint("work_group_name", "work_group IN ('data_checking', 'reporting', "
                                      "'sampling', 'data_summary', 'home_service', 'gate_control')")
        batch.create_index("uq_work_group_member_current", ["user_id", "work_group"], unique=True,
                           sqlite_where=sa.text("until IS NULL"), postgresql_where=sa.text("until IS NULL"))
    op.drop_table("work_group")
    op.drop_table("special_contact")
    op.drop_table("special_category")
    op.drop_table("gate_sign_in")
    op.drop_table("duty_assignment")
    op.drop_table("duty_shift")
