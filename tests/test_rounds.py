"""Sampling rounds (issue 18): a round of two local days counts a resident sampled on day one
as sampled on day two; coverage, the door-to-door list, the review, the dashboard and the
worker's tasks count by round; "not yet sampled" lists special groups first; closing keeps the
figures; sampled_in_open_round() for the gate. SQLite and PostgreSQL."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.extensions import db
from server.ledgers.assignments import assign
from server.models import AuditEvent, CareNeed, SamplingRound
from server.clock import local_today
from server.rounds.status import sampled_in_open_round
from tests.factories_supervisor import make_person, make_sample, make_tube

ZONE = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), ZONE)


def two_day_round(world):
    """Round of yesterday and today over the whole community; 1-1 (5 people) sampled over the
    two days, 1-2 (3 people: one plain, one elderly alone, one disabled) not at all."""
    a = world["a"]
    community = a["community"]
    today = local_today()
    yesterday = today - timedelta(days=1)
    b11 = [make_person(community, name=f"张{n}明", compound="东苑", building="1-1", unit="1", room=f"{n}01")
           for n in range(1, 6)]
    plain = make_person(community, name="孙小明", compound="东苑", building="1-2", unit="1", room="101")
    elderly = make_person(community, name="钱老伯", compound="东苑", building="1-2", unit="2", room="301",
                          tags="elderly-alone")
    disabled = make_person(community, name="李阿姨", compound="东苑", building="1-2", unit="3", room="101",
                           tags="disabled")
    day_one = make_tube(community, a["point"], "TDAY1", people=0)
    for slot, person in enumerate(b11[:3], 1):
        make_sample(day_one, person, slot=slot).recorded_at = at(yesterday, 9, slot)
    day_two = make_tube(community, a["point"], "TDAY2", people=0)
    # b11[0] again on day two (counted once); b11[3:] for the first time, early in the day.
    for slot, person in enumerate([b11[0]] + b11[3:], 1):
        make_sample(day_two, person, slot=slot).recorded_at = at(today, 0, slot)
    db.session.add(SamplingRound(community_id=community.id, name="第5轮", start_day=yesterday, end_day=today,
                                 compounds=[], buildings=[], groups=[]))
    db.session.commit()
    return {"today": today, "yesterday": yesterday, "b11": b11, "plain": plain, "elderly": elderly,
            "disabled": disabled}


def test_a_two_day_round_shows_full_coverage_on_day_two_and_who_is_missing_special_first(
        world, client, login):
    r = two_day_round(world)
    a = world["a"]
    login(a["supervisor"])
    # Coverage of today counts the round: building 1-1 is complete (by day alone it is 3 of 5).
    page = client.get("/supervisor/coverage").get_data(as_text=True)
    assert "第5轮" in page.split('id="coverage-round"')[1].split("</p>")[0]
    assert re.search(r"<strong>5</strong> / 8", page)
    assert re.search(r">1-1</a></td>\s*<td>5 / 5</td>", page) and re.search(r">1-2</a></td>\s*<td>0 / 3</td>", page)
    # Yesterday, the round's first day, stood at 3.
    page = client.get(f"/supervisor/coverage?date={r['yesterday'].isoformat()}").get_data(as_text=True)
    assert re.search(r"<strong>3</strong> / 8", page)
    # The round's page: progress per day (3 new on day one, 2 new on day two) and the list.
    rnd = db.session.scalar(select(SamplingRound))
    page = client.get(f"/supervisor/rounds/{rnd.id}").get_data(as_text=True)
    assert re.search(r"<strong>5</strong> / 8", page)
    days = page.split('class="chart-days"')[1].split("</div>")[0]
    assert re.findall(r"新增 (\d+) · 累计 (\d+)", days) == [("3", "3"), ("2", "5")]
    missing = page.split('id="not-sampled"')[1].split("</ul>")[0]
    names = re.findall(r"<li[^>]*>(\S+) ·", missing)
    assert names[:2] == ["钱*伯", "李*姨"] and names[2:] == ["孙*明"], names
    assert missing.count('class="special"') == 2
    # Per building: 1-1 has nobody missing.
    page = client.get(f"/supervisor/rounds/{rnd.id}?building=1-1").get_data(as_text=True)
    assert page.split('id="not-sampled"')[1].split("</ul>")[0].count("<li") == 1  # "everyone sampled"
    # The daily review and the dashboard count the round too.
    review = client.get("/supervisor/review").get_data(as_text=True)
    assert re.search(r'id="count-coverage">.*?第5轮.*?<td>5 / 8</td>', review, re.S)
    dashboard = client.get("/supervisor/dashboard").get_data(as_text=True)
    assert re.search(r"<strong>5</strong> / 8", dashboard.split('id="dashboard-round"')[1])
    # What the gate will ask: the people sampled in the open round.
    assert sampled_in_open_round(a["community"].id) == {p.id for p in r["b11"]}
    assert sampled_in_open_round(world["b"]["community"].id) is None


def test_the_worker_sees_the_rounds_missing_people_of_their_buildings_special_first(world, client, login):
    two_day_round(world)
    a = world["a"]
    assign(a["community"].id, "1-2", a["clerk"])
    db.session.commit()
    login(a["clerk"])
    page = client.get("/tasks").get_data(as_text=True)
    todo = page.split('id="task-round"')[1].split("</ul>")[0]
    assert re.findall(r"<li[^>]*>(\S+) ·", todo) == ["钱*伯", "李*姨", "孙*明"]
    assert "第5轮" in page.split('id="round-todo-title"')[1].split("</h2>")[0]
    # Nobody of 1-1 (all sampled in the round) is on it.
    assert "张" not in todo


def test_door_to_door_list_counts_the_round(world, client, login):
    r = two_day_round(world)
    a = world["a"]
    for person in (r["b11"][1], r["elderly"]):  # sampled yesterday in the round / not sampled
        db.session.add(CareNeed(community_id=a["community"].id, person_id=person.id, need="door_sampling"))
    db.session.commit()
    login(a["supervisor"])
    page = client.get("/supervisor/special/door-to-door").get_data(as_text=True)
    assert "钱*伯" in page and "张*明" not in page


def test_open_with_bad_input_changes_nothing_then_close_keeps_the_figures(world, client, login):
    r = two_day_round(world)
    a = world["a"]
    login(a["supervisor"])
    today = r["today"].isoformat()
    for form in ({"name": "", "start_day": today, "end_day": today},
                 {"name": "第6轮", "start_day": today, "end_day": (r["today"] + timedelta(days=3)).isoformat()},
                 {"name": "第6轮", "start_day": today, "end_day": r["yesterday"].isoformat()},
                 {"name": "第6轮", "start_day": "明天", "end_day": today},
                 {"name": "第6轮", "start_day": today, "end_day": today, "buildings": "9-9"}):
        answer = client.post("/supervisor/rounds/", data=form)
        assert answer.status_code == 400 and 'id="round-errors"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(SamplingRound).where(SamplingRound.name == "第6轮")) is None
    answer = client.post("/supervisor/rounds/", data={"name": "第6轮 老人", "start_day": today, "end_day": today,
                                                      "groups": ["elderly-alone", "disabled"]})
    assert answer.status_code == 303
    scoped = db.session.scalar(select(SamplingRound).where(SamplingRound.name == "第6轮 老人"))
    page = client.get(f"/supervisor/rounds/{scoped.id}").get_data(as_text=True)
    assert re.search(r"<strong>0</strong> / 2", page)  # only the two special-group residents
    rnd = db.session.scalar(select(SamplingRound).where(SamplingRound.name == "第5轮"))
    assert client.post(f"/supervisor/rounds/{rnd.id}/close").status_code == 303
    db.session.expire_all()
    rnd = db.session.get(SamplingRound, rnd.id)
    assert rnd.closed_at is not None and rnd.figures["sampled"] == 5
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round_closed")) is not None
    # A late sample of the round's days arrives after closing: the closed figures stand.
    late = make_tube(a["community"], a["point"], "TLATE", people=0)
    make_sample(late, r["plain"], slot=1).recorded_at = at(r["today"], 0, 30)
    db.session.commit()
    page = client.get(f"/supervisor/rounds/{rnd.id}").get_data(as_text=True)
    assert re.search(r"<strong>5</strong> / 8", page) and 'id="close-round"' not in page
    # The open round is now today's (the gate asks for it): who was sampled today.
    assert sampled_in_open_round(a["community"].id) == {p.id for p in (r["b11"][0], *r["b11"][3:], r["plain"])}


def test_another_communitys_round_is_not_found(world, client, login):
    two_day_round(world)
    rnd = db.session.scalar(select(SamplingRound))
    login(world["b"]["supervisor"])
    assert client.get(f"/supervisor/rounds/{rnd.id}").status_code == 404
    assert client.post(f"/supervisor/rounds/{rnd.id}/close").status_code == 404
    listed = client.get("/supervisor/rounds/").get_data(as_text=True).split('id="rounds"')[1].split("</ul>")[0]
    assert "第5轮" not in listed and "还没有轮次" in listed


def test_the_demo_has_a_round_and_a_box_received_by_the_lab_once(runner, client):
    from server.models import Box, User

    for _ in range(2):  # a second run adds nothing
        result = runner.invoke(args=["seed-demo", "--residents", "300"])
        assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.role == "lab")).username == "lab"
    rounds = db.session.scalars(select(SamplingRound)).all()
    assert len(rounds) == 1 and rounds[0].end_day == local_today()
    boxes = db.session.scalars(select(Box).order_by(Box.id)).all()
    assert [b.received_at is not None for b in boxes] == [True, False]
    client.post("/login", data={"username": "lab", "pin": "123456"})
    listed = client.get("/lab/").get_data(as_text=True).split('id="lab-boxes"')[1].split("</ul>")[0]
    assert listed.count("<li") == 2 and "已接收" in listed and "尚未接收" in listed
    supervisor = client.application.test_client()
    supervisor.post("/login", data={"username": "supervisor", "pin": "123456"})
    page = supervisor.get(f"/supervisor/rounds/{rounds[0].id}").get_data(as_text=True)
    assert re.search(r"<strong>50</strong> / 300", page)
    board = supervisor.get("/supervisor/board").get_data(as_text=True)
    assert f'id="item-box-{boxes[1].id}"' in board.split('id="group-box_not_received"')[1]
