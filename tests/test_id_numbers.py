"""One GB 11643 rule for the whole server: the scan's verdict, sync and the roster import agree."""
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
