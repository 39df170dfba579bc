"""A demo-like community with something of every kind on every page: the demo roster, users,
sites and ledgers; a sampling day; phones syncing passages and tubes through the real API
(fevers, turn-backs, a watch-list exit, a visitor, refused records, warnings of every kind, a
gap in a phone's records); the board's live checks; lab results with retests in every status;
missed and feverish quarantine reports; a door opening; needs, visits, problems open and closed.

The crawl tests walk every page over it: a word or a code that is not Chinese anywhere on
them shows up. Data typed by people here is Chinese (or codes with digits), as in the field."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.extensions import db
from server.models import (CareVisit, Community, Device, LabResult, Person, Placement, Problem, Retest, Site,
                           User, utcnow)
from tests.factories_supervisor import make_box, make_person, make_sample, make_tube
from tests.records import batch, box_handover, box_pack, record, sample, tube_open, tube_reopen, tube_seal

SHANGHAI = timezone(timedelta(hours=8))
ROLES = ("volunteer", "clerk", "supervisor", "admin", "lab")


@dataclass
class DemoWorld:
    community_id: int
    users: dict  # role -> user id
    gate: int
    point: int
    other_point: int
    placement: int
    problem: int
    closed_problem: int
    person: int  # someone of a special group with a need and a visit
    buildings: list = field(default_factory=list)
    devices: dict = field(default_factory=dict)  # name -> id
    round: int = 0  # the demo's two-day sampling round
    lab_box: int = 0  # a box the lab received
    lab_box_barcode: str = ""


def build(app, residents: int = 150) -> DemoWorld:
    """Fill the app's (empty) database; returns the ids the crawl needs. Commits."""
    from server.demo import seed_demo
    from server.sampling.demo import generate_sampling_day
    from server.clock import local_day
    from server.ledgers.quarantine import raise_missed, record_report
    from server.review.demo import seed_review_demo

    seed_demo(residents_count=residents)
    community = db.session.scalar(select(Community).where(Community.code == "demo"))
    seed_review_demo(community)
    from server.rounds.demo import seed_rounds_demo

    seed_rounds_demo(community, "123456")
    cid = community.id
    # One user per role: the demo's own (the roster's duty volunteers are volunteers too).
    users = {u.role: u for u in db.session.scalars(select(User).where(User.community_id == cid,
                                                                      User.username.in_(ROLES)))}
    sites = {s.code: s for s in db.session.scalars(select(Site).where(Site.community_id == cid))}
    gate, point, other_point = sites["G1"], sites["S1"], sites["S2"]
    now = utcnow()
    today = local_day(now)
    day_tubes = generate_sampling_day(community, today, tubes=3, start_hour=7)
    db.session.commit()
    _live_checks(community, point, other_point)
    phones = _phones(app, users, gate, point, other_point)
    _lab_results(community, day_tubes)
    placement = db.session.scalar(select(Placement).where(Placement.community_id == cid, Placement.kind == "quarantine")
                                  .order_by(Placement.id))
    raise_missed(now + timedelta(days=1), cid)  # a slot gone by without a report
    record_report(placement, "38.1", now, "self")
    _door_opening(community, placement)
    problem, closed, person = _review(community, users)
    db.session.commit()
    from server.models import Box, SamplingRound

    round_id = db.session.scalar(select(SamplingRound.id).where(SamplingRound.community_id == cid))
    lab_box = db.session.scalar(select(Box).where(Box.community_id == cid, Box.received_at.is_not(None)))
    return DemoWorld(round=round_id, lab_box=lab_box.id, lab_box_barcode=lab_box.barcode, community_id=cid, users={role: u.id for role, u in users.items()}, gate=gate.id,
                     point=point.id, other_point=other_point.id, placement=placement.id,
                     problem=problem.id, closed_problem=closed.id, person=person.id,
                     buildings=["1-1", "1-2"], devices=phones)


