"""No personal data in logs: names, ID numbers, phones and PINs never reach a log line, even
with every logger at DEBUG (SQL statements and their parameters included)."""
import logging

from tests.conftest import PIN
from tests.records import batch, gate_entry

NAME, DOC, PHONE = "欧阳娜娜", "110101199003074477", "13912345678"
VISITOR, VISITOR_PHONE = "司马访客", "13698765432"
BAD_DOC = "110105194912310021"  # fails the checksum: its rejection must not echo it either
WRONG_PIN = "975319"
SECRETS = (NAME, DOC, PHONE, VISITOR, VISITOR_PHONE, BAD_DOC, WRONG_PIN, DOC[-6:], PHONE[-8:])


def test_sync_and_failed_logins_log_no_personal_data(make_app, world, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_app(SQLALCHEMY_ECHO=True).test_client()  # SQL and parameters logged too
    device = client.post("/api/v1/devices", json={
        "username": "volunteer-a", "pin": PIN, "device_name": "phone"}).get_json()
    headers, device_id = {"Authorization": f"Bearer {device['token']}"}, device["device_id"]
    site = world["a"]["gate"].id
    records = [
        gate_entry(site, seq=1, person={"doc_type": "cn_ric", "doc_number": DOC, "name": NAME,
                                        "phone": PHONE}, temperature=38.2),
        gate_entry(site, seq=2, person={"doc_type": "cn_ric", "doc_number": BAD_DOC,
                                        "name": NAME}),
        gate_entry(site, seq=3, person={"doc_type": "passport", "doc_number": "E" + DOC[:8],
                                        "name": VISITOR, "phone": VISITOR_PHONE},
                   note=f"{VISITOR} {VISITOR_PHONE}"),
    ]
    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert [r["status"] for r in answer.get_json()["results"]] == ["accepted", "rejected",
                                                                    "accepted"]
    client.post("/login", data={"username": "clerk-a", "pin": WRONG_PIN})
    client.post("/api/v1/devices", json={"username": "clerk-a", "pin": WRONG_PIN,
                                         "device_name": f"{NAME}的手机"})
    # The test proves something only if the SQL and its parameters were logged too.
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    leaked = [secret for secret in SECRETS if secret in logged]
    assert leaked == []
