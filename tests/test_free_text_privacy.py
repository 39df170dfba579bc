"""Free text is personal data (issue 15): a phone number and an ID number typed into every
free-text field — a flag's resolution note, a check item's note, a problem and its fix, a need,
a visit, a placement's reason and its end and extension notes, a phone's name, a resident's
self-registration, and from the phones a gate note, a visitor, a void reason, a reopen reason,
a courier and a discard reason — are found nowhere in the database as stored (the SQLite file,
its WAL and SHM; PostgreSQL's tables read as text, bytea as hex), nor in the audit trail, nor in
any log line (SQL parameters included); and the purge deletes every copy."""
import logging
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import inspect, select, text

from server.extensions import db
from server.models import (AuditEvent, Box, Device, Flag, Placement, Problem, Registration,
                           Sample, SyncRejection)
from tests.conftest import PIN
from tests.records import (batch, box_handover, box_pack, gate_entry, record, sample, sample_void,
                           tube_open, tube_reopen, tube_seal, valid_id)

PHONE, NUMBER = "13912340005", "110101199003074477"
NOTE = f"已电话联系 {PHONE} 身份证{NUMBER}"
SECRETS = (PHONE, NUMBER)


def type_everywhere(app, world, make_person):
    """Every free-text field of the pages and of the sync API gets NOTE (or the phone and the
    number where the field is short)."""
    a = world["a"]
    community = a["community"]
    resident = make_person(community, doc_number=valid_id(40), building="1", unit="1", room="101",
                           tags="elderly-alone")
    other = make_person(community, doc_number=valid_id(41), building="1", unit="1", room="102")
    flag = Flag(community_id=community.id, kind="fever", person_id=resident.id, detail={})
    db.session.add(flag)
    db.session.commit()

    # The phones: a clerk's sampling day and a volunteer's gate, each record with free text.
    clerk = app.test_client()
    token = clerk.post("/api/v1/devices", json={"username": a["clerk"].username, "pin": PIN,
                                                "device_name": f"手机 {PHONE}"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    point, gate = a["point"].id, a["gate"].id
    first = sample(point, "TUBE0001", {"doc_type": "cn_ric", "doc_number": valid_id(42),
                                       "name": "王五", "phone": PHONE}, seq=2)
    records = [tube_open(point, "TUBE0001", seq=1), first,
               sample_void(first["id"], reason=NOTE, seq=3), tube_seal(point, "TUBE0001", seq=4),
               tube_reopen(point, "TUBE0001", NOTE, seq=5), tube_seal(point, "TUBE0001", seq=6),
               box_pack(point, "BOX001", "TUBE0001", seq=7),
               box_handover(point, "BOX001", courier=f"{PHONE} {NUMBER}", seq=8),
               record("gate_entry", {"site_id": "not a site"}, seq=9)]  # rejected: discarded below
    answer = clerk.post("/api/v1/sync", headers=headers, json=batch(token["device_id"], records)).get_json()
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 8 + ["rejected"]
    discard = record("record_discard", {"record_id": records[-1]["id"], "reason": NOTE}, seq=10)
    assert clerk.post("/api/v1/sync", headers=headers, json=batch(token["device_id"], [discard])
                      ).get_json()["results"][0]["status"] == "accepted"
    volunteer = app.test_client()
    token = volunteer.post("/api/v1/devices", json={"username": a["volunteer"].username, "pin": PIN,
                                                    "device_name": NOTE}).get_json()
    answer = volunteer.post("/api/v1/sync", headers={"Authorization": f"Bearer {token['token']}"}, json=batch(
        token["device_id"], [gate_entry(gate, seq=1, note=NOTE, person={
            "doc_type": "passport", "doc_number": "E12345678", "name": "访客", "phone": PHONE})])).get_json()
    assert answer["results"][0]["status"] == "accepted"
    # A sync rejection still waiting: the board's live item, resolved with a note below.
    rejected = record("gate_entry", {"site_id": "still not a site"}, seq=2)
    volunteer.post("/api/v1/sync", headers={"Authorization": f"Bearer {token['token']}"},
                   json=batch(token["device_id"], [rejected]))

    # A resident registers (the anonymous form's fields are free text too).
    resident_form = {"community": "a", "name": "赵六", "doc_number": valid_id(43), "phone": PHONE,
                     "building": NUMBER, "unit": "1", "room": PHONE}
    assert app.test_client().post("/register", data=resident_form).status_code == 303

    # The supervisor's pages.
    page = app.test_client()
    assert page.post("/login", data={"username": a["supervisor"].username, "pin": PIN}).status_code == 302
    page.post("/auth/device-token", json={"device_name": NOTE})
    ok = (200, 302)
    assert page.post(f"/supervisor/board/flags/{flag.id}/resolve", data={"note": NOTE}).status_code in ok
    rejection = db.session.scalar(select(SyncRejection.id).where(SyncRejection.resolved_at.is_(None)))
    assert page.post("/supervisor/board/resolve", data={"kind": "sync_rejection_waiting",
                                                        "ref": f"rejection:{rejection}",
                                                        "note": NOTE}).status_code in ok
    today = date.today().isoformat()
    owner = a["clerk"].id
    assert page.post("/supervisor/review/problems", data={"day": today, "description": NOTE,
                                                          "owner_id": owner, "due_on": today}).status_code == 302
    problem = db.session.scalar(select(Problem.id))
    assert page.post(f"/supervisor/review/problems/{problem}", data={
        "description": NOTE + " 已核实", "owner_id": owner, "due_on": today}).status_code == 302
    assert page.post(f"/supervisor/review/problems/{problem}/close", data={"fix": NOTE}).status_code == 302
    assert page.post(f"/supervisor/special/{resident.id}/needs", data={"need": "medicine",
                                                                        "note": NOTE}).status_code == 302
    assert page.post(f"/supervisor/special/{resident.id}/visits", data={
        "visitor_id": owner, "visited_at": f"{today}T00:05", "done": NOTE}).status_code == 302
    for person in (resident, other):
        assert page.post("/ledgers/quarantine", data={"person_id": person.id, "kind": "quarantine",
                                                      "reason": NOTE, "days": "14"}).status_code == 302
    first_placement, second_placement = db.session.scalars(select(Placement.id).order_by(Placement.id)).all()
    assert page.post(f"/ledgers/quarantine/{first_placement}/end", data={"note": NOTE}).status_code == 302
    assert page.post(f"/ledgers/quarantine/{second_placement}/extend",
                     data={"days": "3", "note": NOTE}).status_code == 302
    return page


def test_typed_phone_and_id_numbers_are_stored_nowhere_in_clear(make_app, world, make_person, caplog,
                                                                database_url):
    caplog.set_level(logging.DEBUG)
    app = make_app(SQLALCHEMY_ECHO=True, LOGIN_RATE_LIMIT="1000 per minute")  # SQL and parameters logged
    with app.app_context():
        page = type_everywhere(app, world, make_person)
        # Every field really holds the text (encrypted), and the pages show it back.
        assert db.session.scalar(select(Flag.resolution_note).where(Flag.kind == "fever")) == NOTE
        assert db.session.scalar(select(Flag.note).where(Flag.kind == "tube_reopened")) == NOTE
        assert db.session.scalar(select(Problem.fix)) == NOTE
        assert db.session.scalar(select(Sample.void_reason)) == NOTE
        assert db.session.scalar(select(Box.courier)) == f"{PHONE} {NUMBER}"
        assert NOTE in db.session.scalars(select(Device.name)).all()
        assert db.session.scalar(select(Registration.room)) == PHONE
        notes = db.session.scalars(select(Placement.notes).where(Placement.notes.is_not(None))).all()
        assert len(notes) == 2 and all(NOTE in n for n in notes)
        assert NOTE in page.get(f"/ledgers/quarantine/{db.session.scalar(select(Placement.id))}").get_data(
            as_text=True)
        # The audit trail has every act, with ids and kinds only.
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"resolve_flag", "add_problem", "edit_problem", "close_problem", "record_need",
                "record_visit", "placement_started", "placement_ended_early", "placement_extended",
                "registration_received", "device_issued"} <= actions
        db.session.remove()
        stored = stored_text(database_url)
    assert [s for s in SECRETS if s.encode() in stored or s.encode().hex().encode() in stored] == []
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)  # SQL was logged
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert [s for s in SECRETS if s in logged] == []
    # The check can fail: plain text of the same pages is in what was read.
    assert "1-1".encode() in stored or b"TUBE0001" in stored


