"""Migration 1200 on a database written before it (issue 17): the six fixed work groups become
rows of every community, each member row points at its group with the role "member", and a
group the community names itself can then be used. SQLite and PostgreSQL (a scratch database)."""

from flask_migrate import upgrade
from sqlalchemy import text

from server.extensions import db
from tests.test_migration_chain import written_before

OLD_ROWS = [
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (1, 'a', 'A', 37.3)",
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (2, 'b', 'B', 37.3)",
    "INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, created_at) "
    "VALUES (1, 1, 'c', 'clerk', 'x', true, 1, '2022-05-06 00:00:00+00')",
    "INSERT INTO work_group_member (community_id, user_id, work_group, since) "
    "VALUES (1, 1, 'sampling', '2022-05-06 00:00:00+00')",
    "INSERT INTO work_group_member (community_id, user_id, work_group, since, until) "
    "VALUES (1, 1, 'reporting', '2022-05-01 00:00:00+00', '2022-05-02 00:00:00+00')",
]




def test_fixed_work_groups_become_rows_and_members_keep_their_group(empty_database):
    with written_before(empty_database, "1200", OLD_ROWS):
        upgrade()
        with db.engine.begin() as conn:
            groups = conn.execute(text("SELECT community_id, code, name FROM work_group ORDER BY community_id, position")).all()
            assert len(groups) == 12 and groups[2] == (1, "sampling", "采样") and groups[6][0] == 2
            members = conn.execute(text(
                "SELECT g.code, g.community_id, m.role, m.day FROM work_group_member m "
                "JOIN work_group g ON g.id = m.group_id ORDER BY m.since DESC")).all()
            assert members == [("sampling", 1, "member", None), ("reporting", 1, "member", None)]
            group = conn.execute(text("INSERT INTO work_group (community_id, name, position, active, created_at) "
                                      "VALUES (1, '物资保障', 6, true, '2022-05-07 00:00:00+00') RETURNING id")).scalar()
            conn.execute(text("INSERT INTO work_group_member (community_id, user_id, group_id, role, since) "
                              f"VALUES (1, 1, {group}, 'lead', '2022-05-07 00:00:00+00')"))
