"""The quarantine ledger's story: a supervisor gives a building to a worker and places a
resident under home quarantine; a report is missed (clock moved), the household's door opens
(a signed event; a forged, a stale and a replayed one refused); both Flags reach the worker;
the gate's watch list holds the resident until the end date and not after."""
import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from server.extensions import db
from server.ledgers.assignments import responsible_worker
from server.clock import local_day, zone
from server.ledgers.quarantine import raise_missed, watched_people
from server.ledgers.simulate import send, signed_request
from server.models import AuditEvent, DoorEvent, Flag, Person, Placement, utcnow
from server.api.phoneindex import slot
from tests.conftest import PIN
from tests.records import valid_id

RESIDENT = valid_id(21)
NEIGHBOUR = valid_id(22)


def logged_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "pin": PIN}).status_code == 302
    return client


def csrf_post(client, url, page, **data):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token.group(1), **data})


def integration(runner, community="a"):
    created = runner.invoke(args=["create-integration", "物业平台", "--community", community])
    assert created.exit_code == 0, created.output
    key = re.search(r"key:\s+(\S+)", created.output).group(1)
    secret = re.search(r"secret:\s+(\S+)", created.output).group(1)
    return key, secret


def test_quarantine_missed_report_and_door_opening_reach_the_buildings_worker(
        app, runner, world, make_person):
    a = world["a"]
    resident = make_person(a["community"], doc_number=RESIDENT, name="赵隔离", building="1-1",
                           unit="2", room="301")
    make_person(a["community"], doc_number=NEIGHBOUR, name="钱邻居", building="1-2", unit="1",
                room="101")
    worker = a["volunteer"]  # a volunteer acts as the building's worker (楼长)
    boss = logged_in(app, a["supervisor"])

    # The supervisor gives building 1-1 to the worker and places the resident (both audited).
    assert csrf_post(boss, "/ledgers/buildings", "/ledgers/buildings", building="1-1",
                     user_id=worker.id).status_code == 302
    today = local_day(utcnow())
    placed = csrf_post(boss, "/ledgers/quarantine", "/ledgers/quarantine?building=1-1",
                       person_id=resident.id, kind="quarantine", reason="密接",
                       start=today.isoformat(), days="14")
    assert placed.status_code == 302
    placement = db.session.scalar(select(Placement))
    assert (placement.start_date, placement.end_date) == (today, today + timedelta(days=13))
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"building_assigned", "placement_started"} <= actions

    # Nobody reports this morning: at 12:30 (clock moved) the morning slot is missed, once.
    placement.created_at = datetime.combine(today, time(7, 0), tzinfo=zone())
    db.session.commit()
    at_half_past_noon = datetime.combine(today, time(12, 30), tzinfo=zone())
    assert raise_missed(at_half_past_noon - timedelta(hours=1)) == []  # not yet closed
    missed = raise_missed(at_half_past_noon)
    assert [(f.kind, f.detail["slot"]) for f in missed] == [("quarantine_report_missed", "morning")]
    assert missed[0].detail["due_at"].startswith(f"{today}T13:00")
    assert raise_missed(at_half_past_noon + timedelta(minutes=5)) == []  # no second flag
    db.session.commit()

    # The property platform's door sensor of the household.
    key, secret = integration(runner)
    mapped = runner.invoke(args=["add-door-sensor", "MC-0001", "--community", "a",
                                 "--building", "1-1", "--unit", "2", "--room", "301"])
    assert mapped.exit_code == 0, mapped.output
    platform = app.test_client()
    body, headers = signed_request(key, secret, "MC-0001", event_id="evt-1")
    status, answer = send(body, headers, client=platform)
    assert (status, answer.get("status")) == (200, "flagged"), answer
    door_flag = answer["flag"]

    forged = {**headers, "X-Checkpoint-Signature": "0" * 64}
    assert send(body.replace(b"evt-1", b"evt-2"), headers, client=platform)[1]["error"]["code"] \
        == "bad_signature"  # body changed after signing
    assert send(body, forged, client=platform)[0] == 401
    stale_body, stale = signed_request(key, secret, "MC-0001", event_id="evt-old",
                                       timestamp=int(utcnow().timestamp()) - 3600)
    assert send(stale_body, stale, client=platform) == (401, {"error": {
        "code": "stale_timestamp", "message": "The timestamp is too far from the server's clock.",
        "field": None}})
    replay = send(body, headers, client=platform)
    assert replay[0] == 409 and replay[1]["error"]["code"] == "replayed_event"
    # Another opening a minute later joins the same alert.
    again = send(*signed_request(key, secret, "MC-0001", event_id="evt-3"), client=platform)
    assert again[1] == {"status": "deduplicated", "event": again[1]["event"], "flag": door_flag}
    assert db.session.query(DoorEvent).count() == 2

    # Both alerts are routed to the building's worker, who sees them (masked) in "my tasks".
    flags = db.session.scalars(select(Flag).order_by(Flag.id)).all()
    assert [f.kind for f in flags] == ["quarantine_report_missed", "door_opened_quarantine"]
    assert {responsible_worker(f).id for f in flags} == {worker.id}
    tasks = logged_in(app, worker).get("/tasks").get_data(as_text=True)
    assert "赵*离" in tasks and "赵隔离" not in tasks and RESIDENT not in tasks
    assert tasks.count('class="task kind-') == 2 and "钱" not in tasks
    # ... and the supervisor's board shows the door alert at once.
    board = boss.get("/supervisor/board").get_data(as_text=True)
    assert f'id="flag-{door_flag}"' in board
    assert board.count(f'<span class="routed">网格员: {worker.username}</span>') == 2, \
        re.findall(r'class="routed">[^<]*<', board)
    # A clerk with no building has no alert.
    assert 'class="task kind-' not in logged_in(app, a["clerk"]).get("/tasks").get_data(as_text=True)

    # The gate's watch list holds the resident from start to end date, and not after.
    people = lambda day: [p.id for p in watched_people(a["community"].id, day)]  # noqa: E731
    assert people(today) == people(placement.end_date) == [resident.id]
    assert people(today - timedelta(days=1)) == people(placement.end_date + timedelta(days=1)) == []
    phone = app.test_client().post("/api/v1/devices", json={
        "username": worker.username, "pin": PIN, "device_name": "gate"}).get_json()
    listed = app.test_client().get("/api/v1/watchlist", headers={
        "Authorization": f"Bearer {phone['token']}"}).get_json()
    expected = slot(bytes.fromhex(listed["key"]), listed["bits"], "cn_ric", RESIDENT)
    assert listed["hashes"] == [expected]

    # The phone keeps the same task list for offline use: masked, routed, nothing in clear.
    answer = app.test_client().get("/api/v1/tasks", headers={
        "Authorization": f"Bearer {phone['token']}"})
    tasks = answer.get_json()
    assert tasks["buildings"] == ["1-1"]
    assert sorted(f["kind"] for f in tasks["flags"]) == ["door_opened_quarantine",
                                                         "quarantine_report_missed"]
    assert {f["name"] for f in tasks["flags"]} == {"赵*离"}
    assert [r["name"] for r in tasks["reports"]] == ["赵*离"]
    assert "赵隔离" not in answer.get_data(as_text=True) and RESIDENT not in answer.get_data(as_text=True)


