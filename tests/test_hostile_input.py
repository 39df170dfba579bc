"""One normalisation of incoming text (issue 15): NUL and lone surrogates are refused with a 400
and a message in the user's language wherever they come from (page form, query parameter, JSON
body); bidi controls are removed from names and notes; dates are bounded on every page; the sync
API keeps its contract (the one record is rejected, the others accepted). Both databases."""
import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import CareNeed, GateEntry, Person, Problem, Registration
from tests.conftest import PIN
from tests.records import batch, gate_entry, valid_id

NUL, SURROGATE, RLO = "\x00", "\ud800", "\u202e"
REFUSED_ZH = "无法保存的字符"


def supervisor(app, world):
    client = app.test_client()
    assert client.post("/login", data={"username": world["a"]["supervisor"].username,
                                       "pin": PIN}).status_code == 302
    return client


def test_nul_in_a_page_form_a_query_or_json_is_a_400_with_a_message(app, client, world):
    login = client.post("/login", data={"username": f"supervisor-a{NUL}", "pin": PIN})
    assert login.status_code == 400 and REFUSED_ZH in login.get_data(as_text=True)
    assert "“username”" in login.get_data(as_text=True)  # the field is named
    english = client.post("/login", data={"username": NUL, "pin": PIN},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 400 and "cannot be stored" in english.get_data(as_text=True)
    for body in ({"username": f"clerk-a{NUL}", "pin": PIN, "device_name": "p"},
                 {"username": "clerk-a", "pin": PIN, "device_name": f"p{SURROGATE}"}):
        answer = client.post("/api/v1/devices", json=body)
        assert answer.status_code == 400 and "NUL" in answer.get_json()["error"]["message"]
    boss = supervisor(app, world)
    for url in (f"/supervisor/coverage?building=1{NUL}", f"/people/codes/sheet?building={NUL}"):
        assert boss.get(url).status_code == 400
    problem = boss.post("/supervisor/review/problems", data={
        "day": date.today().isoformat(), "description": f"a{NUL}b", "owner_id": world["a"]["clerk"].id,
        "due_on": date.today().isoformat()})
    assert problem.status_code == 400 and REFUSED_ZH in problem.get_data(as_text=True)
    assert db.session.scalars(select(Problem)).all() == []  # nothing stored
    registered = client.post("/register", data={"community": "a", "name": f"李{NUL}",
                                                "doc_number": valid_id(1), "phone": "13900001111"})
    assert registered.status_code == 400 and db.session.scalars(select(Registration)).all() == []


def test_the_sync_api_rejects_the_one_record_and_takes_the_others(client, world, device_token):
    headers, device_id = device_token(world["a"]["volunteer"])
    gate = world["a"]["gate"].id
    records = [gate_entry(gate, seq=1, note=f"bad{NUL}"), gate_entry(gate, seq=2, note="ok"),
               gate_entry(gate, seq=3, person={"doc_type": "passport", "doc_number": "E12345678",
                                               "name": f"{RLO}访客乙"})]
    results = client.post("/api/v1/sync", headers=headers, json=batch(device_id, records)).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted", "accepted"]
    assert results[0]["error"]["field"] == "note"
    assert db.session.scalar(select(Person.name)) == "访客乙"  # bidi control removed


def test_bidi_controls_are_removed_from_names_and_notes(app, world, make_person):
    boss = supervisor(app, world)
    today = date.today().isoformat()
    assert boss.post("/supervisor/review/problems", data={
        "day": today, "description": f"{RLO}0005432191 话电", "owner_id": world["a"]["clerk"].id,
        "due_on": today}).status_code == 302
    assert db.session.scalar(select(Problem.description)) == "0005432191 话电"
    person = make_person(world["a"]["community"], tags="elderly-alone")
    assert boss.post(f"/supervisor/special/{person.id}/needs", data={
        "need": "medicine", "note": f"降压药\u2066{RLO}每日\u2069"}).status_code == 302
    assert db.session.scalar(select(CareNeed.note)) == "降压药每日"
    assert app.test_client().post("/register", data={
        "community": "a", "name": f"{RLO}王五", "doc_number": valid_id(2), "phone": "13900001111",
        "building": f"3{RLO}"}).status_code == 303
    registration = db.session.scalar(select(Registration))
    assert (registration.name, registration.building) == ("王五", "3")


def test_a_roster_import_removes_bidi_controls_and_refuses_nul(app, runner, world, tmp_path):
    path = tmp_path / "roster.csv"
    rows = [["building", "unit", "room", "name", "doc_type", "doc_number", "phone"],
            ["1", "1", "101", f"{RLO}张三", "身份证", valid_id(3), "13900001111"]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    assert runner.invoke(args=["import-roster", str(path), "--community", "a"]).exit_code == 0
    assert db.session.scalar(select(Person.name)) == "张三"
    rows.append(["1", "1", "102", "李四", "身份证", valid_id(4), "1390000\x002222"])
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    refused = runner.invoke(args=["import-roster", str(path), "--community", "a"])
    assert refused.exit_code != 0 and "NUL" in refused.output


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2022-02-30", "20220506", "２０２２-05-06"])
def test_dates_out_of_bounds_are_a_400_everywhere(app, world, day):
    boss = supervisor(app, world)
    gate = world["a"]["gate"].id
    for url in ("/supervisor/dashboard", "/supervisor/review", f"/gate/{gate}/log",
                "/supervisor/exports/tubes.csv", "/supervisor/exports/gate.xlsx",
                "/supervisor/special/door-to-door"):
        answer = boss.get(url, query_string={"date": day})
        assert answer.status_code == 400, url
        assert "2000-01-01" in answer.get_data(as_text=True)  # says which dates it takes
    assert boss.post("/supervisor/exports/retests.csv", data={"date": day, "full": "1"}).status_code == 400
    assert boss.post("/supervisor/review/problems", data={
        "day": day, "description": "x", "owner_id": world["a"]["clerk"].id,
        "due_on": "2022-05-06"}).status_code == 400


def test_a_quarantine_start_out_of_bounds_is_a_400(app, world, make_person):
    person = make_person(world["a"]["community"], building="1")
    boss = supervisor(app, world)
    for start in ("0001-01-01", "9999-12-31"):
        answer = boss.post("/ledgers/quarantine", data={"person_id": person.id, "kind": "quarantine",
                                                        "start": start, "days": "14"})
        assert answer.status_code == 400 and "2100-12-31" in answer.get_data(as_text=True)


def test_a_results_column_mapped_to_a_superscript_is_a_400(app, world):
    boss = supervisor(app, world)
    upload = boss.post("/supervisor/results", data={
        "file": (io.BytesIO("管,结论\nT1,阴性\n".encode()), "lab.csv")})
    assert upload.status_code == 302 and "/mapping" in upload.headers["Location"]
    answer = boss.post(upload.headers["Location"], data={"tube": "²", "result": "1"})
    assert answer.status_code == 400


def test_ids_past_the_databases_integers_are_not_found(app, world):
    boss = supervisor(app, world)
    for url in (f"/supervisor/special/{2**63}", f"/ledgers/quarantine/{2**31}", f"/gate/{10**30}/log"):
        assert boss.get(url).status_code == 404, url
    assert boss.post("/ledgers/quarantine", data={"person_id": str(2**63)}).status_code == 404
    assert db.session.scalar(select(GateEntry.id)) is None