def stored_text(database_url) -> bytes:
    """Everything the database holds, as stored: the SQLite files' bytes, or every PostgreSQL
    row as text (bytea appears as hex)."""
    if database_url.startswith("sqlite"):
        db.engine.dispose()
        path = database_url.removeprefix("sqlite:///")
        return b"".join(Path(path + suffix).read_bytes() for suffix in ("", "-wal", "-shm")
                        if Path(path + suffix).exists())
    chunks = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars()
            chunks.extend(row.encode() for row in rows)
    return b"\n".join(chunks)


def test_the_purge_deletes_every_copy(make_app, world, make_person, runner, database_url):
    app = make_app(LOGIN_RATE_LIMIT="1000 per minute")
    with app.app_context():
        type_everywhere(app, world, make_person)
        db.session.commit()
        db.session.remove()
    tomorrow = (date.today() + timedelta(days=60)).isoformat()
    result = runner.invoke(args=["purge", "--before", tomorrow])
    assert result.exit_code == 0, result.output
    for model in (Flag, Problem, Registration, Sample, Box, Placement):
        assert db.session.scalars(select(model)).all() == [], model.__name__
    # What stays (devices, audit trail) holds the text encrypted or not at all.
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "purge")).all()
    assert [s for s in SECRETS if s.encode() in stored_text(database_url)
            or s.encode().hex().encode() in stored_text(database_url)] == []
