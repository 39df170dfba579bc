"""What a phone captured reaches the disk before the server says "accepted"; only a batch of
replays (nothing new to store) is committed without waiting for it, on SQLite."""
import json

import pytest

from server.extensions import db
from tests.records import batch, gate_entry, person, valid_id

FULL, NORMAL = 2, 1  # PRAGMA synchronous


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_a_batch_of_replays_commits_without_waiting_for_the_disk(client, world, device_token, monkeypatch):
    levels = []
    commit = db.engine.dialect.do_commit

    def noting_the_level(dbapi_connection):
        levels.append(dbapi_connection.execute("PRAGMA synchronous").fetchone()[0])
        commit(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_commit", noting_the_level)
    headers, device_id = device_token(world["a"]["volunteer"])

    def send(records):
        levels.clear()
        body = json.dumps(batch(device_id, records))
        answer = client.post("/api/v1/sync", data=body, headers=headers, content_type="application/json")
        return [r["status"] for r in answer.get_json()["results"]], set(levels)

    gate = world["a"]["gate"].id
    records = [gate_entry(gate, seq=i + 1, person=person(valid_id(i))) for i in range(3)]
    assert send(records) == (["accepted"] * 3, {FULL})
    assert send(records) == (["duplicate"] * 3, {FULL, NORMAL})  # NORMAL: the writing commit
    # The connection is back to FULL: what is captured next waits for the disk again.
    new = gate_entry(gate, seq=4, person=person(valid_id(4)))
    assert send([*records, new]) == (["duplicate"] * 3 + ["accepted"], {FULL})
    assert send([new]) == (["duplicate"], {FULL, NORMAL})
    assert send([gate_entry(gate, seq=5, person=person(valid_id(5)))]) == (["accepted"], {FULL})
