"""Duty rosters (issue 17): a gate's week from a template, people rostered and swapped, the
board flagging a shift short of people before it starts and gate hours with no shift, presence
from sign-ins and passages (no-shows, unrostered duty), the export; nothing of another
community. SQLite and PostgreSQL."""
import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent, DutyAssignment, DutyShift, GateSignIn, utcnow
from server.rosters.presence import presence
from server.clock import local_today
from server.rosters.schedule import week_start
from server.supervisor.checks import run_checks

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tomorrow():
    return local_today() + timedelta(days=1)


def lay_template(client, site, week=None, template="3x8", needed="2", start_hour="0", **request):
    """Post the roster's template form for `site`: the week of `week` (else this week)."""
    data = {"template": template, "needed": needed, "start_hour": start_hour}
    if week is not None:
        data["week"] = week.isoformat()
    return client.post(f"/supervisor/rosters/{site.id}/template", data=data, **request)


def shift_now():
    """(now, the shift running now)."""
    now = utcnow()
    return now, db.session.scalar(select(DutyShift).where(DutyShift.starts_at <= now, DutyShift.ends_at > now))


def build_week(client, gate, volunteers, day):
    """3×8 h shifts of 2 people for the week of `day`, the same two people on each shift of
    `day` repeated over the week. Returns the week's shifts."""
    monday = week_start(day)
    answer = lay_template(client, gate, monday)
    assert answer.status_code == 302
    shifts = db.session.scalars(select(DutyShift).where(DutyShift.site_id == gate.id)
                                .order_by(DutyShift.starts_at)).all()
    assert len(shifts) == 21
    first = [s for s in shifts if s.starts_at.astimezone(SHANGHAI).date() == day]
    assert [s.starts_at.astimezone(SHANGHAI).hour for s in first] == [0, 8, 16]
    for i, shift in enumerate(first):
        for user in volunteers[2 * i:2 * i + 2]:
            assert client.post(f"/supervisor/rosters/shifts/{shift.id}/assign",
                               data={"user_id": str(user.id)}).status_code == 302
    assert client.post(f"/supervisor/rosters/{gate.id}/repeat",
                       data={"week": monday.isoformat(), "day": day.isoformat()}).status_code == 302
    return shifts


def test_a_week_built_by_template_and_repeat_has_every_shift_staffed_and_the_board_flags_a_short_night(
        world, make_user, client, login):
    a = world["a"]
    volunteers = [make_user(a["community"], role="volunteer", display_name=f"志愿者{i}") for i in range(6)]
    login(a["supervisor"])
    day = tomorrow()
    shifts = build_week(client, a["gate"], volunteers, day)
    counts = dict(db.session.execute(select(DutyAssignment.shift_id, func.count()).where(
        DutyAssignment.removed_at.is_(None)).group_by(DutyAssignment.shift_id)).all())
    assert [counts.get(s.id, 0) for s in shifts] == [2] * 21
    # A second click on the template adds nothing.
    lay_template(client, a["gate"], day)
    assert db.session.scalar(select(func.count()).select_from(DutyShift)) == 21
    now = utcnow()
    assert not [i for i in run_checks(a["community"].id, now) if i.kind == "shift_understaffed"]

    night = next(s for s in shifts if s.starts_at.astimezone(SHANGHAI) == datetime.combine(day, time(0), SHANGHAI))
    row = db.session.scalars(select(DutyAssignment).where(DutyAssignment.shift_id == night.id)).first()
    assert client.post(f"/supervisor/rosters/assignments/{row.id}/remove").status_code == 302
    items = [i for i in run_checks(a["community"].id, now) if i.kind == "shift_understaffed"]
    assert [(i.site_id, i.facts["rostered"], i.facts["needed"], i.due_at) for i in items] == \
        [(a["gate"].id, 1, 2, night.starts_at)]
    board = client.get("/supervisor/board", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "值班人数不足" in board and "1" in board
    # The other community's board knows nothing of it.
    assert not [i for i in run_checks(world["b"]["community"].id, now) if i.kind.startswith(("shift", "gate_"))]
    # Resolved with a note, it leaves the board; one more person missing brings it back.
    assert client.post("/supervisor/board/resolve", data={"kind": "shift_understaffed", "ref": items[0].ref,
                                                         "note": "夜班一人值守，已报备"}).status_code == 302
    assert "值班人数不足" not in client.get("/supervisor/board").get_data(as_text=True)


def test_a_swap_keeps_both_people_and_is_audited(world, make_user, client, login):
    a = world["a"]
    first, second = (make_user(a["community"], role="volunteer") for _ in range(2))
    login(a["supervisor"])
    lay_template(client, a["gate"], tomorrow(), template="2x12", needed="3", start_hour="8")
    shift = db.session.scalars(select(DutyShift).order_by(DutyShift.starts_at)).first()
    assert shift.needed == 3 and shift.starts_at.astimezone(SHANGHAI).hour == 8
    assert (shift.ends_at - shift.starts_at) == timedelta(hours=12)
    client.post(f"/supervisor/rosters/shifts/{shift.id}/assign", data={"user_id": str(first.id)})
    row = db.session.scalar(select(DutyAssignment))
    assert client.post(f"/supervisor/rosters/assignments/{row.id}/swap",
                       data={"user_id": str(second.id)}).status_code == 302
    rows = db.session.scalars(select(DutyAssignment).order_by(DutyAssignment.id)).all()
    assert [(r.user_id, r.removed_at is None, r.swapped_from) for r in rows] == \
        [(first.id, False, None), (second.id, True, rows[0].id)]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "roster_swapped")) == 1


