"""What `data` holds in each record type of POST /api/v1/sync, as JSON Schemas served in the
OpenAPI document (components `data.<type>`). DESIGN §5 lists the contract's first seven types;
this lists every type the server handles, the later ones (tube_reopen, record_discard and the
building worker's three) included. The handlers (server/*/records.py) stay the judge of a
record; tests/test_record_data.py sends each type to them and checks that every field listed
here is one they read, and that the required ones are required."""
from offline.rules import (DOC_NUMBER_MAX_LENGTH, DOC_TYPES, OTHER_DOC_LENGTH, TEMPERATURE_MAX, TEMPERATURE_MIN,
                          TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN)
from ..gate.records import TURN_BACK_REASONS
from ..models.gate import DIRECTIONS
from ..models.ledgers import SLOTS
from ..sampling.records import BOX_PATTERN


def _text(max_length: int, description: str | None = None) -> dict:
    return {"type": "string", "maxLength": max_length, **({"description": description} if description else {})}


def _id(description: str) -> dict:
    return {"type": "integer", "minimum": 1, "description": description}


SITE = _id("A site of the user's community (GET /api/v1/sites), of the kind the record is for.")
TUBE = _text(64, "The tube's barcode as scanned: it must match the sampling point's tube pattern.")
BOX = {"type": "string", "pattern": f"^{BOX_PATTERN}$", "description": "The box's barcode."}
TEMPERATURE = {"type": ["number", "string"],
               "description": f"°C with at most one decimal, {TEMPERATURE_MIN}–{TEMPERATURE_MAX}."}
PERSON = {"oneOf": [
    {"type": "object", "required": ["doc_type", "doc_number"],
     "properties": {"doc_type": {"type": "string", "enum": list(DOC_TYPES)},
                    "doc_number": _text(DOC_NUMBER_MAX_LENGTH, "cn_ric: GB 11643 (checksum, birth date, "
                                        "region); others: {} to {} letters or digits.".format(*OTHER_DOC_LENGTH)),
                    "name": _text(60), "phone": _text(20, "Digits, optionally after a +.")}},
    {"type": "object", "required": ["code"],
     "properties": {"code": {"type": "string", "description": "A personal QR code's payload."}}}]}


def _data(required: list[str], properties: dict, description: str) -> dict:
    return {"type": "object", "description": description, "required": required,
            "properties": properties}


DATA = {
    "gate_entry": _data(["site_id", "direction"], {
        "site_id": SITE, "direction": {"type": "string", "enum": list(DIRECTIONS)},
        "person": PERSON, "temperature_c": TEMPERATURE,
        "vehicle_plate": _text(16, "A mainland plate, e.g. 京A12345."),
        "turned_back": {"type": "boolean", "default": False},
        "reason": {"type": "string", "enum": list(TURN_BACK_REASONS), "description": "Why turned back."},
        "sent_to_sample": {"type": "boolean", "default": False,
                           "description": "The volunteer sent the person to be sampled."},
        "remeasure_of": _text(36, "The id of the gate_entry this one measures again."),
        "visitor": {"type": "object", "properties": {"name": _text(60), "phone": _text(20)}},
        "note": _text(500)},
        "Someone passing a gate, with a temperature; fever raises a Flag."),
    "tube_open": _data(["site_id", "tube"], {
        "site_id": SITE, "tube": TUBE,
        "capacity": {"type": "integer", "minimum": TUBE_CAPACITY_MIN, "maximum": TUBE_CAPACITY_MAX,
                     "description": "People pooled into the tube; default: the site's (10)."}},
        "A tube opened at a sampling point."),
    "sample": _data(["site_id", "tube", "person"], {"site_id": SITE, "tube": TUBE, "person": PERSON},
                    "One person's swab into a tube (opens the tube if it was not)."),
    "sample_void": _data(["sample_record_id"], {
        "sample_record_id": _text(36, "The id of the sample record to void."), "reason": _text(200)},
        "A sample undone: its slot in the tube is free again."),
    "tube_seal": _data(["site_id", "tube"], {"site_id": SITE, "tube": TUBE}, "A tube sealed."),
    "tube_reopen": _data(["site_id", "tube", "reason"], {
        "site_id": SITE, "tube": TUBE, "reason": _text(200, "Why (shown to the supervisor).")},
        "A tube sealed by mistake opened again."),
    "box_pack": _data(["site_id", "box", "tube"], {"site_id": SITE, "box": BOX, "tube": TUBE},
                      "A sealed tube packed into a transport box."),
    "box_handover": _data(["site_id", "box"], {"site_id": SITE, "box": BOX, "courier": _text(60)},
                          "A box handed to the courier for the lab."),
    "record_discard": _data(["record_id", "reason"], {
        "record_id": _text(36, "The id of a record the server rejected."), "reason": _text(200)},
        "The user discarded a rejected record rather than correcting it; the supervisor can "
        "account for its seq."),
    "temperature_reading": _data(["placement_id", "temperature_c"], {
        "placement_id": _id("A quarantine or monitoring placement of the user's community."),
        "temperature_c": TEMPERATURE,
        "day": {"type": "string", "format": "date", "description": "With slot: a missed slot's day."},
        "slot": {"type": "string", "enum": list(SLOTS), "description": "With day: the missed slot."}},
        "A resident's temperature taken by the building worker (every reading is kept)."),
    "visit_note": _data(["placement_id", "note"], {
        "placement_id": _id("A placement of the user's community."), "note": _text(500)},
        "What the worker did at a household visit (stored encrypted)."),
    "need_done": _data(["need_id"], {
        "need_id": _id("A household need (meal, rubbish, medicine) of the user's community."),
        "done": {"type": "boolean", "default": True}},
        "A household need done (or undone)."),
}


def components() -> dict:
    """The data schemas as OpenAPI components, named data.<type>."""
    return {f"data.{kind}": schema for kind, schema in DATA.items()}
