"""Faults against a real gunicorn (worker processes and threads) on a SQLite file: concurrent
phones, and a worker killed mid-batch. Bounded: a few seconds each."""
import os
import signal
import threading
import time
from collections import Counter

import pytest

from tests.harden.gunicorn_server import GunicornServer, Phone

LOAD_SECONDS = float(os.environ.get("CHECKPOINT_LOAD_SECONDS", "8"))
PHONES = 6
BATCH = 20


@pytest.fixture
def gunicorn(tmp_path):
    made = []

    def start(**kwargs):
        server = GunicornServer(tmp_path / f"s{len(made)}", **kwargs)
        made.append(server)
        return server.start()

    yield start
    for server in made:
        server.stop()


def test_concurrent_phones_lose_and_duplicate_nothing(gunicorn):
    server = gunicorn(workers=2, threads=2)
    phones = [Phone(server) for _ in range(PHONES)]
    acknowledged, failures, batches = [], [], Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def run(phone):
        previous = None
        while time.monotonic() < stop_at:
            # Every third batch re-sends the previous one first: a phone that lost the answer.
            records = previous if previous and batches[phone.device_id] % 3 == 2 else \
                phone.gate_batch(BATCH)
            try:
                status, body = phone.sync(records)
            except OSError as error:
                with lock:
                    failures.append(repr(error))
                continue
            with lock:
                batches[phone.device_id] += 1
                if status != 200:
                    failures.append((status, body))
                    continue
                for result in body["results"]:
                    if result["status"] in ("accepted", "duplicate"):
                        acknowledged.append(result["id"])
                    else:
                        failures.append(result)
            previous = records

    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LOAD_SECONDS + 60)
    total_batches = sum(batches.values())
    print(f"\n{total_batches} batches of {BATCH} from {PHONES} phones in {LOAD_SECONDS:.0f} s, "
          f"{len(set(acknowledged))} records acknowledged, {len(failures)} failures")
    assert failures == []
    assert total_batches >= PHONES * 2  # the load really ran
    assert "database is locked" not in server.log_text()
    ids = set(acknowledged)
    inbox = Counter(r[0] for r in server.query("SELECT id FROM inbox_record"))
    gate = Counter(r[0] for r in server.query("SELECT record_id FROM gate_entry"))
    assert set(inbox) == ids and set(gate) == ids  # every acknowledged record is there ...
    assert set(inbox.values()) == {1} and set(gate.values()) == {1}  # ... exactly once


def test_a_worker_killed_mid_batch_leaves_nothing_half_written(gunicorn):
    server = gunicorn(workers=1, threads=2, CHECKPOINT_TEST_SLOW_INGEST_MS="2500")
    phone = Phone(server)
    records = phone.gate_batch(50)
    outcome = {}

    def post():
        try:
            outcome["answer"] = phone.sync(records)
        except OSError as error:
            outcome["error"] = error

    sender = threading.Thread(target=post)
    sender.start()
    _wait_for_write_lock(server)  # the worker is inside the batch's transaction
    for pid in server.worker_pids():
        os.kill(pid, signal.SIGKILL)
    sender.join(timeout=30)
    assert "error" in outcome, outcome  # the phone got no answer: it will retry
    ids = [r["id"] for r in records]
    assert server.query("SELECT count(*) FROM inbox_record")[0][0] == 0
    assert server.query("SELECT count(*) FROM gate_entry")[0][0] == 0
    assert server.query("PRAGMA integrity_check")[0][0] == "ok"

    server.wait_healthy()  # gunicorn replaced the worker
    status, body = phone.sync(records)
    assert status == 200 and [r["status"] for r in body["results"]] == ["accepted"] * 50
    status, body = phone.sync(records)
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 50
    assert sorted(r[0] for r in server.query("SELECT record_id FROM gate_entry")) == sorted(ids)
    assert server.query("SELECT count(*) FROM inbox_record")[0][0] == 50
    assert server.query("PRAGMA integrity_check")[0][0] == "ok"


def _wait_for_write_lock(server, seconds=20):
    """Until another connection holds SQLite's write lock (BEGIN IMMEDIATE fails at once)."""
    import sqlite3

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = sqlite3.connect(server.db_path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                time.sleep(0.3)  # well inside the slow transaction
                return
            raise
        finally:
            conn.close()
        time.sleep(0.02)
    raise AssertionError("the batch never started")