def test_ending_early_takes_the_resident_off_the_watch_list_and_is_audited(
        app, world, make_person):
    a = world["a"]
    resident = make_person(a["community"], doc_number=RESIDENT, building="1-1",
                           tags="home-quarantine")
    boss = logged_in(app, a["supervisor"])
    today = local_day(utcnow())
    # Tagged by the roster and never in the ledger: watched (the tag's import path).
    assert [p.id for p in watched_people(a["community"].id, today)] == [resident.id]
    csrf_post(boss, "/ledgers/quarantine", "/ledgers/quarantine?building=1-1",
              person_id=resident.id, kind="quarantine", start=(today - timedelta(days=3)).isoformat())
    placement = db.session.scalar(select(Placement))
    page = f"/ledgers/quarantine/{placement.id}"
    assert csrf_post(boss, f"{page}/extend", page, days="7", note="复查").status_code == 302
    db.session.refresh(placement)
    assert placement.end_date == today - timedelta(days=3) + timedelta(days=13 + 7)
    assert csrf_post(boss, f"{page}/end", page, note="解除").status_code == 302
    db.session.refresh(placement)
    assert placement.ended_early_at is not None and placement.end_date == today
    # The ledger now decides, even though the roster tag stays.
    assert watched_people(a["community"].id, today) == []
    assert csrf_post(boss, f"{page}/end", page).status_code == 400  # already ended
    changes = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == f"placement:{placement.id}").order_by(AuditEvent.id)).all()
    # Audited with dates only; the notes stay with the placement, encrypted (issue 15).
    assert [(e.action, "note" in e.detail) for e in changes] == [
        ("placement_started", False), ("placement_extended", False), ("placement_ended_early", False)]
    db.session.refresh(placement)
    assert placement.notes.split("\n") == [f"{today.isoformat()} 延长至 {(today + timedelta(days=17)).isoformat()}: 复查",
                                            f"{today.isoformat()} 提前结束: 解除"]


