"""One GB 11643 rule for the whole server: the scan's verdict, sync and the roster import agree."""
import os
import time
from datetime import date, datetime, timedelta

from server.clock import local_today, zone
from server.residents.roster import parse_row
from tests.records import batch, gate_entry

# Born 1953 in today's 金水区, whose code 410105 dates from 1983: a real card holds such a
# number (the code is the county's when the number was assigned), though stdnum's
# ric.is_valid rejects it for want of a county 410105 in 1953.
OLDER_RESIDENT = "410105195307140611"


def test_sync_accepts_an_older_residents_number_from_a_newer_county_code(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    person = {"doc_type": "cn_ric", "doc_number": OLDER_RESIDENT}
    answer = client.post("/api/v1/sync", headers=headers, json=batch(
        device_id, [gate_entry(world["a"]["gate"].id, seq=1, person=person)])).get_json()
    assert answer["results"][0]["status"] == "accepted"


def test_the_roster_import_accepts_it_and_still_refuses_a_bad_check_character():
    row = {"building": "1", "name": "孟海", "doc_type": "身份证", "doc_number": OLDER_RESIDENT}
    person, error = parse_row(row)
    assert error is None and person["doc_number"] == OLDER_RESIDENT
    person, error = parse_row({**row, "doc_number": OLDER_RESIDENT[:-1] + "2"})
    assert person is None and "invalid ID number" in error


def _born(day) -> str:
    from stdnum.cn import ric

    body = f"110105{day:%Y%m%d}123"
    return body + ric.calc_check_digit(body + "0")


def test_sync_judges_a_birth_date_by_the_communitys_day_not_the_server_machines(
        client, world, device_token):
    """A newborn registered on the day of birth: the server's "no birth date in the future"
    is the community's day, as on the phone (offline/client/day.js), whatever zone the server
    machine's clock is set to. The machine is put 20 h behind or 6 h ahead of Shanghai so that
    its own date differs from the community's at this hour."""
    headers, device_id = device_token(world["a"]["volunteer"])
    today = local_today()
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Etc/GMT+12" if datetime.now(zone()).hour < 20 else "Etc/GMT-14"
    time.tzset()
    try:
        assert date.today() != today  # the machine's day is not the community's
        records = [gate_entry(world["a"]["gate"].id, seq=n + 1,
                              person={"doc_type": "cn_ric", "doc_number": _born(day)})
                   for n, day in enumerate((today, today + timedelta(days=1)))]
        answer = client.post("/api/v1/sync", headers=headers, json=batch(device_id, records)).get_json()
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    born_today, born_tomorrow = answer["results"]
    assert born_today["status"] == "accepted", born_today
    assert born_tomorrow["status"] == "rejected"
    assert born_tomorrow["error"]["code"] == "invalid_id_number"