def _live_checks(community, point, other_point):
    """One tube, box or result per live check of the board (written as rows)."""
    handed = make_box(community, point, "B2022050601", handed_over=True)
    make_tube(community, point, "T2022050601", people=3, status="open", opened_minutes_ago=45)
    make_tube(community, point, "T2022050602", people=7, box=handed, status="handed_over")
    make_tube(community, point, "T2022050603", people=11, box=handed, status="handed_over")
    twice = make_person(community, name="赵六一")
    for barcode in ("T2022050604", "T2022050605"):
        make_tube(community, point, barcode, people=[twice] + [make_person(community) for _ in range(9)],
                  box=handed, status="handed_over")
    reused = make_tube(community, point, "T2022050606", people=9, box=handed, status="handed_over")
    make_sample(reused, make_person(community), slot=10, site=other_point)
    make_tube(community, point, "T2022050607", people=10, sealed_minutes_ago=90)
    make_box(community, point, "B2022050602", minutes_ago=180)
    make_tube(community, point, "T2022050608", people=10, box=handed, status="handed_over",
              opened_minutes_ago=400, sealed_minutes_ago=300)
    db.session.add(LabResult(community_id=community.id, tube_barcode="T2099000001", result="negative"))
    db.session.commit()


def _device(client, user, name):
    from server.demo import DEMO_PIN

    answer = client.post("/api/v1/devices", json={"username": user.username, "pin": DEMO_PIN, "device_name": name})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    return {"Authorization": f"Bearer {body['token']}"}, body["device_id"]


