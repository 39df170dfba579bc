"""Special groups' ledger (特殊人群台账): needs and home visits recorded and shown masked, and
the door-to-door sampling list without those already sampled today."""
import re

from sqlalchemy import select, text

from server.extensions import db
from server.models import AuditEvent, CareNeed, CareVisit
from tests.factories_supervisor import make_person, make_tube

NOTE = "胰岛素每周两支"
DONE = "送药上门，血压正常"


def people(world):
    a = world["a"]
    return {
        "elder": make_person(a["community"], name="钱老伯", compound="东苑", building="1-2", unit="1",
                             room="301", tags="elderly-alone"),
        "chronic": make_person(a["community"], name="赵大妈", compound="东苑", building="1-1", unit="2",
                               room="101", tags="chronic"),
        "pregnant": make_person(a["community"], name="孙小妹", compound="东苑", building="1-1", unit="2",
                                room="502", tags="pregnant;home-quarantine"),
        "plain": make_person(a["community"], name="李普通", building="1-1", unit="1", room="101"),
        "other": make_person(world["b"]["community"], name="外社区", building="1-1", tags="disabled"),
    }


def test_needs_and_visits_are_recorded_audited_and_shown_masked(world, client, login):
    p = people(world)
    db.session.commit()
    login(world["a"]["supervisor"])
    url = f"/supervisor/special/{p['chronic'].id}"
    assert client.post(f"{url}/needs", data={"need": "medicine", "note": NOTE}).status_code == 302
    assert client.post(f"{url}/needs", data={"need": "flying"}).status_code == 400
    answer = client.post(f"{url}/visits", data={"visitor_id": world["a"]["clerk"].id,
                                                 "visited_at": "2022-05-06T09:30", "need": "medicine",
                                                 "done": DONE})
    assert answer.status_code == 302
    assert client.post(f"{url}/visits", data={"visited_at": "2022-05-06T09:30", "done": ""}).status_code == 400
    assert client.post(f"{url}/visits", data={"visitor_id": world["b"]["clerk"].id,
                                               "visited_at": "2022-05-06T09:30", "done": "x"}).status_code == 400
    page = client.get(url).get_data(as_text=True)
    assert "赵*妈" in page and "赵大妈" not in page and "13912345678" not in page
    log = page.split('id="visit-log"')[1].split("</ul>")[0]
    assert "2022-05-06 09:30" in log and DONE in log and world["a"]["clerk"].username in log
    assert NOTE in page.split('id="needs"')[1].split("</ul>")[0]
    visit = db.session.scalar(select(CareVisit))
    assert visit.visited_at.isoformat() == "2022-05-06T01:30:00+00:00"  # stored in UTC
    # Notes are encrypted at rest and stay out of the audit trail.
    raw = db.session.execute(text("SELECT note FROM care_need")).scalar()
    assert NOTE.encode() not in bytes(raw)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("record_need", "record_visit")))).all()
    assert sorted(e.action for e in events) == ["record_need", "record_visit"]
    assert all(NOTE not in str(e.detail) and DONE not in str(e.detail) for e in events)
    ledger = client.get("/supervisor/special").get_data(as_text=True)
    rows = ledger.split('id="special-ledger"')[1].split("</table>")[0]
    assert ["赵*妈", "孙*妹", "钱*伯"] == re.findall(r'">(\S\*\S)</a>', rows)  # by building, unit, room
    assert "李" not in rows and "外" not in rows
    assert re.findall(r'">(\S\*\S)</a>', client.get("/supervisor/special?group=pregnant").get_data(as_text=True)) == ["孙*妹"]
    assert re.findall(r'">(\S\*\S)</a>', client.get("/supervisor/special?need=medicine").get_data(as_text=True)) == ["赵*妈"]
    need = db.session.scalar(select(CareNeed))
    login(world["b"]["supervisor"])
    assert client.get(url).status_code == 404
    assert client.post(f"/supervisor/special/needs/{need.id}/end").status_code == 404
    assert "赵*妈" not in client.get("/supervisor/special").get_data(as_text=True)
    login(world["a"]["supervisor"])
    assert client.post(f"/supervisor/special/needs/{need.id}/end").status_code == 302
    assert re.findall(r'">(\S\*\S)</a>', client.get("/supervisor/special?need=medicine").get_data(as_text=True)) == []


def test_the_door_to_door_list_leaves_out_who_was_sampled_today(world, client, login):
    a = world["a"]
    p = people(world)
    db.session.commit()
    login(a["supervisor"])
    for key in ("elder", "chronic", "pregnant"):
        client.post(f"/supervisor/special/{p[key].id}/needs", data={"need": "door_sampling", "note": "卧床"})
    client.post(f"/supervisor/special/{p['elder'].id}/needs", data={"need": "groceries"})
    make_tube(a["community"], a["point"], "TDOOR", people=[p["pregnant"]], sampled_minutes_ago=0)
    db.session.commit()
    page = client.get("/supervisor/special/door-to-door").get_data(as_text=True)
    names = re.findall(r"<strong>(\w+)</strong> (\S\*\S)", page)
    assert names == [("101", "赵*妈"), ("301", "钱*伯")]  # building 1-1 before 1-2; 孙 sampled today
    assert re.search(r'id="door-count">2 ', page)
    assert "data-print" in page and "卧床" in page
    yesterday = client.get("/supervisor/special/door-to-door?date=2022-05-06").get_data(as_text=True)
    assert re.search(r'id="door-count">3 ', yesterday)
