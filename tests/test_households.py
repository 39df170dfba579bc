"""Households under quarantine and the worker's day (issue 17): a household placed whole with
its needs; readings, visit notes and needs done as sync records (idempotent); every reading
kept; a late report closes its missed Flag; the worker resolves their own alerts; the poll
that rings for a new alert; a grid leader sees exactly the grid's tasks; board deadlines of
ledger alerts count from their own due times."""
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.clock import local_day, zone
from server.ledgers.quarantine import raise_missed, record_report
from server.models import (AuditEvent, CareVisit, Flag, HouseholdNeed, InboxRecord, Placement,
                           TemperatureReading, TemperatureReport, utcnow)
from tests.records import batch, record, valid_id
from tests.test_ledgers_quarantine import csrf_post, logged_in


def household(make_person, community, building="1-1", unit="2", room="301", first=40):
    return [make_person(community, doc_number=valid_id(first + n), name=name, phone=f"1390000{first + n:04d}",
                        building=building, unit=unit, room=room)
            for n, name in enumerate(("赵一户", "钱一户", "孙一户"))]


def place_whole(app, a, make_person, start=None):
    """The supervisor gives 1-1 to the volunteer and places household 1-1-2-301 (3 people)."""
    people = household(make_person, a["community"])
    make_person(a["community"], doc_number=valid_id(60), name="李邻居", building="1-1", unit="2", room="302")
    boss = logged_in(app, a["supervisor"])
    assert csrf_post(boss, "/ledgers/buildings", "/ledgers/buildings", building="1-1",
                     user_id=a["volunteer"].id).status_code == 302
    page = "/ledgers/quarantine?building=1-1&unit=2&room=301"
    assert 'id="place-household"' in boss.get(page).get_data(as_text=True)
    start = start or local_day(utcnow())
    placed = csrf_post(boss, "/ledgers/quarantine/household", page, building="1-1", unit="2",
                       room="301", kind="quarantine", reason="密接", start=start.isoformat(), days="14")
    assert placed.status_code == 302, placed.get_data(as_text=True)
    return people, boss


def sync(client, headers, device_id, *records):
    answer = client.post("/api/v1/sync", json=batch(device_id, list(records)), headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["results"]


def test_a_household_is_placed_whole_with_its_daily_needs(app, world, make_person):
    a = world["a"]
    people, _boss = place_whole(app, a, make_person)
    placements = db.session.scalars(select(Placement).order_by(Placement.person_id)).all()
    assert [p.person_id for p in placements] == [p.id for p in people]  # the neighbour is not placed
    assert {(p.kind, p.end_date - p.start_date) for p in placements} == {("quarantine", timedelta(days=13))}
    needs = db.session.scalars(select(HouseholdNeed)).all()
    assert len(needs) == 14 * 4  # three meals and the rubbish, every day
    today = local_day(utcnow())
    todays = sorted((n.kind, n.due_at.astimezone(zone()).strftime("%H:%M")) for n in needs
                    if n.due_at.astimezone(zone()).date() == today)
    assert todays == [("meal", "07:30"), ("meal", "11:30"), ("meal", "17:30"), ("rubbish", "19:00")]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "household_placed"))
    # Placing the same household again overlaps: refused, nothing added.
    boss = logged_in(app, a["supervisor"])
    again = csrf_post(boss, "/ledgers/quarantine/household", "/ledgers/quarantine", building="1-1",
                      unit="2", room="301", kind="quarantine", days="14")
    assert again.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 3
    # The supervisor adds a medicine run for the household (note encrypted, audited); a bad time
    # is refused and adds nothing.
    placement = placements[0]
    page = f"/ledgers/quarantine/{placement.id}"
    due = datetime.combine(today, time(15, 0))
    assert csrf_post(boss, f"{page}/need", page, kind="medicine", due_at=due.isoformat(timespec="minutes"),
                     note="降压药").status_code == 302
    assert csrf_post(boss, f"{page}/need", page, kind="medicine", due_at="明天").status_code == 400
    assert csrf_post(boss, f"{page}/need", page, kind="party", due_at=due.isoformat()).status_code == 400
    medicine = db.session.scalars(select(HouseholdNeed).where(HouseholdNeed.kind == "medicine")).all()
    assert [(m.note, m.due_at.astimezone(zone()).strftime("%H:%M"), m.building, m.unit, m.room)
            for m in medicine] == [("降压药", "15:00", "1-1", "2", "301")]
    # Extending the quarantine adds the needs of the extra days.
    assert csrf_post(boss, f"{page}/extend", page, days="2").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(HouseholdNeed).where(
        HouseholdNeed.kind != "medicine")) == 16 * 4
    # The worker's page shows today's needs, in Chinese.
    page = logged_in(app, a["volunteer"]).get("/tasks").get_data(as_text=True)
    assert page.count('class="task need') == 5 and "送餐" in page and "清运垃圾" in page and "代购药品" in page
    assert "赵一户" not in page and "赵*户" in page


