"""A database that cannot write (full disk, read-only) or loses its connection mid-batch:
503 with Retry-After, nothing half-written, and the retry is accepted exactly once."""
import threading
import time

import pytest
from sqlalchemy import create_engine, event, func, select, text

from server.extensions import db
from server.models import GateEntry, InboxRecord
from tests.conftest import BACKENDS
from tests.harden.slow_ingest import pause_before_sync_commits
from tests.records import batch, gate_entry


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _sqlite_disk_full(conn):
    # SQLite cannot grow the file past its current size: SQLITE_FULL, as on a full disk.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _sqlite_read_only(conn):
    conn.execute("PRAGMA query_only = ON")  # SQLITE_READONLY on any write


class Unwritable:
    """Make the app's database refuse writes until restored (new connections only)."""

    def __init__(self, app, kind):
        self.app, self.kind = app, kind
        self.engine = db.engine

    def __enter__(self):
        if self.engine.dialect.name == "sqlite":
            self.listener = _sqlite_disk_full if self.kind == "disk_full" else _sqlite_read_only

            def on_connect(dbapi_connection, _record):
                self.listener(dbapi_connection)

            self._on_connect = on_connect
            event.listen(self.engine, "connect", on_connect)
        else:
            self._alter("SET default_transaction_read_only = on")
        self.engine.dispose()
        return self

    def restore(self):
        if self.engine.dialect.name == "sqlite":
            event.remove(self.engine, "connect", self._on_connect)
        else:
            self._alter("RESET default_transaction_read_only")
        self.engine.dispose()

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.restore()

    def _alter(self, setting):
        admin = create_engine(self.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text("SET default_transaction_read_only = off"))
                name = conn.execute(text("SELECT current_database()")).scalar()
                conn.execute(text(f'ALTER DATABASE "{name}" {setting}'))
        finally:
            admin.dispose()


def test_a_read_only_database_answers_503_and_recovers(app, client, world, device_token):
    check_unwritable_then_recovered(app, client, world, device_token, "read_only")


# PostgreSQL's disk is shared by everyone on this machine: a full disk is simulated on SQLite.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_disk_answers_503_and_recovers(app, client, world, device_token):
    check_unwritable_then_recovered(app, client, world, device_token, "disk_full")


def check_unwritable_then_recovered(app, client, world, device_token, fault):
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1, note="x" * 400) for i in range(200)]
    db.session.commit()
    with Unwritable(app, fault) as unwritable:
        answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert answer.get_json()["error"]["code"] == "database_unavailable"
        health = client.get("/api/v1/health")
        assert health.status_code == 200  # reads still work
        if fault == "read_only":  # and it says why phones cannot sync
            assert health.get_json()["status"] == "degraded"
            assert "database_read_only" in {r["code"] for r in health.get_json()["reasons"]}
        unwritable.restore()
    assert count(InboxRecord) == 0 and count(GateEntry) == 0  # rolled back, nothing half-done
    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert answer.status_code == 200
    assert {r["status"] for r in answer.get_json()["results"]} == {"accepted"}
    assert count(InboxRecord) == 200 and count(GateEntry) == 200


# Terminating server backends is a PostgreSQL fault (runs when PostgreSQL is configured).
@pytest.mark.parametrize("database_url", BACKENDS[1:], indirect=True)
def test_a_cut_database_connection_mid_batch_is_503_then_exactly_once(
        app, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1) for i in range(30)]
    db.session.commit()
    unpause = pause_before_sync_commits(3000)  # the batch written, not yet committed
    try:
        answers = []

        def post():
            with app.app_context():
                answers.append(app.test_client().post("/api/v1/sync", json=batch(device_id, records),
                                                      headers=headers))

        sender = threading.Thread(target=post)
        sender.start()
        killed = _terminate_idle_in_transaction(db.engine.url)
        sender.join(timeout=30)
        assert killed >= 1
        assert answers[0].status_code == 503 and answers[0].headers["Retry-After"]
    finally:
        unpause()
    db.session.rollback()
    assert count(InboxRecord) == 0 and count(GateEntry) == 0
    retry = app.test_client().post("/api/v1/sync", json=batch(device_id, records),
                                   headers=headers)
    assert retry.status_code == 200
    assert {r["status"] for r in retry.get_json()["results"]} == {"accepted"}
    assert count(InboxRecord) == 30 and count(GateEntry) == 30


def _terminate_idle_in_transaction(url, seconds=20) -> int:
    """Wait for the request's transaction to sit in the slow path, then cut its connection."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                killed = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state = 'idle in transaction' "
                    "AND now() - state_change > interval '300 milliseconds'")).scalar()
                if killed:
                    return killed
                time.sleep(0.05)
    finally:
        admin.dispose()
    return 0
