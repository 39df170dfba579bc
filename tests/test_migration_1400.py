"""Migration 1400 (issue 18) on a database holding rows that point at `user`, `box` and `tube`:
the lab role is added (and taken back) without breaking a foreign key, on SQLite and PostgreSQL
(a scratch database)."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from tests.test_migration_chain import revision_before, written_before

ROWS = [
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (1, 'a', 'A', 37.3)",
    "INSERT INTO site (id, community_id, code, name, kind, tube_capacity) VALUES (1, 1, 'S1', 'S', 'sampling_point', 10)",
    "INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, created_at) "
    "VALUES (1, 1, 'c', 'clerk', 'x', true, 1, '2022-05-06 00:00:00+00')",
    "INSERT INTO device (id, user_id, community_id, name, token_hash, created_at, expires_at, pending, max_seq, "
    "received_count) VALUES ('d1', 1, 1, :name, 'h', '2022-05-06 00:00:00+00', '2023-05-06 00:00:00+00', 0, 0, 0)",
    "INSERT INTO box (id, community_id, site_id, barcode, created_at) VALUES (1, 1, 1, 'B1', '2022-05-06 00:00:00+00')",
    "INSERT INTO tube (id, community_id, site_id, barcode, capacity, status, opened_at, box_id) "
    "VALUES (1, 1, 1, 'T1', 10, 'packed', '2022-05-06 00:00:00+00', 1)",
]


def _insert_lab(conn, ident, role="lab"):
    conn.execute(text("INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, "
                      f"created_at) VALUES ({ident}, 1, 'u{ident}', '{role}', 'x', true, 1, '2022-05-06 00:00:00+00')"))


def test_the_lab_role_comes_and_goes_with_every_row_kept(empty_database):
    from flask_migrate import downgrade, upgrade

    with written_before(empty_database, "1400", ROWS, {"name": b"\x00"}):
        upgrade()
        with db.engine.begin() as conn:
            _insert_lab(conn, 2)
            conn.execute(text("UPDATE box SET lab_user_id = 2, received_at = '2022-05-06 01:00:00+00'"))
            conn.execute(text("UPDATE tube SET received_at = '2022-05-06 01:00:00+00'"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert_lab(conn, 3, role="chef")
        downgrade(revision=revision_before("1400"))
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT role, active FROM \"user\" WHERE id = 2")).one() == ("volunteer", False)
            assert conn.execute(text("SELECT count(*) FROM tube WHERE box_id = 1")).scalar() == 1
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _insert_lab(conn, 4)
        upgrade()
        with db.engine.begin() as conn:
            _insert_lab(conn, 5)
            assert conn.execute(text("SELECT count(*) FROM device")).scalar() == 1
            if db.engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
