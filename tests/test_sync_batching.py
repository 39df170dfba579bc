"""A batch costs a fixed number of statements, not a few per record (issue 9): the people it
names are looked up together, the rows written together. Counted, not timed."""
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
    return seen


def test_a_batch_of_residents_costs_the_same_statements_for_10_or_100_records(
        app, client, world, device_token, make_person):
    community = world["a"]["community"]
    numbers = [valid_id(n) for n in range(200)]
    for number in numbers:
        make_person(community, doc_number=number)
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id

    def send(first, size):
        records = [gate_entry(site, seq=first + i + 1, person=person(numbers[first + i])) for i in range(size)]
        return lambda: client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)

    small = _statements(app, send(0, 10))
    large = _statements(app, send(10, 100))
    assert len(large) == len(small) < 25, "\n".join(s[:90] for s in small)
    assert db.session.scalar(select(func.count()).select_from(GateEntry)) == 110
    assert db.session.scalar(select(func.count()).select_from(InboxRecord)) == 110
    people = db.session.scalars(select(GateEntry.person_id).distinct()).all()
    assert len(people) == 110  # every entry found its resident


def test_a_bad_record_in_a_large_batch_falls_back_and_loses_nothing(client, world, device_token, make_person):
    community = world["a"]["community"]
    numbers = [valid_id(n) for n in range(50)]
    for number in numbers:
        make_person(community, doc_number=number)
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
