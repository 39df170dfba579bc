"""Personal QR codes: residents register for one, supervisors issue them, sync resolves them."""
import re

from sqlalchemy import func, select

from server.extensions import db
from server.models import GateEntry, Person, Registration
from server.residents.personal_codes import TOKEN_LENGTH, new_token, token_from_code
from tests.records import batch, gate_entry, valid_id

ROSTER_ID = "11010519491231002X"


def form(community="a", **overrides):
    return {"community": community, "name": "李四", "doc_type": "cn_ric",
            "doc_number": valid_id(7), "phone": "13900001111", "building": "3",
            "unit": "2", "room": "101", **overrides}


def code_on(page: str) -> str:
    """The CP1: text the page's QR image encodes, read back with the server's own decoder."""
    import base64
    import io

    from PIL import Image

    from scanner import decode_image

    png = re.search(r'href="data:image/png;base64,([^"]+)"', page).group(1)
    out = io.BytesIO()
    Image.open(io.BytesIO(base64.b64decode(png))).save(out, format="PNG")
    (code,) = decode_image(out.getvalue(), ["qr_code"])
    return code.text


def people(**where):
    return db.session.scalars(select(Person).filter_by(**where)).all()


def register(client, **overrides):
    """Post the public form; the resident's own link (followed) and the POST's answer."""
    answer = client.post("/register", data=form(**overrides))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client.get(answer.headers["Location"]), answer


def confirm(client, registration, number):
    return client.post(f"/people/registrations/{registration.id}/confirm", data={"doc_number": number})


def test_a_resident_registers_a_worker_confirms_and_the_qr_resolves_at_sync(client, world, device_token,
                                                                           login):
    link, _answer = register(client)
    html = link.get_data(as_text=True)
    # Nothing issued yet: the link shows a reference to read out to a worker, no code.
    assert "登记已收到" in html and "data:image" not in html
    (registration,) = db.session.scalars(select(Registration)).all()
    assert registration.reference in html and registration.status == "pending"
    assert people() == []  # the anonymous form wrote nothing outside its registration

    login(world["a"]["supervisor"])
    waiting = client.get("/people/registrations").get_data(as_text=True)
    assert registration.reference in waiting and "李*" in waiting and valid_id(7) not in waiting
    assert confirm(client, registration, valid_id(8)).status_code == 400  # not the card's number
    assert confirm(client, registration, valid_id(7)).status_code == 302
    (person,) = people(community_id=world["a"]["community"].id)
    assert person.in_roster is False and person.personal_code
    assert (person.name, person.phone, person.building, person.room) == ("李四", "13900001111", "3", "101")

    html = client.get(link.request.path).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html and 'download="checkpoint-code.png"' in html
    code = code_on(html)
    assert code == "CP1:" + person.personal_code
    # The code holds nothing personal: not the number, the phone, nor the name.
    assert valid_id(7) not in code and "13900001111" not in code and len(code) == 4 + TOKEN_LENGTH

    headers, device_id = device_token(world["a"]["volunteer"])
    answer = client.post("/api/v1/sync", headers=headers, json=batch(device_id, [
        gate_entry(world["a"]["gate"].id, seq=1, person={"code": code})])).get_json()
    assert answer["results"][0]["status"] == "accepted"
    assert db.session.scalar(select(GateEntry.person_id)) == person.id


def test_knowing_a_residents_id_number_takes_over_nothing(client, world, make_person, login):
    """Issue 15: an anonymous POST with a roster resident's number (no phone on the roster) and
    any phone got the resident's personal QR code and wrote the stranger's phone into the roster."""
    resident = make_person(world["a"]["community"], doc_number=ROSTER_ID, phone=None, building="1")
    answer = client.post("/register", data=form(doc_number=ROSTER_ID, phone="13711112222"),
                         follow_redirects=True)
    assert "data:image" not in answer.get_data(as_text=True), "a personal code was handed out"
    db.session.refresh(resident)
    assert (resident.phone, resident.personal_code, resident.name) == (None, None, "张三明")
    # At the desk the stranger cannot show a card with that number: the worker rejects.
    login(world["a"]["supervisor"])
    registration = db.session.scalar(select(Registration))
    assert confirm(client, registration, valid_id(3)).status_code == 400
    client.post(f"/people/registrations/{registration.id}/reject")
    assert "登记未确认" in client.get(answer.request.path).get_data(as_text=True)  # the resident's link
    db.session.refresh(resident)
    assert resident.phone is None and resident.personal_code is None


def _statements(app):
    """The SQL statements the app sends, recorded (to compare two requests' work)."""
    from sqlalchemy import event

    seen = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def _same_csrf(html: str) -> str:
    """The page's CSRF token carries the second it was made: not a difference between people."""
    return re.sub(r'("X-CSRFToken": "|name="csrf_token" value=")[^"]+', r"\1CSRF", html)


def test_known_and_unknown_numbers_get_identical_anonymous_answers(app, client, world, make_person):
    community = world["a"]["community"]
    make_person(community, doc_number=ROSTER_ID, phone="13800001234")  # with a phone on file
    make_person(community, doc_number=valid_id(20), phone=None)  # without
    seen = _statements(app)
    answers = []
    for number in (ROSTER_ID, valid_id(20), valid_id(21)):  # roster, roster, unknown
        seen.clear()
        answer = client.post("/register", data=form(doc_number=number, phone="13711112222"))
        statements = [s for s in seen if "rate_limit" not in s]
        token = answer.headers.get("Location", "").rsplit("/", 1)[-1] or "-"
        link = client.get(answer.headers["Location"]) if answer.status_code == 303 else answer
        reference = db.session.scalar(select(Registration.reference).order_by(Registration.id.desc())) or "-"
        answers.append({"status": answer.status_code,
                        "body": _same_csrf(answer.get_data(as_text=True).replace(token, "TOKEN")),
                        "location": answer.headers.get("Location", "").replace(token, "TOKEN"),
                        "headers": sorted(k for k in answer.headers.keys() if k != "Set-Cookie"),
                        "link": (link.status_code, _same_csrf(link.get_data(as_text=True).replace(reference, "REF"))),
                        "statements": statements})
    assert answers[0]["statements"], "the statements were recorded"
    assert [a["status"] for a in answers] == [303, 303, 303]
    for key in ("body", "location", "headers", "link", "statements"):  # same answer, same work
        assert answers[0][key] == answers[1][key] == answers[2][key], key
    assert {p.phone for p in people()} == {"13800001234", None}  # the roster is untouched


