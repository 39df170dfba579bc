"""A batch costs a fixed number of statements, not a few per record (issue 9): the people it
names are looked up together, the rows written together. Counted, not timed."""
import pytest
from sqlalchemy import event, func, select

from server.extensions import db
from server.models import GateEntry, InboxRecord
from tests.records import batch, gate_entry, person, valid_id


def _statements(app, send):
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    if __import__("os").environ.get("SHOW_STATEMENTS"):
        print(f"\n{len(seen)} statements:\n" + "\n".join(s[:100] for s in seen))
    return seen


def _listing(statements):
    return "\n".join(s[:90] for s in statements)


def _poster(client, device_id, headers, records):
    """A send, for `_statements`: the records in one sync request."""
    return lambda: client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)


@pytest.fixture
def residents(world, make_person):
    """`residents(n)`: n people on community a's roster; their document numbers."""
    def make(n):
        numbers = [valid_id(i) for i in range(n)]
        for number in numbers:
            make_person(world["a"]["community"], doc_number=number)
        return numbers
    return make


def test_a_batch_of_residents_costs_the_same_statements_for_10_or_100_records(
        app, client, world, device_token, residents):
    numbers = residents(200)
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id

    def send(first, size):
        records = [gate_entry(site, seq=first + i + 1, person=person(numbers[first + i]),
                              direction=("in", "out")[i % 2]) for i in range(size)]
        return _poster(client, device_id, headers, records)

    small = _statements(app, send(0, 10))
    large = _statements(app, send(10, 100))
    assert len(large) == len(small) < 25, _listing(small)
    assert db.session.scalar(select(func.count()).select_from(GateEntry)) == 110
    assert db.session.scalar(select(func.count()).select_from(InboxRecord)) == 110
    people = db.session.scalars(select(GateEntry.person_id).distinct()).all()
    assert len(people) == 110  # every entry found its resident


def test_a_bad_record_in_a_large_batch_falls_back_and_loses_nothing(client, world, device_token, residents):
    numbers = residents(50)
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    records = [gate_entry(site, seq=i + 1, person=person(numbers[i])) for i in range(50)]
    records[37]["data"]["temperature_c"] = 47.0  # the 38th fails after 37 were applied
    outsider = gate_entry(site, seq=51, person=person(valid_id(999), name="王小明"))
    answer = client.post("/api/v1/sync", json=batch(device_id, records + [outsider]), headers=headers)
    statuses = [r["status"] for r in answer.get_json()["results"]]
    assert statuses == ["accepted"] * 37 + ["rejected"] + ["accepted"] * 13
    assert db.session.scalar(select(func.count()).select_from(GateEntry)) == 50
    assert db.session.scalar(select(func.count()).select_from(InboxRecord)) == 50
    again = client.post("/api/v1/sync", json=batch(device_id, records + [outsider]), headers=headers)
    assert [r["status"] for r in again.get_json()["results"]].count("duplicate") == 50


def _tube_day(site, numbers):
    from tests.records import sample, sample_void, tube_open, tube_seal

    tube = "T20261123001"
    records = [tube_open(site, tube, seq=1)]
    records += [sample(site, tube, person(numbers[i]), seq=2 + i) for i in range(10)]
    records.append(sample_void(records[3]["id"], reason="swab dropped", seq=12))  # frees a slot
    records.append(sample(site, tube, person(numbers[10]), seq=13))  # takes it
    records.append(sample(site, tube, person(numbers[0]), seq=14))  # already in this tube
    records.append(sample(site, "T20261123002", person(numbers[1]), seq=15))  # twice today
    records.append(sample(site, tube, person(numbers[11]), seq=16))  # one too many
    records.append(tube_seal(site, tube, seq=17))
    return records


def _outcome():
    from server.models import Flag, Sample, Tube

    slots = db.session.execute(select(Tube.barcode, Sample.slot, Sample.voided_at.is_(None))
                               .join(Tube, Sample.tube_id == Tube.id)
                               .order_by(Tube.barcode, Sample.id)).all()
    flags = sorted(db.session.scalars(select(Flag.kind)).all())
    return slots, flags


