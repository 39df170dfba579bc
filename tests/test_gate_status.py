"""Issue 18: the gate knows a person's status offline (server/gate/status.py), carried in the
roster index by slot; the volunteer notes that they sent the person to be sampled."""
from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.gate.status import CODES, SOURCES, statuses
from server.models import GateEntry, LabResult, Retest, Sample, Tube, utcnow
from server.api.phoneindex import slot
from tests.records import batch, gate_entry, person, valid_id

RETEST, OLD, FRESH, NEVER, CLOSED = (valid_id(n) for n in (31, 32, 33, 34, 35))


def sampled(world, people_at):
    """Samples of (person, when) in one tube; returns the tube."""
    a = world["a"]
    tube = Tube(community_id=a["community"].id, site_id=a["point"].id, barcode="T0001",
                opened_at=utcnow() - timedelta(days=5), status="resulted", result="positive")
    db.session.add(tube)
    db.session.flush()
    for i, (who, when) in enumerate(people_at, start=1):
        db.session.add(Sample(record_id=f"s{i}", community_id=a["community"].id, site_id=a["point"].id,
                              tube_id=tube.id, person_id=who.id, slot=i, recorded_at=when))
    db.session.flush()
    return tube


def test_status_sources_retest_list_old_sample_and_quarantine(app, world, make_person):
    a = world["a"]
    community = a["community"]
    now = utcnow()
    retest = make_person(community, doc_number=RETEST, name="甲一")
    old = make_person(community, doc_number=OLD, name="乙二")
    fresh = make_person(community, doc_number=FRESH, name="丙三", tags="home-quarantine")
    never = make_person(community, doc_number=NEVER, name="丁四")
    closed = make_person(community, doc_number=CLOSED, name="戊五")
    tube = sampled(world, [(retest, now - timedelta(hours=3)), (old, now - timedelta(hours=49)),
                           (fresh, now - timedelta(hours=47)), (closed, now - timedelta(hours=2))])
    result = LabResult(community_id=community.id, tube_barcode=tube.barcode, tube_id=tube.id,
                       result="positive", reported_at=now, imported_at=now)
    db.session.add(result)
    db.session.flush()
    db.session.add_all([
        Retest(community_id=community.id, lab_result_id=result.id, person_id=retest.id, tube_id=tube.id),
        Retest(community_id=community.id, lab_result_id=result.id, person_id=closed.id, tube_id=tube.id,
               status="closed")])
    db.session.commit()

    ids = {p.id for p in (retest, old, fresh, never, closed)}
    found = statuses(community.id, ids, now)
    assert found == {retest.id: ["retest"], old.id: ["no_recent_sample"], fresh.id: ["quarantine"],
                     never.id: ["no_recent_sample"]}
    # Another community's people are never listed; the phone has a message for every source.
    assert statuses(world["b"]["community"].id, ids, now) == {}
    assert set(SOURCES) <= set(CODES) and "not_in_round" in CODES
    # The setting moves the line: 50 hours, and the 49-hour-old sample is recent enough.
    app.config["SAMPLE_MAX_AGE_HOURS"] = 50
    assert old.id not in statuses(community.id, ids, now)


def test_statuses_travel_in_the_index_by_slot(client, world, device_token, make_person):
    a = world["a"]
    retest = make_person(a["community"], doc_number=RETEST, name="甲一")
    tube = sampled(world, [(retest, utcnow() - timedelta(hours=1))])
    result = LabResult(community_id=a["community"].id, tube_barcode=tube.barcode, tube_id=tube.id,
                       result="positive", reported_at=utcnow(), imported_at=utcnow())
    db.session.add(result)
    db.session.flush()
    db.session.add(Retest(community_id=a["community"].id, lab_result_id=result.id, person_id=retest.id,
                          tube_id=tube.id))
    db.session.commit()
    headers, _device = device_token(a["volunteer"])
    body = client.get("/api/v1/roster-index", headers=headers).get_json()
    at = slot(bytes.fromhex(body["key"]), body["bits"], "cn_ric", RETEST)
    assert body["entries"][at] == [{"resident": True, "compound": None, "address": "", "name": "甲*",
                                    "status": ["retest"]}]
    assert body["sample_max_age_hours"] == 48


def test_gate_entry_notes_that_the_person_was_sent_to_sample(client, world, device_token, make_person,
                                                              login):
    a = world["a"]
    make_person(a["community"], doc_number=NEVER, name="丁四")
    headers, device_id = device_token(a["volunteer"])
    sent = gate_entry(a["gate"].id, seq=1, person=person(NEVER), sent_to_sample=True)
    plain = gate_entry(a["gate"].id, seq=2, person=person(NEVER))  # an older phone: no field
    bad = gate_entry(a["gate"].id, seq=3, person=person(NEVER), sent_to_sample="yes")
    answer = client.post("/api/v1/sync", json=batch(device_id, [sent, plain, bad]), headers=headers).get_json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted", "rejected"]
    assert answer["results"][2]["error"]["code"] == "invalid_field"
    stored = {e.record_id: e.sent_to_sample for e in db.session.scalars(select(GateEntry))}
    assert stored == {sent["id"]: True, plain["id"]: False}
    # The gate's log says so, in Chinese.
    login(a["supervisor"])
    page = client.get(f"/gate/{a['gate'].id}/log").get_data(as_text=True)
    assert page.count("已让其去采样") == 1


def test_not_sampled_in_the_open_round_counts_the_rounds_days_and_scope(app, world, make_person):
    from server.models import SamplingRound
    from server.clock import local_today

    a = world["a"]
    community = a["community"]
    now = utcnow()
    east = [make_person(community, doc_number=valid_id(40 + n), name=f"东{n}", compound="东苑") for n in range(3)]
    west = make_person(community, doc_number=valid_id(45), name="西一", compound="西苑")
    # east[0] sampled within the round (yesterday, its first day), east[1] only before it, east[2] never.
    sampled(world, [(east[0], now - timedelta(hours=20)), (east[1], now - timedelta(days=4))])
    ids = {p.id for p in (*east, west)}
    assert not any("not_in_round" in codes for codes in statuses(community.id, ids, now).values())  # no round
    today = local_today()
    db.session.add(SamplingRound(community_id=community.id, name="第5轮", start_day=today - timedelta(days=1),
                                 end_day=today + timedelta(days=1), compounds=["东苑"]))
    db.session.commit()
    found = statuses(community.id, ids, now)
    assert {pid for pid, codes in found.items() if "not_in_round" in codes} == {east[1].id, east[2].id}
    assert "not_in_round" not in found.get(west.id, [])  # outside the round's scope