def _sync(client, headers, device_id, records, pending=0):
    body = {**batch(device_id, records, pending=pending), "app_version": "0.1.0"}
    answer = client.post("/api/v1/sync", headers=headers, json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["results"]


def _phones(app, users, gate, point, other_point) -> dict:
    """Passages and tubes sent by phones through the sync API, as in the field."""
    from tests.conftest import FreshContextClient

    db.session.commit()
    client = FreshContextClient(app, app.response_class)  # each request in its own app context
    roster = db.session.scalars(select(Person).where(Person.community_id == gate.community_id,
                                                     Person.in_roster.is_(True)).order_by(Person.id)).all()
    placed = db.session.scalar(select(Person).join(Placement, Placement.person_id == Person.id)
                               .where(Placement.kind == "quarantine").order_by(Placement.id))
    ids = [{"doc_type": p.doc_type, "doc_number": p.doc_number} for p in roster[:40]]
    headers, gate_phone = _device(client, users["volunteer"], "东门一号手机")
    fever = record("gate_entry", {"site_id": gate.id, "direction": "in", "person": ids[0], "temperature_c": 38.2},
                   seq=2)
    passages = [
        record("gate_entry", {"site_id": gate.id, "direction": "in", "person": ids[1], "temperature_c": 36.5}, seq=1),
        fever,
        record("gate_entry", {"site_id": gate.id, "direction": "in", "person": ids[0], "temperature_c": 38.0,
                              "remeasure_of": fever["id"], "turned_back": True, "reason": "fever"}, seq=3),
        record("gate_entry", {"site_id": gate.id, "direction": "in", "visitor": {"name": "李外卖", "phone": "13900001111"},
                              "vehicle_plate": "京A12345", "turned_back": True, "reason": "no_pass"}, seq=4),
        record("gate_entry", {"site_id": gate.id, "direction": "out", "temperature_c": 36.4,
                              "person": {"doc_type": placed.doc_type, "doc_number": placed.doc_number}}, seq=5),
        record("gate_entry", {"site_id": gate.id, "direction": "in", "temperature_c": 45}, seq=6),  # refused
        record("gate_entry", {"site_id": gate.id, "direction": "in", "person": {"doc_type": "cn_ric",
                              "doc_number": "110105194912310020"}}, seq=7),  # refused: bad checksum
        record("gate_entry", {"site_id": gate.id, "direction": "in", "temperature_c": 36.6}, seq=9,
               recorded_at=datetime.now(SHANGHAI) + timedelta(hours=3)),  # a phone clock ahead
    ]
    _sync(client, headers, gate_phone, passages, pending=0)  # seq 8 never arrives: a gap
    headers, tube_phone = _device(client, users["clerk"], "采样台二号手机")
    first = sample(point.id, "T2022050690", ids[10], seq=2)
    tubes = [
        tube_open(point.id, "T2022050690", capacity=2, seq=1), first,
        sample(point.id, "T2022050690", ids[10], seq=3),  # the same person again in this tube
        sample(point.id, "T2022050690", ids[11], seq=4),
        sample(point.id, "T2022050690", ids[12], seq=5),  # one more than the capacity
        tube_seal(point.id, "T2022050690", seq=6),
        sample(point.id, "T2022050690", ids[13], seq=7),  # into the sealed tube
        tube_reopen(point.id, "T2022050690", "封管时少扫了一人", seq=8),
        sample(point.id, "T2022050691", ids[14], seq=9),  # a tube never opened
        tube_open(point.id, "T2022050692", seq=10),
        sample(point.id, "T2022050692", ids[11], seq=11),  # sampled twice today
        tube_open(other_point.id, "T2022050692", seq=12),  # the same tube at another point
        tube_seal(point.id, "T2022050692", seq=13),
        box_pack(point.id, "B2022050690", "T2022050692", seq=14),
        box_handover(point.id, "B2022050690", courier="王师傅", seq=15),
        record("sample_void", {"sample_record_id": first["id"], "reason": "扫错了人"}, seq=16),
    ]
    _sync(client, headers, tube_phone, tubes, pending=0)
    headers, old_phone = _device(client, users["clerk"], "备用旧手机")
    _sync(client, headers, old_phone, [], pending=12)
    headers, lost_phone = _device(client, users["volunteer"], "丢失的手机")
    db.session.get(Device, old_phone).last_sync_at = utcnow() - timedelta(hours=3)
    db.session.get(Device, lost_phone).revoked_at = utcnow()
    db.session.commit()
    return {"gate": gate_phone, "tubes": tube_phone, "old": old_phone, "revoked": lost_phone}


def _lab_results(community, day_tubes):
    """A positive pool and an invalid one (their members on the retest list, in every status)."""
    from server.supervisor.labresults import ResultRow, apply_results

    apply_results([ResultRow(2, day_tubes[0].barcode, "positive", utcnow()),
                   ResultRow(3, day_tubes[1].barcode, "invalid", None),
                   ResultRow(4, day_tubes[2].barcode, "negative", None)], community.id)
    retests = db.session.scalars(select(Retest).where(Retest.community_id == community.id)
                                 .order_by(Retest.id)).all()
    for retest, (status, result) in zip(retests, (("contacted", None), ("retested", "negative"),
                                                  ("closed", "negative"), ("closed", "positive"))):
        retest.status, retest.result = status, result
    db.session.commit()


def _door_opening(community, placement):
    from server.ledgers.doors import add_sensor, create_integration, receive
    from server.models import DoorSensor

    person = db.session.get(Person, placement.person_id)
    integration, _secret = create_integration(community.id, "物业平台")
    sensor = db.session.scalar(select(DoorSensor).where(DoorSensor.community_id == community.id))
    if sensor is None:
        sensor = add_sensor(community.id, "MC-0001", person.building, person.unit, person.room)
    now = utcnow()
    receive(integration, str(uuid.uuid4()), sensor.sensor_id, "open", now, now)
    db.session.commit()


def _review(community, users):
    """An open and a closed problem, a visit to someone with a need."""
    from server.models import CareNeed

    today = utcnow().astimezone(SHANGHAI).date()
    problem = db.session.scalar(select(Problem).where(Problem.community_id == community.id))
    closed = Problem(community_id=community.id, day=today - timedelta(days=2), description="东苑南门夜班缺人",
                     owner_id=users["volunteer"].id, due_on=today, status="closed", fix="已调两名下沉干部补岗",
                     closed_at=utcnow(), closed_by=users["supervisor"].id)
    need = db.session.scalar(select(CareNeed).where(CareNeed.community_id == community.id).order_by(CareNeed.id))
    db.session.add_all([closed, CareVisit(community_id=community.id, person_id=need.person_id,
                                          visitor_id=users["volunteer"].id, visited_at=utcnow() - timedelta(hours=1),
                                          need=need.need, done="送药上门，老人状况良好")])
    db.session.flush()
    return problem, closed, db.session.get(Person, need.person_id)
