"""Phones with wrong clocks (issue 13): no record is refused for its time alone; a time the
server cannot believe is kept, flagged clock_skew and counted when the record was received."""
from datetime import datetime, timedelta

from sqlalchemy import select

from server.extensions import db
from server.models import Flag, GateEntry, InboxRecord
from tests.records import SHANGHAI, batch, gate_entry, person, sample, tube_open, valid_id


def stamped(rec, when):
    rec["recorded_at"] = when if isinstance(when, str) else when.isoformat(timespec="milliseconds")
    return rec


def sync(client, headers, device_id, records):
    response = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_records_from_1970_and_a_year_ahead_are_kept_flagged_and_counted_today(
        client, world, device_token, login):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    now = datetime.now(SHANGHAI)
    records = [
        stamped(gate_entry(site), "1970-01-01T08:03:00.000+08:00"),  # battery swap: clock reset
        stamped(gate_entry(site), now + timedelta(days=365)),  # a year ahead
        stamped(gate_entry(site), "2001-05-06T08:12:03+08:00"),  # set by hand, years behind
        stamped(gate_entry(site), now - timedelta(days=2)),  # captured offline two days ago
        stamped(gate_entry(site), now + timedelta(minutes=3)),  # a few minutes fast: tolerated
    ]
    results = sync(client, headers, device_id, records)
    assert [r["status"] for r in results] == ["accepted"] * 5
    assert [r["warnings"] for r in results] == [["clock_skew"]] * 3 + [[], []]

    entries = {e.record_id: e for e in db.session.scalars(select(GateEntry))}
    received = {r.id: r.received_at for r in db.session.scalars(select(InboxRecord))}
    for rec in records[:3]:  # counted at the time the server received them
        assert entries[rec["id"]].recorded_at == received[rec["id"]]
    two_days_ago = entries[records[3]["id"]].recorded_at.astimezone(SHANGHAI).date()
    assert two_days_ago == (now - timedelta(days=2)).date()

    # One Flag for the phone, not one per record, with the phone's own time beside the count.
    flags = db.session.scalars(select(Flag).where(Flag.kind == "clock_skew")).all()
    assert len(flags) == 1 and flags[0].device_id == device_id
    assert flags[0].detail["records"] == 3
    assert flags[0].detail["phone_time"] == "2001-05-06T08:12:03+08:00"

    # Today's gate log counts the three (and the fast one); the phone's 2001 and next year hold
    # nothing (1970 is not even a day the pages accept: server/inputs.py).
    login(world["a"]["volunteer"])
    today = client.get(f"/gate/{site}/log").get_data(as_text=True)
    assert "进 <strong>4</strong>" in today
    for day in ("2001-05-06", (now + timedelta(days=365)).date().isoformat()):
        page = client.get(f"/gate/{site}/log?date={day}").get_data(as_text=True)
        assert "进 <strong>0</strong>" in page

    # The supervisor sees the phone, its clock and when the records were counted.
    login(world["a"]["supervisor"])
    board = client.get("/supervisor/board").get_data(as_text=True)
    assert "手机时间错误" in board and "手机上的时间" in board and "记录数: 3" in board
    assert "2001-05-06T08:12:03+08:00" in board


def test_sampled_twice_today_counts_a_1970_record_on_the_day_it_arrived(
        client, world, device_token):
    headers, device_id = device_token(world["a"]["clerk"])
    point = world["a"]["point"].id
    who = person(valid_id(41))
    first = sync(client, headers, device_id, [tube_open(point, "TB00000001"),
                                              sample(point, "TB00000001", who)])
    assert [r["status"] for r in first] == ["accepted", "accepted"]
    # The same person, later today, on a phone whose clock says 1970 (offline reset).
    late = [stamped(tube_open(point, "TB00000002"), "1970-01-01T00:10:00+08:00"),
            stamped(sample(point, "TB00000002", who), "1970-01-01T00:11:00+08:00")]
    results = sync(client, headers, device_id, late)
    assert results[1]["status"] == "accepted"
    assert set(results[1]["warnings"]) == {"clock_skew", "person_sampled_twice_today"}


def test_only_an_unreadable_or_offset_less_time_is_rejected(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    site = world["a"]["gate"].id
    records = [stamped(gate_entry(site), "yesterday"),
               stamped(gate_entry(site), "2022-05-06T08:12:03"),  # no offset: which clock?
               stamped(gate_entry(site), "0001-01-01T00:00:00+14:00"),  # readable, absurd
               stamped(gate_entry(site), "9999-12-31T23:59:59-12:00")]
    results = sync(client, headers, device_id, records)
    assert [r["status"] for r in results] == ["rejected", "rejected", "accepted", "accepted"]
    assert {r["error"]["field"] for r in results[:2]} == {"recorded_at"}
    assert results[2]["warnings"] == results[3]["warnings"] == ["clock_skew"]


def test_a_replayed_skewed_record_is_a_duplicate_and_counts_once(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    rec = stamped(gate_entry(world["a"]["gate"].id), "1970-01-01T08:03:00.000+08:00")
    assert sync(client, headers, device_id, [rec])[0]["status"] == "accepted"
    assert sync(client, headers, device_id, [rec])[0]["status"] == "duplicate"
    flag = db.session.scalar(select(Flag).where(Flag.kind == "clock_skew"))
    assert flag.detail["records"] == 1
    assert len(db.session.scalars(select(GateEntry)).all()) == 1
