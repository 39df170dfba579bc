"""Each record's digest comes from its text as sent (offline.protocol.split_body): a replay is
known at once, and the same record spelled otherwise -- or stored before raw digests existed --
is still a duplicate, never a conflict."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from offline import ingest
from offline.protocol import INVALID_FIELD, RecordError, digest, split_body
from server.extensions import db
from server.models import GateEntry, InboxRecord
from tests.records import batch, gate_entry, person, valid_id

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=4), st.lists(json_values, max_size=4),
       st.sampled_from([(",", ":"), (", ", ": ")]), st.booleans(), st.booleans())
def test_split_body_reads_what_json_loads_reads_and_the_text_of_each_record(
        envelope, records, separators, ascii_only, indent):
    body = {**envelope, "records": records}
    text = json.dumps(body, separators=separators, ensure_ascii=ascii_only, indent=2 if indent else None)
    found, spans = split_body(text.encode())
    assert found == json.loads(text)
    assert [json.loads(span) for span in spans] == records


@given(st.binary(max_size=40) | st.sampled_from([b"", b"{", b'{"records": [1,]}', b'{"a":1}x', b"[]",
                                                 b'\xef\xbb\xbf{"records": []}', b'{"records": [1] "x": 2}']))
def test_split_body_refuses_exactly_what_json_loads_refuses(body):
    try:
        expected = json.loads(body)
    except (ValueError, RecursionError):
        try:
            split_body(body)
        except (ValueError, RecursionError):
            return
        raise AssertionError(f"split_body accepted {body!r}") from None
    assert split_body(body)[0] == expected


def test_a_replay_spelled_otherwise_is_a_duplicate_and_an_edit_a_conflict(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    record = gate_entry(world["a"]["gate"].id, seq=1, person=person(valid_id(3)))
    first = client.post("/api/v1/sync", json=batch(device_id, [record]), headers=headers)
    assert first.get_json()["results"][0]["status"] == "accepted"
    # Same content, other key order, spacing and escapes: another text, the same record.
    reordered = {key: record[key] for key in reversed(list(record))}
    body = json.dumps(batch(device_id, [reordered]), indent=1, ensure_ascii=False)
    again = client.post("/api/v1/sync", data=body, headers=headers, content_type="application/json")
    assert again.get_json()["results"][0]["status"] == "duplicate"
    edited = {**record, "data": {**record["data"], "temperature_c": 36.9}}
    changed = client.post("/api/v1/sync", json=batch(device_id, [edited]), headers=headers)
    assert changed.get_json()["results"][0]["status"] == "conflict"
    stored = db.session.scalars(select(GateEntry.temperature_c)).all()
    assert [float(t) for t in stored] == [record["data"]["temperature_c"]]  # once, unchanged


def test_a_record_stored_with_the_older_canonical_digest_replays_as_a_duplicate(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    record = gate_entry(world["a"]["gate"].id, seq=1)
    client.post("/api/v1/sync", json=batch(device_id, [record]), headers=headers)
    # As stored before this change: the canonical digest, the payload re-serialised.
    db.session.execute(update(InboxRecord).values(digest=digest(record)))
    db.session.commit()
    again = client.post("/api/v1/sync", json=batch(device_id, [record]), headers=headers)
    assert again.get_json()["results"][0]["status"] == "duplicate"
    edited = {**record, "data": {**record["data"], "direction": "out"}}
    changed = client.post("/api/v1/sync", json=batch(device_id, [edited]), headers=headers)
    assert changed.get_json()["results"][0]["status"] == "conflict"


def test_the_same_record_twice_in_one_batch_spelled_otherwise_is_a_duplicate(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    record = gate_entry(world["a"]["gate"].id, seq=1)
    reordered = {key: record[key] for key in reversed(list(record))}
    answer = client.post("/api/v1/sync", json=batch(device_id, [record, reordered]), headers=headers)
    assert [r["status"] for r in answer.get_json()["results"]] == ["accepted", "duplicate"]


def test_a_replay_of_the_very_text_stored_is_a_duplicate_without_being_checked_again(
        client, world, device_token, monkeypatch):
    """The phone replays what it sent: known by the digest of its text, it is not parsed again
    (most of a replayed batch's cost), so a rule made stricter since it was accepted cannot
    turn a record the server holds into a `rejected` one on the phone."""
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1, person=person(valid_id(i))) for i in range(3)]
    body = json.dumps(batch(device_id, records))
    first = client.post("/api/v1/sync", data=body, headers=headers, content_type="application/json")
    assert [r["status"] for r in first.get_json()["results"]] == ["accepted"] * 3

    def stricter(raw, text=None):
        raise RecordError(INVALID_FIELD, "A rule made stricter since.", None)

    monkeypatch.setattr(ingest, "parse_record", stricter)
    again = client.post("/api/v1/sync", data=body, headers=headers, content_type="application/json")
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate"] * 3
    # A record the server does not hold is still checked.
    new = gate_entry(world["a"]["gate"].id, seq=4, person=person(valid_id(4)))
    fresh = client.post("/api/v1/sync", data=json.dumps(batch(device_id, [*records, new])), headers=headers,
                        content_type="application/json")
    assert [r["status"] for r in fresh.get_json()["results"]] == ["duplicate"] * 3 + ["rejected"]
    assert db.session.scalar(select(func.count()).select_from(InboxRecord)) == 3
