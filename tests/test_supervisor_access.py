"""Access to the supervisor's pages, generated from the URL map: roles, and nothing of
community B seen from community A on any page or export."""
import io
import re

import pytest
from openpyxl import load_workbook

from server.extensions import db
from server.supervisor.labresults import apply_results, parse_results
from tests.factories_supervisor import lab_csv, make_person, make_tube
from tests.records import batch, gate_entry


def supervisor_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("supervisor.")]


def concrete(rule):
    """A URL for the rule, with placeholder ids for its arguments."""
    values = {"retest_id": 1, "flag_id": 1, "device_id": "x", "token": "t" * 24, "kind": "tubes", "fmt": "csv"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


@pytest.mark.parametrize("role, expected", [(None, 302), ("volunteer", 403), ("clerk", 403)])
def test_every_supervisor_route_refuses_anonymous_and_field_roles(world, client, login, app, role, expected):
    if role:
        login(world["a"][role])
    checked = 0
    for rule in supervisor_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(concrete(rule), method=method)
            assert response.status_code == expected, (method, rule.rule)
            checked += 1
    assert checked >= 16


def test_supervisor_and_admin_open_every_page(world, client, login, app):
    pages = [concrete(r) for r in supervisor_rules(app) if "GET" in r.methods and "<" not in r.rule]
    assert len(pages) >= 7
    for role in ("supervisor", "admin"):
        login(world["a"][role])
        for url in pages:
            assert client.get(url).status_code == 200, (role, url)


def test_nothing_of_community_b_is_seen_from_community_a(world, client, login, app, device_token):
    b = world["b"]
    secret_people = [make_person(b["community"], name=f"秘密人{n}", doc_number=f"B{n:017d}",
                                 phone=f"1770000{n:04d}", building="B9Q7") for n in range(10)]
    make_tube(b["community"], b["point"], "TSECRETB", people=secret_people, status="open", opened_minutes_ago=99)
    make_tube(b["community"], b["point"], "TSECRET2", people=[secret_people[0]])
    parsed = parse_results(lab_csv([("TSECRETB", "阳性", ""), ("TGHOSTB", "阴性", "")]), "lab.csv")
    apply_results(parsed.rows, b["community"].id)
    db.session.commit()
    headers, device_id = device_token(b["volunteer"], device_name="secret-phone")
    client.post("/api/v1/sync", headers=headers, json=batch(device_id, [
        gate_entry(b["gate"].id, seq=2, temperature=45)], pending=5))
    markers = ("TSECRET", "TGHOSTB", "秘密", "secret-phone", "B0000", "17700", "B9Q7")

    login(world["a"]["supervisor"])
    pages = [concrete(r) for r in supervisor_rules(app) if "GET" in r.methods and "<" not in r.rule]
    pages += ["/supervisor/retests?show=all", "/"]
    for url in pages:
        text = client.get(url).get_data(as_text=True)
        assert not [m for m in markers if m in text], url
    for kind in ("tubes", "gate", "retests"):
        for fmt in ("csv", "xlsx"):
            response = client.post(f"/supervisor/exports/{kind}.{fmt}", data={"full": "1"})
            if fmt == "csv":
                text = response.data.decode("utf-8-sig")
                assert text.count("\r\n") == 1, kind  # the header alone
            else:
                book = load_workbook(io.BytesIO(response.data))
                text = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row)
            assert not [m for m in markers if m in text], (kind, fmt)
