"""The resident's self-report page: reached with a signed link only, shows their own reports."""
import re
import time
from datetime import timedelta

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from server.extensions import db
from server.clock import local_day
from server.ledgers.quarantine import place
from server.ledgers.selfreport_links import SALT, link_token
from server.models import TemperatureReport, utcnow
from tests.conftest import PIN
from tests.records import valid_id


def placed(person, user):
    placement = place(person, "quarantine", "", local_day(utcnow()), 14, user)
    db.session.commit()
    return placement


def report(client, url, value):
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(url, data={"csrf_token": token, "temperature": value})


def test_a_signed_link_opens_the_residents_own_page_only(app, client, world, make_person):
    a = world["a"]
    mine = make_person(a["community"], doc_number=valid_id(31), name="孙自报", building="2-1")
    other = make_person(a["community"], doc_number=valid_id(32), name="周别人", building="2-1",
                        phone="13900005678")
    my_placement, other_placement = placed(mine, a["supervisor"]), placed(other, a["supervisor"])
    neighbour = app.test_client()
    assert report(neighbour, f"/q/{link_token(other_placement)}", "38.2").status_code == 303

    # The supervisor issues the link (audited) and the resident opens it without an account.
    boss = app.test_client()
    boss.post("/login", data={"username": a["supervisor"].username, "pin": PIN})
    page = boss.get(f"/ledgers/quarantine/{my_placement.id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    issued = boss.post(f"/ledgers/quarantine/{my_placement.id}/link", data={"csrf_token": csrf})
    url = re.search(r'id="self-report-url" value="http://localhost(/q/[^"]+)"',
                    issued.get_data(as_text=True)).group(1)
    opened = client.get(url)
    text = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "孙*报" in text and "孙自报" not in text
    saved = report(client, url, "36,6")
    assert saved.status_code == 303
    text = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "36.6 °C" in text and 'id="report-saved"' in text
    # Nothing of the other resident: not their name, not their temperature.
    assert "周" not in text and "38.2" not in text and valid_id(32)[-4:] not in text
    rows = db.session.scalars(select(TemperatureReport).order_by(TemperatureReport.id)).all()
    assert [(r.placement_id, str(r.temperature_c), r.source) for r in rows] == [
        (other_placement.id, "38.2", "self"), (my_placement.id, "36.6", "self")]
    assert report(client, url, "49").status_code == 400  # out of range: refused, not stored

    # A tampered, foreign or expired link opens nothing.
    token = url.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = URLSafeTimedSerializer("another-secret-key-of-at-least-32-chars", salt=SALT).dumps(
        {"p": my_placement.id})

    class Old(TimestampSigner):  # signed 61 days ago: links last 60 days
        def get_timestamp(self):
            return int(time.time()) - 61 * 86400

    expired = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT, signer=Old).dumps(
        {"p": my_placement.id})
    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps(
        {"p": my_placement.id})
    for bad in (tampered, forged, expired, other_purpose, "nothing"):
        answer = client.get(f"/q/{bad}")
        assert answer.status_code == 404 and "孙" not in answer.get_data(as_text=True), bad
        assert client.post(f"/q/{bad}", data={"temperature": "36.5"}).status_code in (400, 404)


def test_self_reports_are_rate_limited_and_page_views_are_not(make_app, world, make_person):
    app = make_app(SELF_REPORT_RATE_LIMIT="5 per hour", SELF_REPORT_LINK_RATE_LIMIT="3 per hour")
    with app.app_context():
        urls = [f"/q/{link_token(placed(make_person(world['a']['community'], doc_number=valid_id(n), building='2-2'), world['a']['supervisor']))}"
                for n in (33, 35)]
        client = app.test_client()
        # Residents behind one carrier NAT open their pages as often as they like.
        assert {client.get(url).status_code for url in urls for _ in range(10)} == {200}

        def report(url):
            return client.post(url, data={"temperature": "36.5"}).status_code

        # One resident's link: 3 reports an hour; the address: 5 reports an hour.
        assert [report(urls[0]) for _ in range(4)] == [303, 303, 303, 429]
        assert [report(urls[1]) for _ in range(3)] == [303, 303, 429]
        assert client.get(urls[1]).status_code == 200


def test_an_ended_placement_takes_no_more_reports(app, client, world, make_person):
    person = make_person(world["a"]["community"], doc_number=valid_id(34), building="2-3")
    placement = placed(person, world["a"]["supervisor"])
    placement.start_date -= timedelta(days=20)
    placement.end_date -= timedelta(days=20)
    db.session.commit()
    url = f"/q/{link_token(placement)}"
    assert "temperature" not in client.get(url).get_data(as_text=True).split("<h2>")[0].split("</h1>")[1]
    assert client.post(url, data={"temperature": "36.5"}).status_code == 400
