"""Each record type's `data` schema (server/api/record_data.py, served in /api/v1/openapi.json)
says what the server does with that type: a record holding only the required fields is
accepted, and so is one holding every listed field; a record missing a required field is
rejected naming that field; a listed field given a value of the wrong kind is rejected naming
it (so each listed field is one the handler reads and checks). One batch per type."""
import uuid
from datetime import timedelta

import pytest
import jsonschema_rs
from sqlalchemy import select

from offline.protocol import RECORD_TYPES
from server.api.record_data import DATA
from server.extensions import db
from server.models import Placement
from server.sync.records import HANDLERS
from tests.records import batch, record, valid_id
from tests.test_households import place_whole

LEDGER_TYPES = ("temperature_reading", "visit_note", "need_done")
# Fields that only mean something together: the partner given when the other one is wrong.
PARTNERS = {("temperature_reading", "day"): {"slot": "morning"},
            ("temperature_reading", "slot"): {"day": "2026-01-01"}}
# A reading for a missed slot (day and slot) is only accepted for a slot that is due.
NOT_IN_FULL = {"temperature_reading": {"day", "slot"}}


def test_every_record_type_has_a_data_schema_in_the_openapi_document(client):
    assert set(DATA) == set(RECORD_TYPES) == set(HANDLERS)
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for kind in RECORD_TYPES:
        jsonschema_rs.meta.validate(schemas[f"data.{kind}"])
        assert schemas[f"data.{kind}"] == DATA[kind]


def _tube():
    return f"T{uuid.uuid4().int % 10**11:011d}"


def _examples(kind: str, world, ids: dict) -> tuple[list, dict, dict]:
    """(records sent first, the minimal data, the data with every listed field) of `kind`."""
    gate, point = world["a"]["gate"].id, world["a"]["point"].id
    who = {"doc_type": "cn_ric", "doc_number": valid_id(7), "name": "王五一", "phone": "13900001111"}
    tube = _tube()
    if kind == "gate_entry":
        minimal = {"site_id": gate, "direction": "in"}
        return [], minimal, {**minimal, "direction": "out", "person": who, "temperature_c": 36.5,
                             "vehicle_plate": "京A12345", "turned_back": True, "reason": "no_pass",
                             "sent_to_sample": True, "remeasure_of": str(uuid.uuid4()),
                             "visitor": {"name": "李访客", "phone": "13700002222"}, "note": "送快递"}
    if kind == "tube_open":
        return [], {"site_id": point, "tube": tube}, {"site_id": point, "tube": tube, "capacity": 10}
    if kind == "sample":
        minimal = {"site_id": point, "tube": tube, "person": {"doc_type": "cn_ric", "doc_number": valid_id(8)}}
        return [], minimal, {**minimal, "person": who}
    if kind == "sample_void":
        swab = record("sample", {"site_id": point, "tube": tube, "person": who})
        return [swab], {"sample_record_id": swab["id"]}, {"sample_record_id": swab["id"], "reason": "扫错人"}
    if kind in ("tube_seal", "box_pack"):
        minimal = {"site_id": point, "tube": tube, **({"box": "BOX0001"} if kind == "box_pack" else {})}
        return [record("tube_open", {"site_id": point, "tube": tube})], minimal, minimal
    if kind == "tube_reopen":
        minimal = {"site_id": point, "tube": tube, "reason": "封错了"}
        return [record("tube_seal", {"site_id": point, "tube": tube})], minimal, minimal
    if kind == "box_handover":
        packed = record("box_pack", {"site_id": point, "box": "BOX0002", "tube": tube})
        minimal = {"site_id": point, "box": "BOX0002"}
        return [packed], minimal, {**minimal, "courier": "顺丰 刘师傅"}
    if kind == "record_discard":
        refused = record("gate_entry", {"site_id": gate, "direction": "sideways"})
        minimal = {"record_id": refused["id"], "reason": "录错了，已重录"}
        return [refused], minimal, minimal
    if kind == "temperature_reading":
        minimal = {"placement_id": ids["placement"], "temperature_c": 36.6}
        return [], minimal, minimal  # day and slot: a missed slot only, checked one by one below
    if kind == "visit_note":
        minimal = {"placement_id": ids["placement"], "note": "送药上门"}
        return [], minimal, minimal
    if kind == "need_done":
        return [], {"need_id": ids["need"]}, {"need_id": ids["need"], "done": False}
    raise AssertionError(f"no example of {kind}: add one")


def _wrong(schema: dict):
    """A value of another JSON kind than the schema allows."""
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    for value in ("yes", 12345, [1], True):
        kind = {str: "string", int: "integer", list: "array", bool: "boolean"}[type(value)]
        if kind not in kinds and not (kind == "integer" and "number" in kinds):
            return value
    raise AssertionError(schema)


@pytest.fixture
def ledger_ids(app, client, world, make_person, device_token):
    """A placement and a household need of community a, as the worker's task list names them."""
    place_whole(app, world["a"], make_person)
    for placement in db.session.scalars(select(Placement)):
        placement.created_at -= timedelta(days=1)
    db.session.commit()
    headers, _device = device_token(world["a"]["volunteer"])
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()
    return {"placement": tasks["reports"][0]["placement"], "need": tasks["needs"][0]["id"]}


@pytest.mark.parametrize("kind", RECORD_TYPES)
def test_the_data_schema_of_each_type_is_what_the_server_checks(request, client, world, device_token, kind):
    ids = request.getfixturevalue("ledger_ids") if kind in LEDGER_TYPES else {}
    schema = DATA[kind]
    validator = jsonschema_rs.Draft202012Validator(schema)
    prelude, minimal, full = _examples(kind, world, ids)
    assert set(minimal) == set(schema["required"])
    assert set(full) == set(schema["properties"]) - NOT_IN_FULL.get(kind, set())
    validator.validate(minimal)
    validator.validate(full)
    cases = [("minimal", minimal, None), ("full", full, None)]
    for name in schema["required"]:
        cases.append((f"without {name}", {k: v for k, v in minimal.items() if k != name}, name))
    for name, field_schema in schema["properties"].items():
        data = {**full, **PARTNERS.get((kind, name), {}), name: _wrong(field_schema)}
        assert not validator.is_valid(data), (name, data)
        cases.append((f"{name} wrong", data, name))
    headers, device_id = device_token(world["a"]["clerk"])
    records = prelude + [record(kind, data) for _case, data, _field in cases]
    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    results = answer.get_json()["results"][len(prelude):]
    for (case, _data, field), result in zip(cases, results):
        if field is None:
            assert result["status"] == "accepted", (case, result)
        else:
            assert result["status"] == "rejected", (case, result)
            assert result["error"]["field"].split(".")[0] == field, (case, result)