def test_a_roster_resident_confirmed_at_the_desk_keeps_the_rosters_details(client, world, make_person,
                                                                          login):
    resident = make_person(world["a"]["community"], doc_number=ROSTER_ID, phone=None, building="1")
    link, _answer = register(client, doc_number=ROSTER_ID, phone="13711112222", name="冒名")
    login(world["a"]["supervisor"])
    registration = db.session.scalar(select(Registration))
    assert confirm(client, registration, ROSTER_ID.lower()).status_code == 302  # x or X
    (person,) = people()
    assert person.id == resident.id and person.in_roster is True and person.personal_code
    # Checked in person: what the roster lacked is filled, what it says is kept.
    assert (person.name, person.phone, person.building) == ("张三明", "13711112222", "1")
    assert code_on(client.get(link.request.path).get_data(as_text=True)) == "CP1:" + person.personal_code
    # Handled once: a second confirmation changes nothing.
    assert confirm(client, registration, ROSTER_ID).status_code == 409


def test_another_communitys_supervisor_cannot_confirm(client, world, login):
    register(client)
    registration = db.session.scalar(select(Registration))
    login(world["b"]["supervisor"])
    assert confirm(client, registration, valid_id(7)).status_code == 404
    assert registration.reference not in client.get("/people/registrations").get_data(as_text=True)
    assert db.session.scalar(select(Registration.status)) == "pending"


def test_wrong_details_are_explained_in_chinese(client, world):
    page = client.post("/register", data=form(doc_number="110105194912310021", community="zzz"))
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "身份证号码有误" in html and "社区代码" in html
    assert db.session.scalars(select(Registration)).all() == []


def test_registration_is_rate_limited(app, client, world):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    statuses = [client.post("/register", data=form(phone=f"1390000{i:04d}", doc_number=valid_id(i))).status_code
                for i in range(3)]
    assert statuses == [303, 303, 429]
    assert client.get("/register").status_code == 200  # reading the form is not limited


def test_forged_and_unknown_codes_are_rejected_at_sync(client, world, device_token, make_person):
    person = make_person(world["a"]["community"])
    person.personal_code = new_token()
    db.session.commit()
    tampered = "CP1:" + person.personal_code[:-1] + ("A" if person.personal_code[-1] != "A" else "B")
    other_community_code = "CP1:" + person.personal_code
    headers, device_id = device_token(world["a"]["volunteer"])
    gate = world["a"]["gate"].id
    records = [gate_entry(gate, seq=1, person={"code": tampered}),
               gate_entry(gate, seq=2, person={"code": "CP1:" + new_token()}),
               gate_entry(gate, seq=3, person={"code": person.personal_code}),  # no prefix
               gate_entry(gate, seq=4, person={"code": other_community_code})]
    results = client.post("/api/v1/sync", headers=headers, json=batch(device_id, records)).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "accepted"]
    assert {r["error"]["field"] for r in results[:3]} == {"person.code"}

    headers_b, device_b = device_token(world["b"]["volunteer"])
    result = client.post("/api/v1/sync", headers=headers_b, json=batch(device_b, [
        gate_entry(world["b"]["gate"].id, seq=1, person={"code": other_community_code})])).get_json()
    assert result["results"][0]["status"] == "rejected"  # a code of community a means nothing in b


def test_tokens_are_random_and_checked(app):
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    token = tokens.pop()
    assert token_from_code("CP1:" + token) == token
    assert token_from_code(token) is None
    assert token_from_code("CP1:" + token[:-2]) is None
    assert token_from_code("CP1:" + "Ω" * TOKEN_LENGTH) is None


def test_a_supervisor_issues_and_prints_a_buildings_codes(client, world, login, make_person):
    community = world["a"]["community"]
    for i in range(3):
        make_person(community, doc_number=valid_id(i), building="5", room=f"10{i}")
    make_person(community, doc_number=valid_id(9), building="6")
    login(world["a"]["supervisor"])
    assert "5" in client.get("/people/codes").get_data(as_text=True)
    response = client.post("/people/codes", data={"building": "5"})
    assert response.status_code == 302
    with_code = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.personal_code.is_not(None)))
    assert with_code == 3
    sheet = client.get(response.headers["Location"]).get_data(as_text=True)
    assert sheet.count('src="data:image/svg+xml') == 3
    assert "张*明" in sheet and ROSTER_ID not in sheet  # masked names only

    # Issuing again keeps the codes already printed.
    before = sorted(db.session.scalars(select(Person.personal_code).where(Person.building == "5")))
    client.post("/people/codes", data={"building": "5"})
    after = sorted(db.session.scalars(select(Person.personal_code).where(Person.building == "5")))
    assert before == after


def test_clerks_cannot_issue_codes(client, world, login):
    login(world["a"]["clerk"])
    assert client.get("/people/codes").status_code == 403
    assert client.post("/people/codes", data={"building": "5"}).status_code == 403
