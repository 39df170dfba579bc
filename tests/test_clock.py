"""The local day follows the configured zone (DISPLAY_TIMEZONE), not a fixed UTC+8.

New York is 12 or 13 hours behind Shanghai: two moments a couple of minutes either side of New
York's midnight fall on one Shanghai day, and a New York day spans two Shanghai days, so every
check below fails if any of these paths still counts days in Shanghai time."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from server import clock, create_app
from server.config import from_environment
from server.models import utcnow
from tests.conftest import base_config
from tests.records import batch, gate_entry, person, sample, tube_open, valid_id

ZONE = "America/New_York"
NEW_YORK = ZoneInfo(ZONE)


@pytest.fixture
def new_york(app):
    app.config["DISPLAY_TIMEZONE"] = ZONE
    return app


def last_midnight() -> datetime:
    """The latest New York midnight at least two minutes ago (records must not be in the future)."""
    now = utcnow().astimezone(NEW_YORK) - timedelta(minutes=2)
    return datetime.combine(now.date(), time(0), NEW_YORK)


def at(moment: datetime, record: dict) -> dict:
    record["recorded_at"] = moment.isoformat(timespec="milliseconds")
    return record


def sync(client, headers, device_id, records) -> list[dict]:
    response = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_the_clock_counts_days_in_the_configured_zone(new_york):
    midnight = datetime(2022, 5, 7, 0, 0, tzinfo=NEW_YORK)
    before, after = midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)
    assert clock.local_day(before) == date(2022, 5, 6) and clock.local_day(after) == date(2022, 5, 7)
    assert clock.day_range(after) == (midnight.astimezone(timezone.utc),
                                      (midnight + timedelta(days=1)).astimezone(timezone.utc))
    assert clock.local_time(after.astimezone(timezone.utc)) == "2022-05-07 00:01"
    # A daylight-saving day is 23 hours long: the day ends at the next local midnight.
    start, end = clock.day_bounds(date(2022, 3, 13))
    assert end - start == timedelta(hours=23)


def test_a_sample_either_side_of_local_midnight_is_two_days_not_sampled_twice(new_york, client, world,
                                                                              device_token):
    headers, device_id = device_token(world["a"]["clerk"])
    point, someone, midnight = world["a"]["point"].id, person(valid_id(1)), last_midnight()
    late = midnight - timedelta(minutes=1)
    answer = sync(client, headers, device_id, [
        at(late, tube_open(point, "T20220506001")), at(late, sample(point, "T20220506001", someone)),
        at(midnight + timedelta(minutes=1), tube_open(point, "T20220506002")),
        at(midnight + timedelta(minutes=1), sample(point, "T20220506002", someone))])
    assert [r["status"] for r in answer] == ["accepted"] * 4
    assert answer[3]["warnings"] == []


def test_two_samples_on_one_local_day_are_sampled_twice_across_shanghai_midnight(new_york, client, world,
                                                                                device_token):
    headers, device_id = device_token(world["a"]["clerk"])
    point, someone = world["a"]["point"].id, person(valid_id(2))
    day_before = last_midnight() - timedelta(days=1)
    early, late = day_before + timedelta(minutes=1), day_before + timedelta(hours=23, minutes=59)
    answer = sync(client, headers, device_id, [
        at(early, tube_open(point, "T20220506003")), at(early, sample(point, "T20220506003", someone)),
        at(late, tube_open(point, "T20220506004")), at(late, sample(point, "T20220506004", someone))])
    assert [r["status"] for r in answer] == ["accepted"] * 4
    assert answer[3]["warnings"] == ["person_sampled_twice_today"]


def test_the_gate_log_puts_passages_either_side_of_local_midnight_on_their_own_days(
        new_york, client, world, device_token, login):
    headers, device_id = device_token(world["a"]["volunteer"])
    gate, midnight = world["a"]["gate"].id, last_midnight()
    before, after = midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)
    answer = sync(client, headers, device_id, [at(before, gate_entry(gate)), at(after, gate_entry(gate))])
    assert [r["status"] for r in answer] == ["accepted"] * 2
    login(world["a"]["volunteer"])
    for moment in (before, after):
        page = client.get(f"/gate/{gate}/log?date={moment.date().isoformat()}").get_data(as_text=True)
        assert "进 <strong>1</strong>" in page, moment
        assert moment.strftime("%H:%M") in page


def test_the_zone_is_set_by_the_environment_and_an_unknown_one_stops_the_start():
    assert from_environment({"CHECKPOINT_DISPLAY_TIMEZONE": ZONE}) == {"DISPLAY_TIMEZONE": ZONE}
    for wrong in ("Asia/Shangai", "../etc/passwd", ""):
        with pytest.raises(RuntimeError, match="is not a time zone"):
            create_app({**base_config("sqlite://"), "DISPLAY_TIMEZONE": wrong})
