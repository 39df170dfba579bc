"""Scale-out (issue 9): two app processes, as on two machines, share one PostgreSQL and the
same keys; phones sync to both at once, and a phone that lost an answer retries on the other
one. Nothing is lost, nothing is stored twice."""
import os
import threading
import time
import uuid

import psycopg
import pytest

from tests.harden.gunicorn_server import GunicornServer, Phone

PG_URL = os.environ.get("CHECKPOINT_TEST_DATABASE_URL")
SECONDS = float(os.environ.get("CHECKPOINT_LOAD_SECONDS", "6"))


@pytest.fixture
def schema_url():
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: CHECKPOINT_TEST_DATABASE_URL is unset")
        pytest.skip("set CHECKPOINT_TEST_DATABASE_URL for PostgreSQL")
    # A schema of its own in the test database: the suite's tables stay untouched.
    schema = f"scaleout_{uuid.uuid4().hex[:8]}"
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_two_app_processes_on_one_postgresql(tmp_path, schema_url):
    instance = tmp_path / "instance"
    first = GunicornServer(tmp_path / "a", workers=1, threads=4, database_url=schema_url,
                           instance=instance)
    second = GunicornServer(tmp_path / "b", workers=1, threads=4, database_url=schema_url,
                            instance=instance, seed=False)
    servers = [first.start(), second.start()]
    try:
        phones = [Phone(servers[i % 2]) for i in range(6)]
        acknowledged, failures, lock = [], [], threading.Lock()
        stop_at = time.monotonic() + SECONDS

        def both_at_once(phone, records):
            """The same batch on both machines at the same moment (a retry racing the first try):
            each record accepted by exactly one of them, a duplicate for the other."""
            answers = [None, None]

            def send(i):
                answers[i] = servers[i].request("POST", "/api/v1/sync", {
                    "device_id": phone.device_id, "app_version": "load", "pending": 0,
                    "records": records}, headers=phone.headers)
            senders = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            with lock:
                if {status for status, _body in answers} != {200}:
                    failures.append(answers)
                    return
                pairs = zip(answers[0][1]["results"], answers[1][1]["results"])
                if any(sorted((a["status"], b["status"])) != ["accepted", "duplicate"] for a, b in pairs):
                    failures.append(answers)
                acknowledged.extend(r["id"] for r in records)

        def run(index, phone):
            turn = index
            while time.monotonic() < stop_at:
                if turn % 3 == 0:
                    both_at_once(phone, phone.gate_batch(20))
                    turn += 1
                    continue
                records = phone.gate_batch(20)
                phone.server = servers[turn % 2]
                status, body = phone.sync(records)
                # The answer "got lost": the phone retries the same batch on the other machine.
                phone.server = servers[(turn + 1) % 2]
                again, replay = phone.sync(records)
                turn += 1
                with lock:
                    if status != 200 or again != 200:
                        failures.append((status, again, body if status != 200 else replay))
                        continue
                    statuses = {r["status"] for r in body["results"]}
                    if statuses != {"accepted"} or {r["status"] for r in replay["results"]} != {"duplicate"}:
                        failures.append((body, replay))
                    acknowledged.extend(r["id"] for r in body["results"])

        threads = [threading.Thread(target=run, args=(i, phone)) for i, phone in enumerate(phones)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        assert len(acknowledged) >= 6 * 20
        stored = [row[0] for row in first.query("SELECT record_id FROM gate_entry")]
        assert sorted(stored) == sorted(acknowledged)  # each exactly once
        assert first.query("SELECT count(*) FROM inbox_record")[0][0] == len(acknowledged)
        print(f"two processes, one PostgreSQL: {len(acknowledged)} records acknowledged and "
              f"retried on the other process in {SECONDS:.0f} s, none lost or doubled")
    finally:
        for server in servers:
            server.stop()
