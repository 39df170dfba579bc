"""The sync contract (DESIGN §5): exactly once, in order, malformed records rejected alone."""
import copy

from sqlalchemy import func, select

from server.extensions import db
from server.models import Device, Flag, GateEntry, InboxRecord, SyncRejection
from tests.records import batch, gate_entry, valid_id


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_batch_is_stored_once_and_a_replay_changes_nothing(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1) for i in range(5)]
    first = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert first.status_code == 200
    assert [r["status"] for r in first.get_json()["results"]] == ["accepted"] * 5
    assert [r["id"] for r in first.get_json()["results"]] == [r["id"] for r in records]
    replay = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert [r["status"] for r in replay.get_json()["results"]] == ["duplicate"] * 5
    assert count(GateEntry) == 5 and count(InboxRecord) == 5


def test_same_id_with_other_content_is_a_conflict_and_changes_nothing(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    original = gate_entry(world["a"]["gate"].id, seq=1, temperature=36.5)
    client.post("/api/v1/sync", json=batch(device_id, [original]), headers=headers)
    edited = copy.deepcopy(original)
    edited["data"]["temperature_c"] = 38.5
    answer = client.post("/api/v1/sync", json=batch(device_id, [edited]), headers=headers)
    assert answer.get_json()["results"][0]["status"] == "conflict"
    temperatures = db.session.scalars(select(GateEntry.temperature_c)).all()
    assert [str(t) for t in temperatures] == ["36.5"]
    assert count(Flag, Flag.kind == "fever") == 0


def test_one_malformed_record_is_rejected_alone(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    records = [gate_entry(site, seq=1), gate_entry(site, seq=2, person={
        "doc_type": "cn_ric", "doc_number": "110105194912310021"}), gate_entry(site, seq=3)]
    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers).get_json()
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["accepted", "rejected", "accepted"]
    error = answer["results"][1]["error"]
    assert error["code"] == "invalid_id_number" and error["message"] and error["field"]
    assert count(GateEntry) == 2 and count(SyncRejection) == 1


def test_a_corrected_record_is_accepted_under_its_id(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    bad = gate_entry(world["a"]["gate"].id, seq=1, temperature=45)
    answer = client.post("/api/v1/sync", json=batch(device_id, [bad]), headers=headers).get_json()
    assert answer["results"][0]["error"]["code"] == "temperature_out_of_range"
    bad["data"]["temperature_c"] = 36.6
    answer = client.post("/api/v1/sync", json=batch(device_id, [bad]), headers=headers).get_json()
    assert answer["results"][0]["status"] == "accepted"


def test_envelope_errors(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    assert client.post("/api/v1/sync", data="not json", headers=headers,
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/sync", json={"device_id": device_id}, headers=headers).status_code == 400
    many = [gate_entry(site, seq=i + 1) for i in range(501)]
    assert client.post("/api/v1/sync", json=batch(device_id, many), headers=headers).status_code == 413
    big = gate_entry(site, seq=1, note="x" * 400)
    body = batch(device_id, [big] * 1)
    body["padding"] = "y" * int(1.5 * 1024 * 1024)
    assert client.post("/api/v1/sync", json=body, headers=headers).status_code == 413
    assert count(GateEntry) == 0


def test_sync_needs_a_valid_token(client, world, device_token):
    record = gate_entry(world["a"]["gate"].id, seq=1)
    assert client.post("/api/v1/sync", json=batch(None, [record])).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/v1/sync", json=batch(None, [record]), headers=bad).status_code == 401
    assert count(GateEntry) == 0


def test_a_gate_of_another_community_is_forbidden(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    answer = client.post("/api/v1/sync", json=batch(device_id, [gate_entry(world["b"]["gate"].id)]),
                         headers=headers).get_json()
    assert answer["results"][0]["error"]["code"] == "forbidden_site"


def test_unknown_type_is_rejected(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    record = gate_entry(world["a"]["gate"].id, seq=1)
    record["type"] = "teleport"
    answer = client.post("/api/v1/sync", json=batch(device_id, [record]), headers=headers).get_json()
    assert answer["results"][0]["error"]["code"] == "unknown_type"


def test_device_keeps_pending_and_a_gap_in_seq_is_flagged(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    records = [gate_entry(site, seq=s) for s in (1, 2, 5)]
    client.post("/api/v1/sync", json=batch(device_id, records, pending=3), headers=headers)
    device = db.session.get(Device, device_id)
    assert device.pending == 3 and device.max_seq == 5
    assert count(Flag, Flag.kind == "seq_gap") == 0  # the phone still holds records
    client.post("/api/v1/sync", json=batch(device_id, [], pending=0), headers=headers)
    gap = db.session.scalar(select(Flag).where(Flag.kind == "seq_gap"))
    assert gap is not None and gap.detail["missing"] == 2


def test_temperatures_at_the_limits(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    records = [gate_entry(site, temperature=t) for t in (33.9, 43.1, 37.3, 37.2)]
    results = client.post("/api/v1/sync", json=batch(device_id, records),
                          headers=headers).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "accepted", "accepted"]
    assert results[0]["error"]["code"] == "temperature_out_of_range"
    assert results[2]["warnings"] == ["fever"] and results[3]["warnings"] == []


def test_a_person_by_id_number_is_stored_encrypted_and_found_again(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    person = {"doc_type": "cn_ric", "doc_number": valid_id(7).lower(), "name": "李四"}
    records = [gate_entry(world["a"]["gate"].id, person=person) for _ in range(2)]
    client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    people = db.session.scalars(select(GateEntry.person_id)).all()
    assert len(people) == 2 and people[0] == people[1] is not None
