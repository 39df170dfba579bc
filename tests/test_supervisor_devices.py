"""Device management: the community's phones with pending counts; revoking refuses the token."""
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Device
from tests.records import batch, gate_entry


def test_supervisor_sees_phones_and_revoking_one_locks_it_out_at_once(world, client, device_token, login):
    headers, device_id = device_token(world["a"]["volunteer"], device_name="gate phone 1")
    site = world["a"]["gate"].id
    assert client.post("/api/v1/sync", headers=headers,
                       json=batch(device_id, [gate_entry(site, seq=1)], pending=7)).status_code == 200
    device_token(world["b"]["volunteer"], device_name="phone of b")
    login(world["a"]["supervisor"])
    page = client.get("/supervisor/devices").get_data(as_text=True)
    assert "gate phone 1" in page and "phone of b" not in page
    assert '<td class="warn">7' in page
    answer = client.post(f"/supervisor/devices/{device_id}/revoke", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and 'class="revoked"' in answer.get_data(as_text=True)
    refused = client.post("/api/v1/sync", headers=headers, json=batch(device_id, [gate_entry(site, seq=2)]))
    assert refused.status_code == 401
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke_device"))
    assert event.target == f"device:{device_id}" and event.detail["pending"] == 7


def test_a_phone_of_another_community_cannot_be_revoked(world, client, device_token, login):
    headers, device_id = device_token(world["b"]["volunteer"])
    login(world["a"]["supervisor"])
    assert client.post(f"/supervisor/devices/{device_id}/revoke").status_code == 404
    assert db.session.get(Device, device_id).revoked_at is None
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
