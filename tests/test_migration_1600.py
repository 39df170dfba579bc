"""Migration 1600 on a database written before it: the columns the models always write become
NOT NULL, and the rows that held NULL there are kept where they mean something (a membership
whose old code names its group, a phone, a problem of the ledger) and removed only where they
cannot say what they were. SQLite and PostgreSQL (a scratch database)."""
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from tests.test_migration_chain import written_before

SINCE = "'2022-05-{:02d} 00:00:00+00'"
OLD_ROWS = [
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (1, 'a', 'A', 37.3)",
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (2, 'b', 'B', 37.3)",
    "INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, created_at) "
    "VALUES (1, 1, 'c', 'supervisor', 'x', true, 1, '2022-05-01 00:00:00+00')",
    "INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, created_at) "
    "VALUES (2, 2, 'd', 'clerk', 'x', true, 1, '2022-05-01 00:00:00+00')",
    # Community 1 has its groups (the usual six, as 1200 stored them); community 2, made after
    # 1200, has none yet.
    *(f"INSERT INTO work_group (community_id, name, code, position, active, created_at) "
      f"VALUES (1, '{name}', '{code}', {i}, true, '2022-05-01 00:00:00+00')"
      for i, (code, name) in enumerate([("data_checking", "数据核对"), ("reporting", "上报"), ("sampling", "采样"),
                                         ("data_summary", "数据汇总"), ("home_service", "上门服务"),
                                         ("gate_control", "卡口值守")])),
    # A membership written with the old code only (no group_id).
    "INSERT INTO work_group_member (community_id, user_id, work_group, role, since) "
    f"VALUES (1, 1, 'sampling', 'member', {SINCE.format(6)})",
    # The same user in reporting by code only since the 1st, and by group since the 4th.
    "INSERT INTO work_group_member (community_id, user_id, work_group, role, since) "
    f"VALUES (1, 1, 'reporting', 'member', {SINCE.format(1)})",
    "INSERT INTO work_group_member (community_id, user_id, group_id, role, since) VALUES (1, 1, "
    f"(SELECT id FROM work_group WHERE community_id = 1 AND code = 'reporting'), 'lead', {SINCE.format(4)})",
    # Community 2's clerk in gate control by code: the community has no group rows at all.
    "INSERT INTO work_group_member (community_id, user_id, work_group, role, since) "
    f"VALUES (2, 2, 'gate_control', 'member', {SINCE.format(2)})",
    # Neither a code nor a group: a row no page ever showed.
    "INSERT INTO work_group_member (community_id, user_id, role, since) "
    f"VALUES (1, 1, 'member', {SINCE.format(2)})",
    # A phone and a problem without their text: possible on SQLite only before 1600
    # (PostgreSQL refused NULL there already, and gets some ciphertext).
    "INSERT INTO device (id, user_id, community_id, name, token_hash, created_at, expires_at, pending, "
    "max_seq, received_count) VALUES ('d1', 2, 2, :text, 'h', '2022-05-06 00:00:00+00', "
    "'2022-06-06 00:00:00+00', 2, 7, 5)",
    "INSERT INTO problem (id, community_id, day, description, owner_id, due_on, status, created_at) "
    "VALUES (1, 1, '2022-05-06', :text, 1, '2022-05-07', 'open', '2022-05-06 00:00:00+00')",
]


def _groups_of(members: dict) -> dict[str, list[tuple[int, str]]]:
    return {group.code: [(m.user_id, m.role) for m in rows] for group, rows in members.items() if rows}


def test_rows_holding_null_are_placed_kept_or_removed_then_the_columns_refuse_null(empty_database):
    sqlite = empty_database.startswith("sqlite")
    with written_before(empty_database, "1600", OLD_ROWS, {"text": None if sqlite else b"x"}):
        upgrade()
        from server.models import Device, Problem
        from server.review.workgroups import groups, members_on

        # The memberships show where the review shows them: each day in its group.
        assert _groups_of(members_on(1, date(2022, 5, 2))) == {"reporting": [(1, "member")]}
        assert _groups_of(members_on(1, date(2022, 5, 5))) == {"reporting": [(1, "lead")]}
        assert _groups_of(members_on(1, date(2022, 5, 7))) == {"reporting": [(1, "lead")],
                                                                "sampling": [(1, "member")]}
        # Community 2 got its six usual groups, in order, and its clerk is in gate control.
        assert [g.code for g in groups(2)] == ["data_checking", "reporting", "sampling", "data_summary",
                                               "home_service", "gate_control"]
        assert _groups_of(members_on(2, date(2022, 5, 3))) == {"gate_control": [(2, "member")]}
        # The row that could not say its group is gone; nothing else is.
        assert db.session.execute(text("SELECT count(*) FROM work_group_member")).scalar() == 4
        if sqlite:
            device = db.session.get(Device, "d1")
            assert (device.name, device.max_seq, device.received_count) == ("phone", 7, 5)
            problem = db.session.get(Problem, 1)
            assert (problem.description, problem.owner_id, problem.status) == ("", 1, "open")
        db.session.rollback()

        for refused in ("INSERT INTO work_group_member (community_id, user_id, role, since) "
                        "VALUES (1, 1, 'member', '2022-05-09 00:00:00+00')",
                        "UPDATE device SET name = NULL", "UPDATE problem SET description = NULL"):
            with pytest.raises(IntegrityError):
                with db.engine.begin() as conn:
                    conn.execute(text(refused))

        downgrade(revision="1500")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO work_group_member (community_id, user_id, role, since) "
                              "VALUES (1, 1, 'member', '2022-05-09 00:00:00+00')"))
            if sqlite:  # as 1100 left them there
                conn.execute(text("UPDATE device SET name = NULL"))
                conn.execute(text("UPDATE problem SET description = NULL"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM work_group_member WHERE group_id IS NULL")).scalar() == 0