def test_worker_records_from_the_phone_reach_the_server_once(app, client, world, make_person, device_token):
    a = world["a"]
    people, _boss = place_whole(app, a, make_person)
    for placement in db.session.scalars(select(Placement)):
        placement.created_at -= timedelta(days=1)
    db.session.commit()
    headers, device_id = device_token(a["volunteer"])
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    placement_id = tasks["reports"][0]["placement"]
    meal = next(n for n in tasks["needs"] if n["kind"] == "meal")
    assert meal["label"] == "送餐" and meal["done"] is False
    reading = record("temperature_reading", {"placement_id": placement_id, "temperature_c": 36.6}, seq=1)
    visit = record("visit_note", {"placement_id": placement_id, "note": "送药上门，情况良好"}, seq=2)
    done = record("need_done", {"need_id": meal["id"], "done": True}, seq=3)
    results = sync(client, headers, device_id, reading, visit, done)
    assert [r["status"] for r in results] == ["accepted"] * 3, results
    # The answer was lost: the phone sends the same records again; nothing doubles.
    assert [r["status"] for r in sync(client, headers, device_id, reading, visit, done)] == ["duplicate"] * 3
    readings = db.session.scalars(select(TemperatureReading)).all()
    assert [(str(r.temperature_c), r.source, r.record_id) for r in readings] == [("36.6", "worker", reading["id"])]
    visits = db.session.scalars(select(CareVisit)).all()
    assert [(v.done, v.visitor_id) for v in visits] == [("送药上门，情况良好", a["volunteer"].id)]
    need = db.session.get(HouseholdNeed, meal["id"])
    assert need.done_at is not None and need.done_by == a["volunteer"].id and need.done_record_id == done["id"]
    assert client.get("/api/v1/tasks", headers=headers).get_json()["needs"][0]["done"] is True
    # Undone, recorded too.
    undo = record("need_done", {"need_id": meal["id"], "done": False}, seq=4)
    assert sync(client, headers, device_id, undo)[0]["status"] == "accepted"
    db.session.refresh(need)
    assert need.done_at is None
    assert db.session.scalar(select(func.count()).select_from(InboxRecord)) == 4
    # Malformed: rejected alone, with the field named; another community's need is unknown.
    bad = sync(client, headers, device_id,
               record("temperature_reading", {"placement_id": placement_id, "temperature_c": 45}, seq=5),
               record("need_done", {"need_id": 999999}, seq=6),
               record("visit_note", {"placement_id": placement_id, "note": ""}, seq=7))
    assert [(r["status"], r["error"]["field"]) for r in bad] == [
        ("rejected", "temperature_c"), ("rejected", "need_id"), ("rejected", "note")]


def test_readings_keep_their_history(app, client, world, make_person, device_token):
    a = world["a"]
    place_whole(app, a, make_person)
    placement = db.session.scalars(select(Placement).order_by(Placement.id)).first()
    placement.created_at -= timedelta(days=1)
    db.session.commit()
    now = utcnow()
    record_report(placement, "36.4", now - timedelta(seconds=5), "self")  # the resident's link
    db.session.commit()
    headers, device_id = device_token(a["volunteer"])
    results = sync(client, headers, device_id, record(
        "temperature_reading", {"placement_id": placement.id, "temperature_c": "37.5"}, seq=1))
    assert results[0]["status"] == "accepted" and results[0]["warnings"] == ["fever"]
    # Both readings of the slot are kept; the slot shows the latest.
    readings = db.session.scalars(select(TemperatureReading).order_by(TemperatureReading.id)).all()
    assert [(str(r.temperature_c), r.source) for r in readings] == [("36.4", "self"), ("37.5", "worker")]
    assert len({(r.day, r.slot) for r in readings}) == 1
    report = db.session.scalar(select(TemperatureReport))
    assert (str(report.temperature_c), report.source) == ("37.5", "worker")
    assert db.session.scalar(select(Flag.kind).where(Flag.kind == "quarantine_fever"))
    placement_page = logged_in(app, a["supervisor"]).get(f"/ledgers/quarantine/{placement.id}").get_data(as_text=True)
    assert "36.4" in placement_page and "37.5" in placement_page


