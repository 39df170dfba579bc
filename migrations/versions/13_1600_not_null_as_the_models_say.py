"""the columns the models always write become NOT NULL on both databases

Revision ID: 1600
Revises: 1500

Three columns were left nullable by old slips while the code always writes them:
`work_group_member.group_id` on both databases (migration 1200 added it nullable and filled it
from the old fixed code), `device.name` and `problem.description` on SQLite only (migration 1100
swapped them for ciphertext columns and SQLite cannot add NOT NULL in place). A NULL in one of
them can only come from outside today's code; each is filled or removed so that nothing a user
needs is lost:

- `work_group_member.group_id` NULL: a membership whose old fixed code (`work_group`) found no
  group row, written by the code of before 1200 while an upgrade was under way, or in a
  community that had no group rows yet (the six usual groups are stored the first time a
  community asks, `server/review/workgroups.groups`). The code still says which group: the row
  gets the community's group of that code, the six usual groups being stored first when the
  community has none (so that it then has all six, as `groups()` would have made them), or that
  one group when only it is missing (a group of the usual name the community made itself is
  used). Membership is history (who was in which group on a past day), so it is kept. When the
  user is currently in that group already (the unique "current" indexes allow one open row),
  the recovered row is ended where the current one starts: its earlier days stay, no day
  counts twice. A row without a code, or with a code no group ever had, cannot say which group
  it was: the review pages never showed it (they list members of the community's groups only),
  so it is removed, as migration 1200's downgrade removes the rows it cannot place.
- `device.name` NULL: the phone keeps its row (its token, and the sync accounting that tells
  whether all its records arrived; gate entries, samples and the inbox point at it). It gets
  the name the app gives a phone whose user typed none ("phone", `server/auth/tokens.py`).
- `problem.description` NULL: the problem keeps its row (its owner, due date, status and fix
  are the ledger; an open problem is carried to every later day). It gets an empty description
  rather than invented text; the edit form asks for one before it saves.

PostgreSQL sets NOT NULL in place. SQLite would rebuild each table (batch mode) to add NOT NULL,
and a rebuild inside the migration's transaction trips the foreign keys of every row pointing at
the table (gate entries, samples and the inbox point at `device`; migration 1400 met the same
with `user`): the column's definition is edited in the schema instead, as 1400 does, once no row
holds a NULL there, and `PRAGMA quick_check` of each table then confirms that every row meets
the new constraint. The same edit serves the three tables (the partial unique indexes of
`work_group_member` stay as they are, untouched). The downgrade makes the columns nullable again
(on PostgreSQL only `group_id`, the two others were NOT NULL there before); filled values stay.
"""
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "1600"
down_revision = "1500"
branch_labels = None
depends_on = None

# The six usual work groups, as migration 1200 stored them (copied: migrations stay replayable).
WORK_GROUPS = (("data_checking", "数据核对"), ("reporting", "上报"), ("sampling", "采样"),
               ("data_summary", "数据汇总"), ("home_service", "上门服务"), ("gate_control", "卡口值守"))
UNNAMED_PHONE = "phone"
# (table, column, SQL type as SQLite's schema spells it) tightened on SQLite; PostgreSQL had
# only the first one nullable.
SQLITE_COLUMNS = (("work_group_member", "group_id", "INTEGER"), ("device", "name", "BLOB"),
                  ("problem", "description", "BLOB"))


def upgrade():
    bind = op.get_bind()
    _place_members_without_group(bind)
    _fill_encrypted(bind, "device", "name", UNNAMED_PHONE)
    _fill_encrypted(bind, "problem", "description", "")
    if bind.dialect.name == "sqlite":
        _sqlite_nullable(bind, nullable=False)
    else:
        op.alter_column("work_group_member", "group_id", existing_type=sa.Integer(), nullable=False)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_nullable(bind, nullable=True)
    else:
        op.alter_column("work_group_member", "group_id", existing_type=sa.Integer(), nullable=True)