def test_a_tube_in_one_batch_ends_as_if_sent_record_by_record(client, world, device_token, residents):
    """The batch path reads slots and same-day samples from memory: it must agree with the
    careful path (one record per request) on every slot and every flag."""
    from server.models import Flag, InboxRecord as Inbox, Sample, Tube

    numbers = residents(12)
    site = world["a"]["point"].id
    outcomes, answers = [], []
    for one_by_one in (False, True):
        headers, device_id = device_token(world["a"]["clerk"], f"phone {one_by_one}")
        records = _tube_day(site, numbers)
        if one_by_one:
            warnings = [client.post("/api/v1/sync", json=batch(device_id, [r], pending=1), headers=headers)
                        .get_json()["results"][0]["warnings"] for r in records]
        else:
            warnings = [r["warnings"] for r in client.post(
                "/api/v1/sync", json=batch(device_id, records, pending=1), headers=headers).get_json()["results"]]
        answers.append(warnings)
        outcomes.append(_outcome())
        for model in (Flag, Sample, Inbox, Tube):
            db.session.execute(model.__table__.delete())
        db.session.commit()
    assert answers[0] == answers[1]
    assert outcomes[0] == outcomes[1]
    slots, flags = outcomes[0]
    live = [slot for barcode, slot, alive in slots if barcode == "T20261123001" and alive]
    assert sorted(s for s in live if s) == list(range(1, 11)) and live.count(None) == 1
    assert {"person_in_tube_twice", "person_sampled_twice_today", "tube_over_capacity"} <= set(flags)


def _tube_batch(site, numbers, tubes, offset=0):
    from tests.records import sample, tube_open, tube_seal

    records = []
    for t in range(tubes):
        barcode = f"T2026120{offset + t:05d}"
        records.append(tube_open(site, barcode))
        records += [sample(site, barcode, person(numbers[(offset + t) * 10 + n])) for n in range(10)]
        records.append(tube_seal(site, barcode))
    return records


def test_a_batch_of_tubes_costs_the_same_statements_for_2_or_8_tubes(app, client, world, device_token,
                                                                      residents):
    numbers = residents(100)
    headers, device_id = device_token(world["a"]["clerk"])
    site = world["a"]["point"].id

    small = _statements(app, _poster(client, device_id, headers, _tube_batch(site, numbers, 2)))
    large = _statements(app, _poster(client, device_id, headers, _tube_batch(site, numbers, 8, offset=2)))
    assert len(large) == len(small) < 25, _listing(large)
    from server.models import Sample

    assert db.session.scalar(select(func.count()).select_from(Sample)) == 100


def test_under_the_write_lock_a_batch_only_writes(app, client, world, device_token, residents):
    """What a batch reads, it reads before the write lock: under it (SQLite: from BEGIN
    IMMEDIATE to COMMIT) only the check of what the plan decided on, and the writes."""
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL has no database-wide write lock (row locks only)
    numbers = residents(120)
    gate_headers, gate_device = device_token(world["a"]["volunteer"])
    tube_headers, tube_device = device_token(world["a"]["clerk"])
    gate = [gate_entry(world["a"]["gate"].id, seq=i + 1, person=person(numbers[i]),
                       direction=("in", "out")[i % 2], temperature=(36.5, 38.2)[i % 7 == 0])
            for i in range(100)]
    for headers, device_id, records, reads in (
            (gate_headers, gate_device, gate, 0),
            (tube_headers, tube_device, _tube_batch(world["a"]["point"].id, numbers, 2, offset=10), 2)):
        seen = _statements(app, _poster(client, device_id, headers, records))
        locked = seen[seen.index("BEGIN IMMEDIATE"):]
        verbs = [s.split()[0].upper() for s in locked]
        assert verbs.count("SELECT") == reads, _listing(locked)
        assert set(verbs) <= {"BEGIN", "SELECT", "SAVEPOINT", "INSERT", "UPDATE", "RELEASE", "COMMIT"}
        assert len(locked) <= 12, _listing(locked)


def test_a_replayed_batch_costs_a_few_statements_and_writes_no_record(app, client, world, device_token,
                                                                       residents):
    numbers = residents(100)
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1, person=person(numbers[i])) for i in range(100)]
    client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    seen = _statements(app, _poster(client, device_id, headers, records))
    assert not [s for s in seen if s.split()[0].upper() == "INSERT"], _listing(seen)
    assert len(seen) <= 10, _listing(seen)