def test_bad_roster_input_says_so_in_chinese_and_changes_nothing(world, make_user, client, login):
    a, b = world["a"], world["b"]
    login(a["supervisor"])
    zh = {"Accept-Language": "zh-CN"}
    answer = lay_template(client, a["gate"], needed="9", headers=zh)
    assert answer.status_code == 400 and "2 至 4 人" in answer.get_data(as_text=True)
    assert lay_template(client, b["gate"]).status_code == 404
    assert lay_template(client, a["point"]).status_code == 404
    lay_template(client, a["gate"])
    shift = db.session.scalars(select(DutyShift)).first()
    answer = client.post(f"/supervisor/rosters/shifts/{shift.id}/assign", headers=zh,
                         data={"user_id": str(b["volunteer"].id)})  # a person of another community
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(DutyAssignment)) == 0
    assert client.get("/supervisor/rosters/", query_string={"week": "2022-13-01"}).status_code == 400


def test_the_duty_answer_lists_the_asking_volunteer_first_and_says_so(world, make_user, client, login,
                                                                     device_token):
    """The gate's duty line says "我" for the phone's user: the server puts them first."""
    a = world["a"]
    first, second = (make_user(a["community"], role="volunteer", display_name=name) for name in ("甲一", "乙二"))
    login(a["supervisor"])
    lay_template(client, a["gate"], local_today())
    _, current = shift_now()
    for person in (first, second):
        client.post(f"/supervisor/rosters/shifts/{current.id}/assign", data={"user_id": str(person.id)})

    def current_of(user):
        headers, _ = device_token(user)
        return client.get("/api/v1/duty", query_string={"site_id": a["gate"].id}, headers=headers).get_json()["current"]

    assert current_of(first)["people"] == ["甲一", "乙二"] and current_of(first)["includes_me"] is True
    assert current_of(second)["people"] == ["乙二", "甲一"] and current_of(second)["includes_me"] is True
    assert current_of(a["volunteer"])["includes_me"] is False
    assert sorted(current_of(a["volunteer"])["people"]) == ["乙二", "甲一"]