def test_unassigned_building_routes_to_nobody(app, world, make_person):
    a = world["a"]
    resident = make_person(a["community"], doc_number=RESIDENT, building="9-9")
    assert responsible_worker(resident) is None
    boss = logged_in(app, a["supervisor"])
    csrf_post(boss, "/ledgers/buildings", "/ledgers/buildings", building="9-9",
              user_id=a["clerk"].id)
    assert responsible_worker(resident).id == a["clerk"].id
    csrf_post(boss, "/ledgers/buildings", "/ledgers/buildings", building="9-9", user_id="")
    assert responsible_worker(resident) is None
    # Its alerts wait on the supervisor's board, marked unassigned.
    db.session.add(Flag(community_id=a["community"].id, kind="quarantine_fever",
                        person_id=resident.id, detail={"building": "9-9"}))
    db.session.commit()
    assert '<span class="routed">网格员: 未分配</span>' in boss.get("/supervisor/board").get_data(as_text=True)
    # A worker of the other community cannot be given the building.
    assert csrf_post(boss, "/ledgers/buildings", "/ledgers/buildings", building="9-9",
                     user_id=world["b"]["clerk"].id).status_code == 404


def test_the_demo_has_assigned_buildings_quarantined_residents_and_a_sensor(app):
    from server.demo import seed_demo
    from server.ledgers.demo import DEMO_SENSOR, seed_ledgers
    from server.models import BuildingAssignment, Community, DoorSensor

    seed_demo(residents_count=120)
    db.session.commit()
    community = db.session.scalar(select(Community))
    kinds = sorted(db.session.scalars(select(Placement.kind)))
    assert kinds.count("monitoring") == 1 and "quarantine" in kinds
    assert sorted(db.session.scalars(select(BuildingAssignment.building))) == ["1-1", "1-2"]
    sensor = db.session.scalar(select(DoorSensor))
    assert sensor.sensor_id == DEMO_SENSOR
    quarantined = set(db.session.scalars(select(Placement.person_id).where(
        Placement.kind == "quarantine")))
    # The whole household behind the door sensor is quarantined, nobody else.
    household = set(db.session.scalars(select(Person.id).where(
        Person.building == sensor.building, Person.unit == sensor.unit, Person.room == sensor.room)))
    assert quarantined == household
    assert quarantined <= {p.id for p in watched_people(community.id, local_day(utcnow()))}
    assert seed_ledgers(community) == {}  # a second run adds nothing


def test_commands_check_missed_reports_and_simulate_door_events(app, runner, world, make_person):
    a = world["a"]
    resident = make_person(a["community"], doc_number=RESIDENT, building="3-1", unit="1",
                           room="101")
    today = local_day(utcnow())
    placement = Placement(community_id=a["community"].id, person_id=resident.id,
                          kind="quarantine", start_date=today, end_date=today + timedelta(days=13),
                          created_at=datetime.combine(today, time(6, 0), tzinfo=zone()))
    db.session.add(placement)
    db.session.commit()
    evening = datetime.combine(today, time(22, 30), tzinfo=zone()).isoformat()
    checked = runner.invoke(args=["check-quarantine", "--now", evening])
    assert checked.exit_code == 0 and "Missed reports flagged: 2." in checked.output
    assert "flagged: 0." in runner.invoke(args=["check-quarantine", "--now", evening]).output
    assert runner.invoke(args=["check-quarantine", "--now", "yesterday"]).exit_code != 0

    key, secret = integration(runner)
    runner.invoke(args=["add-door-sensor", "MC-9", "--community", "a", "--building", "3-1",
                        "--unit", "1", "--room", "101"])
    sent = runner.invoke(args=["simulate-door-events", "--key", key, "--secret", secret,
                               "--sensor", "MC-9", "--count", "3"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.count("'status': 'flagged'") == 1
    assert sent.output.count("'status': 'deduplicated'") == 2
    wrong = runner.invoke(args=["simulate-door-events", "--key", key, "--secret", "guessed",
                                "--sensor", "MC-9"])
    assert wrong.exit_code != 0 and "bad_signature" in wrong.output
    kinds = sorted(db.session.scalars(select(Flag.kind)))
    assert kinds == ["door_opened_quarantine", "quarantine_report_missed",
                     "quarantine_report_missed"]


def test_a_supervisor_reaches_no_placement_of_another_community(app, world, make_person):
    b = world["b"]
    other = make_person(b["community"], doc_number=RESIDENT, building="1-1")
    placement = Placement(community_id=b["community"].id, person_id=other.id, kind="quarantine",
                          start_date=local_day(utcnow()), end_date=local_day(utcnow()))
    db.session.add(placement)
    db.session.commit()
    boss = logged_in(app, world["a"]["supervisor"])
    assert boss.get(f"/ledgers/quarantine/{placement.id}").status_code == 404
    for action in ("end", "extend", "link"):
        assert boss.post(f"/ledgers/quarantine/{placement.id}/{action}",
                         data={"days": "3"}).status_code == 404
    assert boss.post("/ledgers/quarantine", data={"person_id": other.id}).status_code == 404
    assert "1-1" not in boss.get("/ledgers/buildings").get_data(as_text=True)
