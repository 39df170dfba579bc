"""Migration 1100 on a database written before it (issue 15): plaintext free text becomes
ciphertext, the notes copied into the append-only audit trail leave it (a placement's note is
kept, encrypted, on the placement), the audit triggers are back afterwards; on SQLite no
plaintext stays in the file's free pages. SQLite and PostgreSQL (a scratch database)."""
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.extensions import db
from tests.test_migration_chain import written_before

PHONE, NUMBER = "13912340005", "110101199003074477"
NOTE = f"已电话联系 {PHONE} 身份证{NUMBER}"




OLD_ROWS = [
    "INSERT INTO community (id, code, name, fever_threshold_c) VALUES (1, 'a', 'A', 37.3)",
    "INSERT INTO \"user\" (id, community_id, username, role, pin_hash, active, session_version, created_at) "
    "VALUES (1, 1, 's', 'supervisor', 'x', true, 1, '2022-05-06 00:00:00+00')",
    "INSERT INTO device (id, user_id, community_id, name, token_hash, created_at, expires_at, pending, "
    "max_seq, received_count) VALUES ('d1', 1, 1, :note, 'h', '2022-05-06 00:00:00+00', "
    "'2022-06-06 00:00:00+00', 0, 0, 0)",
    "INSERT INTO flag (id, community_id, kind, device_id, detail, created_at, resolution_note) VALUES "
    "(1, 1, 'tube_reopened', 'd1', :detail, '2022-05-06 00:00:00+00', :note)",
    "INSERT INTO problem (id, community_id, day, description, owner_id, due_on, status, fix, created_at) "
    "VALUES (1, 1, '2022-05-06', :note, 1, '2022-05-07', 'closed', :note, '2022-05-06 00:00:00+00')",
    "INSERT INTO person (id, community_id, doc_type, doc_hash, doc_number, in_roster, tags, created_at) "
    "VALUES (1, 1, 'other', 'h', :blob, true, '', '2022-05-06 00:00:00+00')",
    "INSERT INTO placement (id, community_id, person_id, kind, start_date, end_date, created_at) "
    "VALUES (1, 1, 1, 'quarantine', '2022-05-01', '2022-05-06', '2022-05-01 00:00:00+00')",
    "INSERT INTO audit_event (id, at, community_id, user_id, action, target, detail) VALUES "
    "(1, '2022-05-06 01:00:00+00', 1, 1, 'resolve_flag', 'flag:1', :audit_note), "
    "(2, '2022-05-06 02:00:00+00', 1, 1, 'placement_ended_early', 'placement:1', :audit_end), "
    "(3, '2022-05-06 03:00:00+00', 1, 1, 'login', 'user:1', '{}')",
]


def test_old_rows_come_out_encrypted_and_the_audit_trail_without_notes(empty_database):
    from flask_migrate import upgrade

    params = {"note": NOTE, "blob": b"x",
              "detail": json.dumps({"tube": "T1", "reason": NOTE, "status_before": "sealed"}),
              "audit_note": json.dumps({"kind": "fever", "note": NOTE}),
              "audit_end": json.dumps({"end_from": "2022-05-14", "end_to": "2022-05-06", "note": NOTE})}
    with written_before(empty_database, "1100", OLD_ROWS, params):
        upgrade()
        from server.models import Device, Flag, Placement, Problem

        assert db.session.get(Device, "d1").name == NOTE
        flag = db.session.get(Flag, 1)
        assert (flag.resolution_note, flag.note, flag.detail) == (NOTE, NOTE, {"tube": "T1", "status_before": "sealed"})
        problem = db.session.get(Problem, 1)
        assert (problem.description, problem.fix) == (NOTE, NOTE)
        assert db.session.get(Placement, 1).notes == f"2022-05-06 Ended early: {NOTE}"
        details = db.session.execute(text("SELECT id, detail FROM audit_event ORDER BY id")).all()
        assert [json.loads(d) if isinstance(d, str) else d for _id, d in details] == [
            {"kind": "fever"}, {"end_from": "2022-05-14", "end_to": "2022-05-06"}, {}]
        db.session.rollback()
        # The append-only triggers are back.
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE audit_event SET action = 'x' WHERE id = 3"))
        stored = _stored(empty_database)
    assert PHONE.encode() not in stored and NUMBER.encode() not in stored
    assert b"tube_reopened" in stored  # the check reads the rows


def _stored(url) -> bytes:
    if url.startswith("sqlite"):
        db.engine.dispose()
        path = url.removeprefix("sqlite:///")
        return b"".join(Path(path + s).read_bytes() for s in ("", "-wal", "-shm") if Path(path + s).exists())
    with db.engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        return b"\n".join(row.encode() for table in tables
                          for row in conn.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars())