def test_a_late_report_closes_its_missed_flag(app, client, world, make_person, device_token):
    a = world["a"]
    yesterday = local_day(utcnow()) - timedelta(days=1)
    place_whole(app, a, make_person, start=yesterday)
    placement = db.session.scalars(select(Placement).order_by(Placement.id)).first()
    for p in db.session.scalars(select(Placement)):
        p.created_at = datetime.combine(yesterday, time(7, 0), tzinfo=zone())
    db.session.commit()
    # Yesterday at 12:30 the morning slot was missed by everyone of the household.
    missed = raise_missed(datetime.combine(yesterday, time(12, 30), tzinfo=zone()))
    db.session.commit()
    mine = next(f for f in missed if f.detail["placement"] == placement.id)
    # The worker took the temperature at 11:50 offline; the phone synced only now.
    headers, device_id = device_token(a["volunteer"])
    taken = datetime.combine(yesterday, time(11, 50), tzinfo=zone())
    results = sync(client, headers, device_id, record(
        "temperature_reading", {"placement_id": placement.id, "temperature_c": 36.5}, seq=1, recorded_at=taken))
    assert results[0]["status"] == "accepted", results
    flag = db.session.get(Flag, mine.id)
    assert flag.resolved_at is not None and flag.resolved_by == a["volunteer"].id
    assert flag.resolution_note.startswith("已补报")
    # The other members' missed Flags stay open.
    assert db.session.scalar(select(func.count()).select_from(Flag).where(
        Flag.kind == "quarantine_report_missed", Flag.resolved_at.is_(None))) == 2
    # A late report named by its slot (yesterday evening, missed too) closes that Flag.
    evening = raise_missed(utcnow())
    late = next(f for f in evening if f.detail["placement"] == placement.id and f.detail["slot"] == "evening")
    db.session.commit()
    results = sync(client, headers, device_id, record("temperature_reading", {
        "placement_id": placement.id, "temperature_c": 36.7, "day": yesterday.isoformat(), "slot": "evening"}, seq=2))
    assert results[0]["status"] == "accepted", results
    assert db.session.get(Flag, late.id).resolved_at is not None
    # A slot that is not due is refused, not stored.
    refused = sync(client, headers, device_id, record("temperature_reading", {
        "placement_id": placement.id, "temperature_c": 36.7, "day": "2001-01-01", "slot": "morning"}, seq=3))
    assert (refused[0]["status"], refused[0]["error"]["field"]) == ("rejected", "slot")
    assert db.session.scalar(select(func.count()).select_from(TemperatureReading)) == 2


def test_the_worker_resolves_their_own_alerts_and_the_poll_sees_new_ones(app, client, world, make_person,
                                                                         device_token):
    a = world["a"]
    people, boss = place_whole(app, a, make_person)
    stranger = make_person(a["community"], doc_number=valid_id(70), name="周他楼", building="2-1")
    headers, _device = device_token(a["volunteer"])
    assert client.get("/api/v1/tasks/alerts", headers=headers).get_json() == {"latest": 0, "open": 0}
    mine = Flag(community_id=a["community"].id, kind="door_opened_quarantine", person_id=people[0].id,
                detail={"building": "1-1"})
    theirs = Flag(community_id=a["community"].id, kind="quarantine_fever", person_id=stranger.id)
    db.session.add_all([mine, theirs])
    db.session.commit()
    assert client.get("/api/v1/tasks/alerts", headers=headers).get_json() == {"latest": mine.id, "open": 1}
    worker = logged_in(app, a["volunteer"])
    section = worker.get("/tasks/alerts").get_data(as_text=True)
    assert f'id="flag-{mine.id}"' in section and f'data-latest="{mine.id}"' in section
    # Not their building's alert: not theirs to resolve.
    assert csrf_post(worker, f"/tasks/flags/{theirs.id}/resolve", "/tasks", note="看过").status_code == 404
    # No note: nothing changes.
    csrf_post(worker, f"/tasks/flags/{mine.id}/resolve", "/tasks", note="  ")
    assert db.session.get(Flag, mine.id).resolved_at is None
    assert csrf_post(worker, f"/tasks/flags/{mine.id}/resolve", "/tasks",
                     note="已上门核实，住户取外卖").status_code == 302
    flag = db.session.get(Flag, mine.id)
    assert flag.resolved_by == a["volunteer"].id and flag.resolution_note == "已上门核实，住户取外卖"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resolve_flag"))
    assert "已上门" not in str(event.detail)  # the note stays encrypted on the Flag
    assert client.get("/api/v1/tasks/alerts", headers=headers).get_json() == {"latest": 0, "open": 0}
    assert db.session.get(Flag, theirs.id).resolved_at is None


