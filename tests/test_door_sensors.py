"""Door sensors (issue 15): a sensor maps only to a household of the roster, with a clear error
otherwise; sensors are listed, moved and removed and a platform's key revoked from a supervisor
page and from the CLI; an opening after a supervisor resolved the household's alert raises a new
alert; a door event's hostile values are a 400, never a 5xx."""
import json
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from server.extensions import db
from server.ledgers.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from server.ledgers.simulate import send, signed_request
from server.models import AuditEvent, DoorSensor, Flag, Placement, utcnow
from server.clock import local_day
from tests.records import valid_id
from tests.test_ledgers_quarantine import integration, logged_in


def household(world, make_person):
    """A quarantined resident of building 1-2, unit "1", room 101 (and a neighbour in 102)."""
    a = world["a"]
    resident = make_person(a["community"], doc_number=valid_id(30), building="1-2", unit="1", room="101")
    make_person(a["community"], doc_number=valid_id(31), building="1-2", unit="1", room="102")
    today = local_day(utcnow())
    db.session.add(Placement(community_id=a["community"].id, person_id=resident.id, kind="quarantine",
                             start_date=today, end_date=today + timedelta(days=13)))
    db.session.commit()
    return resident


def test_a_sensor_maps_only_to_a_household_of_the_roster(runner, world, make_person):
    household(world, make_person)
    typo = runner.invoke(args=["add-door-sensor", "MC-TYPO", "--community", "a", "--building", "1-2",
                               "--unit", "01", "--room", "101"])
    assert typo.exit_code != 0
    assert "no unit 01" in typo.output and "its units: 1" in typo.output
    nowhere = runner.invoke(args=["add-door-sensor", "MC-X", "--community", "a", "--building", "99-99",
                                  "--unit", "1", "--room", "101"])
    assert nowhere.exit_code != 0 and "99-99 is not in the roster" in nowhere.output
    no_room = runner.invoke(args=["add-door-sensor", "MC-X", "--community", "a", "--building", "1-2",
                                  "--unit", "1", "--room", "909"])
    assert no_room.exit_code != 0 and "rooms there: 101, 102" in no_room.output
    assert db.session.scalar(select(func.count()).select_from(DoorSensor)) == 0

    ok = runner.invoke(args=["add-door-sensor", "MC-1", "--community", "a", "--building", "1-2",
                             "--unit", "1", "--room", "101"])
    assert ok.exit_code == 0 and "watches household 1-2-1-101" in ok.output
    moved = runner.invoke(args=["add-door-sensor", "MC-1", "--community", "a", "--building", "1-2",
                                "--unit", "1", "--room", "102"])
    assert moved.exit_code == 0 and "1-2-1-102" in moved.output
    listed = runner.invoke(args=["door-sensors", "--community", "a"])
    assert "sensor MC-1\t1-2-1-102" in listed.output and "1 sensors." in listed.output
    # Community b's roster does not hold a's buildings.
    other = runner.invoke(args=["add-door-sensor", "MC-1", "--community", "b", "--building", "1-2",
                                "--unit", "1", "--room", "101"])
    assert other.exit_code != 0
    removed = runner.invoke(args=["remove-door-sensor", "MC-1", "--community", "a"])
    assert removed.exit_code == 0
    assert runner.invoke(args=["remove-door-sensor", "MC-1", "--community", "a"]).exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(DoorSensor)) == 0
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("door_sensor%"))).all()
    assert actions == ["door_sensor_added", "door_sensor_moved", "door_sensor_removed"]