def _place_members_without_group(bind):
    members = sa.table("work_group_member", sa.column("id"), sa.column("community_id"), sa.column("user_id"),
                       sa.column("group_id"), sa.column("work_group"), sa.column("day"),
                       sa.column("since"), sa.column("until"))
    lost = bind.execute(sa.select(
        members.c.id, members.c.community_id, members.c.user_id, members.c.work_group, members.c.day,
        members.c.until.is_(None)).where(members.c.group_id.is_(None)).order_by(members.c.since, members.c.id)).all()
    if not lost:
        return
    groups = _Groups(bind)
    # The open row of each (user, group, day): the unique indexes allow one.
    open_rows = {(user_id, group_id, day): row_id for row_id, user_id, group_id, day in bind.execute(sa.select(
        members.c.id, members.c.user_id, members.c.group_id, members.c.day).where(
        members.c.group_id.is_not(None), members.c.until.is_(None)))}
    for row_id, community_id, user_id, code, day, is_open in lost:
        group_id = groups.for_code(community_id, code)
        if group_id is None:
            bind.execute(sa.delete(members).where(members.c.id == row_id))
            continue
        values = {"group_id": group_id}
        key = (user_id, group_id, day)
        if is_open and key in open_rows:
            # Ended where the current membership starts (or at once, when that one is older).
            open_row = members.alias("open_row")
            other = sa.select(open_row.c.since).where(open_row.c.id == open_rows[key]).scalar_subquery()
            values["until"] = sa.case((members.c.since > other, members.c.since), else_=other)
        elif is_open:
            open_rows[key] = row_id
        bind.execute(sa.update(members).where(members.c.id == row_id).values(values))


class _Groups:
    """The work groups of each community, stored when a member's code needs one missing."""

    def __init__(self, bind):
        self.bind = bind
        self.table = sa.table("work_group", sa.column("id"), sa.column("community_id"), sa.column("name"),
                              sa.column("code"), sa.column("position"), sa.column("active"),
                              sa.column("created_at", sa.DateTime(timezone=True)))
        self.rows: dict[int, list] = {}
        for row in bind.execute(sa.select(self.table.c.id, self.table.c.community_id, self.table.c.name,
                                          self.table.c.code, self.table.c.position)):
            self.rows.setdefault(row.community_id, []).append(row)

    def for_code(self, community_id: int, code: str | None) -> int | None:
        if not code:
            return None
        usual = dict(WORK_GROUPS)
        for _ in range(2):
            existing = self.rows.get(community_id, [])
            found = next((g.id for g in existing if g.code == code), None) or next(
                (g.id for g in existing if code in usual and g.name == usual[code]), None)
            if found is not None or code not in usual:
                return found
            if existing:
                self._store(community_id, [(code, usual[code])], start=max(g.position for g in existing) + 1)
            else:
                self._store(community_id, WORK_GROUPS, start=0)
        return None

    def _store(self, community_id: int, groups, start: int):
        now = datetime.now(timezone.utc)
        for i, (code, name) in enumerate(groups):
            self.bind.execute(sa.insert(self.table).values(
                community_id=community_id, name=name, code=code, position=start + i, active=True, created_at=now))
        self.rows[community_id] = self.bind.execute(sa.select(
            self.table.c.id, self.table.c.community_id, self.table.c.name, self.table.c.code,
            self.table.c.position).where(self.table.c.community_id == community_id)).all()


def _fill_encrypted(bind, table: str, column: str, text: str):
    """NULLs of an encrypted column become `text`, encrypted with the app's DATA_KEY."""
    from server.privacy import vault

    rows = sa.table(table, sa.column(column, sa.LargeBinary()))
    if bind.execute(sa.select(sa.func.count()).select_from(rows).where(rows.c[column].is_(None))).scalar():
        # One ciphertext for all of them: the nonce is per value, and these share one value.
        bind.execute(sa.update(rows).where(rows.c[column].is_(None)).values({column: vault().encrypt(text)}))


def _sqlite_nullable(bind, *, nullable: bool):
    """Each SQLITE_COLUMNS column's definition edited in the schema (see the docstring); refused
    unless each appears exactly once in its table's definition, as 1500 left it."""
    edits = {}
    for table, column, sql_type in SQLITE_COLUMNS:
        sql = edits.get(table) or bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
        before, after = (f"{sql_type} NOT NULL", sql_type) if nullable else (sql_type, f"{sql_type} NOT NULL")
        pattern = re.compile(rf'(?<![\w"])("?){column}\1 {before}(?=\s*(?:,|\)|$))')
        edited, count = pattern.subn(lambda m: f"{m.group(1)}{column}{m.group(1)} {after}", sql)
        if count != 1:
            raise RuntimeError(f"{table}.{column} is not defined as {before!r} once: {sql}")
        edits[table] = edited
    if not nullable:
        for table, column, _type in SQLITE_COLUMNS:
            if bind.exec_driver_sql(f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NULL').scalar():
                raise RuntimeError(f"{table}.{column} still holds NULL")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for table, sql in edits.items():
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    for table in edits:
        if bind.exec_driver_sql(f'PRAGMA quick_check("{table}")').scalar() != "ok":
            raise RuntimeError(f"quick check of {table} failed after editing its columns' NOT NULL")
