"""Last-resort hand-over files (server/sync/handover.py): encrypted to the server's key, imported by
a supervisor through the same ingest as the sync API, attributed to the phone named (and proved
by its token) in the file, and a later sync of the same records is `duplicate` for each."""
import io
import json

from sqlalchemy import func, select

from server.extensions import db
from server.sync.handover import FORMAT, open_file, seal_file
from server.models import AuditEvent, Device, GateEntry, InboxRecord
from tests.records import batch, gate_entry, person, valid_id


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def phone(client, device_token, user):
    """A logged-in phone: its bearer headers, device id, token, and the server's public key."""
    headers, device_id = device_token(user)
    key = client.get("/api/v1/handover-key", headers=headers)
    assert key.status_code == 200
    return headers, device_id, headers["Authorization"].split()[1], key.get_json()


def upload(client, data: bytes):
    return client.post("/supervisor/handover", data={"file": (io.BytesIO(data), "handover.json")},
                       content_type="multipart/form-data")


def test_a_file_imports_once_and_a_later_sync_is_duplicate_for_each(client, world, device_token, login):
    headers, device_id, token, key = phone(client, device_token, world["a"]["volunteer"])
    assert key["format"] == FORMAT and key["jwk"]["crv"] == "P-256" and "d" not in key["jwk"]
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1, person=person(valid_id(i), "张三"))
               for i in range(5)]
    records.append(gate_entry(world["a"]["gate"].id, seq=6, temperature=45.0))  # rejected, as by sync
    file = seal_file({"devices": [{"device_id": device_id, "user_id": world["a"]["volunteer"].id,
                                   "token": token, "records": records}]}, key)
    assert valid_id(0).encode() not in file and "张三".encode() not in file

    login(world["a"]["supervisor"])
    page = upload(client, file)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-status="accepted"') == 5 and html.count('data-status="rejected"') == 1
    assert "已接收 5 条，已收到过 0 条，冲突 0 条，被拒绝 1 条" in html
    assert count(GateEntry) == 5
    assert set(db.session.scalars(select(InboxRecord.device_id)).all()) == {device_id}
    assert count(AuditEvent, AuditEvent.action == "handover_import") == 1

    again = upload(client, file).get_data(as_text=True)  # the same file twice: nothing new
    assert again.count('data-status="duplicate"') == 5 and count(GateEntry) == 5

    synced = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers).get_json()
    assert [r["status"] for r in synced["results"]] == ["duplicate"] * 5 + ["rejected"]
    assert count(GateEntry) == 5 and count(InboxRecord) == 5
    assert db.session.get(Device, device_id).max_seq == 5


def test_a_file_for_another_phone_community_or_key_imports_nothing(client, world, device_token, login):
    _h, device_id, token, key = phone(client, device_token, world["a"]["volunteer"])
    _h, b_device, b_token, _k = phone(client, device_token, world["b"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=1)]
    login(world["a"]["supervisor"])

    forged = seal_file({"devices": [{"device_id": device_id, "user_id": world["a"]["volunteer"].id,
                                     "token": "guessed", "records": records}]}, key)
    assert "凭据不符" in upload(client, forged).get_data(as_text=True)
    other = seal_file({"devices": [{"device_id": b_device, "user_id": world["b"]["volunteer"].id,
                                    "token": b_token, "records": records}]}, key)
    assert "其他社区" in upload(client, other).get_data(as_text=True)
    assert count(GateEntry) == 0 and count(InboxRecord) == 0

    good = seal_file({"devices": [{"device_id": device_id, "user_id": world["a"]["volunteer"].id,
                                   "token": token, "records": records}]}, key)
    envelope = json.loads(good)
    envelope["ct"] = envelope["ct"][:-4] + ("AAAA" if envelope["ct"][-4:] != "AAAA" else "BBBB")
    damaged = upload(client, json.dumps(envelope).encode())
    assert damaged.status_code == 400 and "已损坏" in damaged.get_data(as_text=True)
    envelope["kid"] = "0" * 16
    assert "其他服务器" in upload(client, json.dumps(envelope).encode()).get_data(as_text=True)
    photo = upload(client, b"\x89PNG\r\n")
    assert photo.status_code == 400 and "不是手机导出的交接文件" in photo.get_data(as_text=True)
    assert count(GateEntry) == 0


def test_only_supervisors_import_and_the_key_is_only_the_public_half(app, client, world, device_token, login):
    _h, device_id, token, key = phone(client, device_token, world["a"]["volunteer"])
    login(world["a"]["volunteer"])
    assert upload(client, b"{}").status_code == 403
    assert app.config["HANDOVER_KEY"] not in json.dumps(key)
    with app.app_context():
        payload = open_file(seal_file({"devices": [{"device_id": device_id, "token": token, "records": []}]}, key))
    assert payload["devices"][0]["device_id"] == device_id