def test_sensors_and_keys_are_managed_from_the_supervisor_page(app, runner, world, make_person):
    household(world, make_person)
    key, secret = integration(runner)
    page = logged_in(app, world["a"]["supervisor"])
    typo = page.post("/ledgers/doors", data={"sensor_id": "MC-TYPO", "building": "1-2", "unit": "01",
                                             "room": "101"})
    assert typo.status_code == 400
    html = typo.get_data(as_text=True)
    assert "1-2 号楼没有 01 单元" in html and 'value="MC-TYPO"' in html  # the form is kept
    assert page.post("/ledgers/doors", data={"sensor_id": "MC-1", "building": "1-2", "unit": "1",
                                             "room": "101"}).status_code == 302
    listing = page.get("/ledgers/doors").get_data(as_text=True)
    assert "MC-1" in listing and "1-2-1-101" in listing and key in listing
    assert page.post("/ledgers/doors", data={"sensor_id": "MC-1", "building": "1-2", "unit": "1",
                                             "room": "102"}).status_code == 302
    sensor = db.session.scalar(select(DoorSensor))
    assert (sensor.building, sensor.unit, sensor.room) == ("1-2", "1", "102")

    # Another community's supervisor reaches none of it.
    stranger = logged_in(app, world["b"]["supervisor"])
    assert "MC-1" not in stranger.get("/ledgers/doors").get_data(as_text=True)
    assert stranger.post(f"/ledgers/doors/{sensor.id}/remove").status_code == 404
    integration_id = db.session.scalar(select(func.min(AuditEvent.target)).where(
        AuditEvent.action == "integration_created")).split(":")[1]
    assert stranger.post(f"/ledgers/doors/integrations/{integration_id}/revoke").status_code == 404

    platform = app.test_client()
    assert send(*signed_request(key, secret, "MC-1"), client=platform)[0] == 200
    assert page.post(f"/ledgers/doors/integrations/{integration_id}/revoke").status_code == 302
    assert "已吊销" in page.get("/ledgers/doors").get_data(as_text=True)
    status, answer = send(*signed_request(key, secret, "MC-1"), client=platform)
    assert (status, answer["error"]["code"]) == (401, "bad_signature")  # the key works no more
    assert page.post(f"/ledgers/doors/{sensor.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(DoorSensor)) == 0
    revoked = runner.invoke(args=["revoke-integration", key])
    assert revoked.exit_code == 0 and "already revoked" in revoked.output


def test_an_opening_after_a_resolved_alert_raises_a_new_alert(app, runner, world, make_person):
    household(world, make_person)
    key, secret = integration(runner)
    assert runner.invoke(args=["add-door-sensor", "MC-1", "--community", "a", "--building", "1-2",
                               "--unit", "1", "--room", "101"]).exit_code == 0
    platform = app.test_client()
    first = send(*signed_request(key, secret, "MC-1"), client=platform)[1]
    again = send(*signed_request(key, secret, "MC-1"), client=platform)[1]
    assert (first["status"], again["status"], again["flag"]) == ("flagged", "deduplicated", first["flag"])
    page = logged_in(app, world["a"]["supervisor"])
    assert page.post(f"/supervisor/board/flags/{first['flag']}/resolve",
                     data={"note": "已电话提醒"}).status_code == 302
    # A minute later the door opens again: a new alert, open on the board.
    later = send(*signed_request(key, secret, "MC-1"), client=platform)[1]
    assert later["status"] == "flagged" and later["flag"] != first["flag"]
    open_flags = db.session.scalars(select(Flag.id).where(Flag.kind == "door_opened_quarantine",
                                                          Flag.resolved_at.is_(None))).all()
    assert open_flags == [later["flag"]]
    assert f'id="flag-{later["flag"]}"' in page.get("/supervisor/board").get_data(as_text=True)


def _signed(key, secret, payload: dict):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    return body, {"Content-Type": "application/json", KEY_HEADER: key, TIMESTAMP_HEADER: stamp,
                  SIGNATURE_HEADER: sign(secret, stamp, body)}


def test_door_events_with_hostile_values_are_refused_with_400(app, runner, world, make_person):
    household(world, make_person)
    key, secret = integration(runner)
    runner.invoke(args=["add-door-sensor", "MC-1", "--community", "a", "--building", "1-2",
                        "--unit", "1", "--room", "101"])
    platform = app.test_client()
    now = datetime.now(timezone.utc)
    cases = {"occurred_at": ["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00",
                             (now - timedelta(days=8)).isoformat(), (now + timedelta(hours=1)).isoformat(),
                             "2022-02-30T10:00", 12345],
             "event_id": ["evt\x00", "evt\ud800", "x" * 81, ""],
             "sensor_id": ["MC\x00", "\udfff"]}
    for field, values in cases.items():
        for value in values:
            payload = {"event_id": f"e-{field}-{values.index(value)}", "sensor_id": "MC-1", field: value}
            status, answer = send(*_signed(key, secret, payload), client=platform)
            assert status == 400, (field, value, answer)
            assert answer["error"]["code"] in ("invalid_field", "invalid_request"), answer
    # A bidi control in the sensor's id is removed on both sides: the event still finds it.
    status, answer = send(*_signed(key, secret, {"event_id": "e-bidi", "sensor_id": "\u202eMC-1",
                                                 "occurred_at": now.isoformat()}), client=platform)
    assert (status, answer["status"]) == (200, "flagged")
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1