def test_a_grid_leader_sees_exactly_the_grids_tasks(app, client, world, make_person, device_token):
    a = world["a"]
    residents = {b: make_person(a["community"], doc_number=valid_id(80 + n), name=f"吴{b}",
                                building=b, unit="1", room="101")
                 for n, b in enumerate(("1-1", "1-2", "1-3"))}
    for person in residents.values():
        db.session.add(Flag(community_id=a["community"].id, kind="quarantine_fever", person_id=person.id))
    other = make_person(world["b"]["community"], doc_number=valid_id(90), name="郑外社", building="1-1",
                        unit="1", room="101")
    db.session.add(Flag(community_id=world["b"]["community"].id, kind="quarantine_fever", person_id=other.id))
    db.session.commit()
    boss = logged_in(app, a["supervisor"])
    leader = a["clerk"]  # no building of their own
    made = csrf_post(boss, "/ledgers/grids", "/ledgers/grids", name="一网格", leader_id=leader.id,
                     buildings="1-1, 1-2")
    assert made.status_code == 302
    assert "一网格" in boss.get("/ledgers/grids").get_data(as_text=True)
    # An unknown building is refused with its name; nothing changes.
    bad = csrf_post(boss, "/ledgers/grids", "/ledgers/grids", name="二网格", buildings="1-3, 9-9")
    assert bad.status_code == 400 and "9-9" in bad.get_data(as_text=True)
    headers, _device = device_token(leader)
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    assert tasks["buildings"] == ["1-1", "1-2"]
    assert sorted(f["address"] for f in tasks["flags"]) == ["1-1-1-101", "1-2-1-101"]
    page = logged_in(app, leader).get("/tasks").get_data(as_text=True)
    assert page.count('class="task kind-') == 2 and "1-3-1-101" not in page
    # Moving 1-3 into the grid moves its tasks to the leader; the other community never shows.
    from server.models import Grid
    grid = db.session.scalar(select(Grid))
    csrf_post(boss, "/ledgers/grids", "/ledgers/grids", grid_id=grid.id, leader_id=leader.id,
              buildings="1-1 1-2 1-3")
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    assert sorted(f["address"] for f in tasks["flags"]) == ["1-1-1-101", "1-2-1-101", "1-3-1-101"]
    assert "郑" not in str(tasks)


def test_board_deadlines_of_ledger_alerts_count_from_their_own_due_times(app, world, make_person):
    a = world["a"]
    person = make_person(a["community"], doc_number=valid_id(95), building="1-1")
    now = utcnow()
    door = Flag(community_id=a["community"].id, kind="door_opened_quarantine", person_id=person.id,
                created_at=now - timedelta(minutes=5), detail={"building": "1-1"})
    missed = Flag(community_id=a["community"].id, kind="quarantine_report_missed", person_id=person.id,
                  created_at=now - timedelta(minutes=90),
                  detail={"due_at": (now + timedelta(minutes=30)).isoformat()})
    fever = Flag(community_id=a["community"].id, kind="fever", person_id=person.id, created_at=now)
    db.session.add_all([door, missed, fever])
    db.session.commit()
    board = logged_in(app, a["supervisor"]).get("/supervisor/board").get_data(as_text=True)

    def item_class(flag):
        return board.split(f'id="flag-{flag.id}"')[0].rsplit('class="board-item ', 1)[1].split('"')[0]

    # A door alarm has 15 minutes, a missed report its own due time; a gate fever is late at once.
    assert (item_class(door), item_class(missed), item_class(fever)) == ("due-later", "due-later", "overdue")
    door.created_at = now - timedelta(minutes=20)
    db.session.commit()
    board = logged_in(app, a["supervisor"]).get("/supervisor/board").get_data(as_text=True)
    assert item_class(door) == "overdue"


def test_the_demo_covers_households_needs_readings_and_a_grid(app, client):
    from server.demo import seed_demo
    from server.ledgers.grids import grid_buildings
    from server.ledgers.task_list import my_tasks
    from server.models import Grid, User

    seed_demo(residents_count=120)
    db.session.commit()
    needs = db.session.scalars(select(HouseholdNeed)).all()
    assert needs and {n.kind for n in needs} == {"meal", "rubbish"}
    assert sum(1 for n in needs if n.done_at is not None) == 1
    readings = db.session.scalars(select(TemperatureReading).order_by(TemperatureReading.id)).all()
    assert [r.source for r in readings] == ["self", "worker"]
    assert len({(r.placement_id, r.day, r.slot) for r in readings}) == 1  # one slot, both kept
    grid = db.session.scalar(select(Grid))
    leader = db.session.get(User, grid.leader_id)
    assert (grid.name, leader.username, grid_buildings(grid)) == ("一网格", "gridlead", ["1-1", "1-2", "1-3"])
    tasks = my_tasks(leader, utcnow())
    assert tasks["buildings"] == ["1-1", "1-2", "1-3"] and tasks["reports"] and tasks["needs"]
    # The demo's grid leader logs in with the demo PIN.
    from server.demo import DEMO_PIN
    assert client.post("/login", data={"username": "gridlead", "pin": DEMO_PIN}).status_code == 302