def test_presence_a_sign_in_outside_ones_shift_is_unrostered_duty_and_the_absent_a_no_show(
        world, make_user, client, login, device_token):
    a = world["a"]
    rostered, stray = make_user(a["community"], role="volunteer", display_name="在班人"), a["volunteer"]
    login(a["supervisor"])
    today = local_today()
    lay_template(client, a["gate"], today)
    now, current = shift_now()
    client.post(f"/supervisor/rosters/shifts/{current.id}/assign", data={"user_id": str(rostered.id)})
    # The stray volunteer opens the gate screen: the duty line says who is rostered, and it
    # counts as their sign-in at the gate (once per half hour).
    headers, _ = device_token(stray)
    for _ in range(2):
        answer = client.get("/api/v1/duty", query_string={"site_id": a["gate"].id}, headers=headers)
        assert answer.status_code == 200
    body = answer.get_json()
    assert body["current"]["people"] == ["在班人"] and body["me_rostered"] is False
    assert db.session.scalar(select(func.count()).select_from(GateSignIn)) == 1
    assert client.get("/api/v1/duty", query_string={"site_id": world["b"]["gate"].id}, headers=headers).status_code == 404
    later = now + timedelta(minutes=45)
    start = datetime.combine(today, time(0), SHANGHAI)
    found = presence(a["gate"].id, start, start + timedelta(days=1), later)
    assert [u.user.id for u in found.unrostered] == [stray.id]
    assert (current.id, rostered.id) in [(s.id, u.id) for s, u in found.no_shows]
    page = client.get("/supervisor/rosters/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "未排班在岗" in page and (stray.display_name or stray.username) in page
    # The rostered one signs in: no longer missing; the stray one is still unrostered.
    headers, _ = device_token(rostered)
    client.get("/api/v1/duty", query_string={"site_id": a["gate"].id}, headers=headers)
    found = presence(a["gate"].id, start, start + timedelta(days=1), later)
    assert rostered.id in found.present[current.id]
    assert (current.id, rostered.id) not in [(s.id, u.id) for s, u in found.no_shows]


def test_gate_hours_with_no_shift_are_flagged_and_the_export_lists_the_week(world, make_user, client, login):
    a = world["a"]
    login(a["supervisor"])
    today = local_today()
    lay_template(client, a["gate"], today)
    now, current = shift_now()
    following = db.session.scalar(select(DutyShift).where(DutyShift.starts_at == current.ends_at))
    if following is not None:  # not the week's last shift: take the next one away
        db.session.delete(following)
        db.session.commit()
        gaps = [i for i in run_checks(a["community"].id, now) if i.kind == "gate_uncovered"]
        assert gaps and gaps[0].due_at == current.ends_at and gaps[0].site_id == a["gate"].id
    answer = client.get("/supervisor/rosters/export.csv", query_string={"week": today.isoformat()})
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["卡口", "日期", "开始", "结束", "需要人数", "已排人数", "值班人员"]
    assert len(rows) - 1 == db.session.scalar(select(func.count()).select_from(DutyShift))
    assert client.get("/supervisor/rosters/export.xlsx").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.target == "export:rosters")) == 2


def test_the_demo_has_rosters_categories_and_groups_to_show(runner, client):
    from server.models import Community, Person, Site, SpecialContact, WorkGroupMember
    from server.review.categories import codes

    for _ in range(2):  # a second run adds nothing
        assert runner.invoke(args=["seed-demo", "--residents", "300"]).exit_code == 0
    demo = db.session.scalar(select(Community).where(Community.code == "demo"))
    gates = dict(db.session.execute(select(DutyShift.site_id, func.count()).group_by(DutyShift.site_id)).all())
    assert len(gates) == 2 and all(n in (21, 42) for n in gates.values())
    now = utcnow()
    short = [i for i in run_checks(demo.id, now) if i.kind == "shift_understaffed"]
    assert len(short) == 1 and short[0].facts["rostered"] == 1
    second = db.session.scalar(select(Site).where(Site.id == short[0].site_id))
    start = datetime.combine(local_today(), time(0), SHANGHAI)
    found = presence(second.id, start, start + timedelta(days=1), now)
    assert [u.user.username for u in found.unrostered] == ["volunteer"]
    tagged = {t for p in db.session.scalars(select(Person).where(Person.community_id == demo.id)) for t in p.tag_list}
    assert set(codes(demo.id)) <= tagged  # every default category has people
    assert db.session.scalar(select(func.count()).select_from(SpecialContact)) == 1
    roles = set(db.session.scalars(select(WorkGroupMember.role)))
    assert roles == {"lead", "helper", "member"}


def test_this_weeks_roster_opens_today_with_a_tap(world, client, login):
    a = world["a"]
    login(a["supervisor"])
    today = local_today()
    lay_template(client, a["gate"], today)
    page = client.get(f"/supervisor/rosters/{a['gate'].id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f'href="#day-{today.isoformat()}"' in page and f'id="day-{today.isoformat()}"' in page
    assert "今天的班次" in page
    later = client.get(f"/supervisor/rosters/{a['gate'].id}", query_string={"week": (today + timedelta(days=7)).isoformat()},
                       headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "今天的班次" not in later
