"""PIN login on pages and device tokens for phones (DESIGN §5)."""
import json

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Device, utcnow
from tests.conftest import PIN


def test_device_login_answers_201_with_a_token(client, world):
    response = client.post("/api/v1/devices", json={
        "username": "clerk-a", "pin": PIN, "device_name": "红米 9A"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["device_id"] and body["token"] and body["expires_at"]
    assert body["user"]["username"] == "clerk-a" and body["user"]["community"] == "a"
    device = db.session.get(Device, body["device_id"])
    assert device.name == "红米 9A"
    assert body["token"] not in device.token_hash  # stored hashed, never as given


def test_device_login_with_wrong_pin_or_unknown_user_is_401_with_one_message(client, world):
    wrong = client.post("/api/v1/devices", json={"username": "clerk-a", "pin": "999999", "device_name": "x"})
    unknown = client.post("/api/v1/devices", json={"username": "nobody", "pin": PIN, "device_name": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    assert db.session.scalar(select(Device)) is None


def test_device_login_is_throttled_with_429(client, world):
    statuses = [client.post("/api/v1/devices", json={
        "username": "clerk-a", "pin": "000000", "device_name": "x"}).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # Even the right PIN is refused while the account is throttled.
    right = client.post("/api/v1/devices", json={"username": "clerk-a", "pin": PIN, "device_name": "x"})
    assert right.status_code == 429


def test_device_login_with_a_malformed_body_is_400(client, world):
    assert client.post("/api/v1/devices", data="pin=1").status_code == 400
    assert client.post("/api/v1/devices", json={"username": 5, "pin": PIN}).status_code == 400


def test_device_login_with_unstorable_text_is_400_not_a_database_error(client, world):
    """Found by schemathesis on PostgreSQL: a NUL or a lone surrogate reached the database (503)."""
    for body in ({"username": "clerk-a", "pin": PIN, "device_name": "phone\x00"},
                 {"username": "clerk-a\ud800", "pin": PIN, "device_name": "x"},
                 {"username": "clerk-a", "pin": "12\x0034", "device_name": "x"}):
        answer = client.post("/api/v1/devices", data=json.dumps(body), content_type="application/json")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_request"


def test_a_revoked_or_expired_token_is_refused_at_once(client, world, device_token):
    headers, device_id = device_token(world["a"]["clerk"])
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    device = db.session.get(Device, device_id)
    device.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/sites", headers=headers).status_code == 401
    headers, device_id = device_token(world["a"]["clerk"])
    db.session.get(Device, device_id).expires_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/sites", headers=headers).status_code == 401


def test_sites_lists_only_the_users_community(client, world, device_token):
    headers, _ = device_token(world["a"]["volunteer"])
    sites = client.get("/api/v1/sites", headers=headers).get_json()["sites"]
    assert {s["id"] for s in sites} == {world["a"]["gate"].id, world["a"]["point"].id}
    assert {s["community"] for s in sites} == {"a"}
    assert set(sites[0]) >= {"id", "code", "name", "kind", "community"}
    assert client.get("/api/v1/sites").status_code == 401


def test_page_login_and_logout_end_the_session_everywhere(app, world, login):
    phone, other_tab = app.test_client(), app.test_client()
    for c in (phone, other_tab):
        response = c.post("/login", data={"username": "clerk-a", "pin": PIN})
        assert response.status_code == 302
    assert other_tab.get("/").status_code == 200
    phone.post("/logout")
    assert phone.get("/").status_code == 302
    assert other_tab.get("/").status_code == 302  # a shared phone's old session is dead too
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login") == 2 and "logout" in actions


def test_page_login_with_wrong_pin_says_so_and_logs_nobody_in(client, world):
    response = client.post("/login", data={"username": "clerk-a", "pin": "111111"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Wrong username or PIN." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_does_not_redirect_to_another_site(client, world):
    response = client.post("/login?next=//evil.example/x", data={"username": "clerk-a", "pin": PIN})
    assert response.headers["Location"] == "/"
