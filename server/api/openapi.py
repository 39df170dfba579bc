"""The API's OpenAPI 3 description, written by hand from the contract (DESIGN §5), served at
/api/v1/openapi.json and checked against the running app by schemathesis (tests)."""
from flask import current_app, jsonify

from offline.protocol import MAX_RECORDS, RECORD_TYPES, WARNINGS
from . import bp
from .record_data import components as data_components


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


JSON = "application/json"
SECURED = [{"device": []}]
# One shift of GET /duty; the asking user, when on it, is listed first (includes_me).
_DUTY_SHIFT = {"type": ["object", "null"], "required": ["starts_at", "ends_at", "needed", "people", "includes_me"],
               "properties": {"starts_at": {"type": "string", "format": "date-time"},
                              "ends_at": {"type": "string", "format": "date-time"},
                              "needed": {"type": "integer"},
                              "people": {"type": "array", "items": {"type": "string"}},
                              "includes_me": {"type": "boolean"}}}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string", "minLength": 1},
                           "message": {"type": "string", "minLength": 1},
                           "field": {"type": ["string", "null"]}}}}},
    "DeviceLogin": {
        "type": "object", "required": ["username", "pin"],
        "properties": {"username": {"type": "string", "maxLength": 60},
                       "pin": {"type": "string", "pattern": "^[0-9]{4,12}$"},
                       "device_name": {"type": "string", "maxLength": 120}}},
    "Device": {
        "type": "object", "required": ["device_id", "token", "expires_at", "user"],
        "properties": {"device_id": {"type": "string"}, "token": {"type": "string"},
                       "expires_at": {"type": "string"}, "user": {"type": "object"}}},
    "Site": {
        "type": "object", "required": ["id", "code", "name", "kind", "community"],
        "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                       "name": {"type": "string"},
                       "kind": {"type": "string", "enum": ["gate", "sampling_point"]},
                       "community": {"type": "string"}}},
    "Record": {
        "type": "object", "required": ["id", "type", "recorded_at", "data"],
        "properties": {"id": {"type": "string", "format": "uuid"},
                       "seq": {"type": ["integer", "null"], "minimum": 1},
                       "type": {"type": "string", "enum": list(RECORD_TYPES)},
                       "recorded_at": {"type": "string", "format": "date-time"},
                       "data": {"type": "object", "description": "What data holds depends on "
                                "the type: see the schema data.<type> of each type."}}},
    "SyncRequest": {
        "type": "object", "required": ["records"],
        "properties": {"device_id": {"type": "string"}, "app_version": {"type": "string"},
                       "pending": {"type": "integer", "minimum": 0},
                       "records": {"type": "array", "maxItems": MAX_RECORDS,
                                   "items": {"$ref": "#/components/schemas/Record"}}}},
    "SyncResult": {
        "type": "object", "required": ["id", "status", "warnings"],
        "properties": {
            "id": {"type": ["string", "null"]},
            "status": {"type": "string",
                       "enum": ["accepted", "duplicate", "conflict", "rejected"]},
            "warnings": {"type": "array", "items": {"type": "string", "enum": list(WARNINGS)}},
            "error": {"type": "object", "required": ["code", "message"],
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                     "field": {"type": ["string", "null"]}}}}},
    "SyncAnswer": {
        "type": "object", "required": ["server_time", "results"],
        "properties": {"server_time": {"type": "string"},
                       "results": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/SyncResult"}}}},
    "DoorEvent": {
        "type": "object", "required": ["event_id", "sensor_id"],
        "properties": {"event_id": {"type": "string", "minLength": 1, "maxLength": 80,
                                    "description": "Unique per integration: a replay is refused."},
                       "sensor_id": {"type": "string", "minLength": 1, "maxLength": 80},
                       "action": {"type": "string", "enum": ["open", "close"], "default": "open"},
                       "occurred_at": {"type": "string", "format": "date-time",
                                       "description": "At most DOOR_EVENT_OLDEST_DAYS (7) days "
                                                      "old and not in the future (5 minutes' "
                                                      "clock difference allowed); default: now."}}},
    "DoorEventAnswer": {
        "type": "object", "required": ["status", "event", "flag"],
        "properties": {"status": {"type": "string", "enum": [
                           "flagged", "deduplicated", "recorded", "unknown_sensor"]},
                       "event": {"type": "integer"}, "flag": {"type": ["integer", "null"]}}},
    "Health": {
        "type": "object", "required": ["status", "db", "version"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "db": {"type": "string"}, "version": {"type": "string"},
            # Why "degraded" (scheduler_silent, scheduler_never_ran, disk_nearly_full,
            # database_read_only), the scheduler's heartbeat and the fullest disk.
            "reasons": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
            "scheduler": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["ok", "silent", "never"]},
                "last_beat": {"type": ["string", "null"]}}},
            "disk": {"type": "object", "properties": {
                "free_mb": {"type": ["integer", "null"]},
                "free_percent": {"type": ["number", "null"]}, "low": {"type": "boolean"}}}}},
}

PATHS = {
    "/api/v1/health": {"get": {
        "summary": "Server and database status (no token).", "security": [],
        "responses": {
            "200": {"description": "Up", "content": {JSON: {"schema": {
                "$ref": "#/components/schemas/Health"}}}},
            "503": {"description": "Database unavailable", "content": {JSON: {"schema": {
                "$ref": "#/components/schemas/Health"}}}}}}},
    "/api/v1/doctor": {"get": {
        "summary": "For `checkpoint doctor --url`: what the app saw of this request. Answers "
                   "only a request signed with the instance's SECRET_KEY (X-Checkpoint-Doctor).",
        "security": [],
        "responses": {
            "200": {"description": "Scheme, client address, X-Forwarded-* headers as received",
                    "content": {JSON: {"schema": {"type": "object"}}}},
            "401": {"description": "Not signed by this instance", "content": {JSON: {
                "schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/api/v1/devices": {"post": {
        "summary": "Trade a username and PIN for a device token.", "security": [],
        "requestBody": {"required": True, "content": {JSON: {"schema": {
            "$ref": "#/components/schemas/DeviceLogin"}}}},
        "responses": {
            "201": {"description": "Token issued", "content": {JSON: {"schema": {
                "$ref": "#/components/schemas/Device"}}}},
            "400": _error("Malformed body"), "401": _error("Wrong username or PIN"),
            "429": _error("Too many attempts"), "503": _error("Database unavailable")}}},
    "/api/v1/sites": {"get": {
        "summary": "Sites the device's user may capture at.", "security": SECURED,
        "responses": {
            "200": {"description": "Sites", "content": {JSON: {"schema": {
                "type": "object", "required": ["sites"], "properties": {"sites": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Site"}}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "503": _error("Database unavailable")}}},
    "/api/v1/handover-key": {"get": {
        "summary": "The public key phones encrypt their hand-over files to (ECDH P-256, AES-GCM).",
        "security": SECURED,
        "responses": {
            "200": {"description": "Hand-over public key", "content": {JSON: {"schema": {
                "type": "object", "required": ["format", "kid", "jwk"],
                "properties": {"format": {"type": "string"}, "kid": {"type": "string"},
                               "jwk": {"type": "object", "required": ["kty", "crv", "x", "y"],
                                       "properties": {k: {"type": "string"} for k in ("kty", "crv", "x", "y")}}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "404": _error("No hand-over key configured"),
            "503": _error("Database unavailable")}}},
    "/api/v1/watchlist": {"get": {
        "summary": "Slots (short keyed hashes, server/api/phoneindex.py) of the home-quarantine list "
                   "of the user's community, under the roster index's key and slot length.",
        "security": SECURED,
        "responses": {
            "200": {"description": "Watch list", "content": {JSON: {"schema": {
                "type": "object", "required": ["community", "scheme", "bits", "key", "hashes"],
                "properties": {"community": {"type": "string"}, "tag": {"type": "string"},
                               "scheme": {"type": "string"}, "bits": {"type": "integer"},
                               "key": {"type": "string"},
                               "hashes": {"type": "array", "items": {"type": "string"}}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "503": _error("Database unavailable")}}},
    "/api/v1/roster-index": {"get": {
        "summary": "Residents by slot (a short keyed hash shared by dozens of plausible numbers): "
                   "address, masked name and gate statuses; personal codes and documents of one "
                   "person linked by an opaque person key.", "security": SECURED,
        "responses": {
            "200": {"description": "Roster index", "content": {JSON: {"schema": {
                "type": "object", "required": ["community", "scheme", "bits", "key", "entries"],
                "properties": {"community": {"type": "string"}, "scheme": {"type": "string"},
                               "bits": {"type": "integer"}, "key": {"type": "string"},
                               "entries": {"type": "object", "additionalProperties": {"type": "array"}},
                               "codes": {"type": "object", "additionalProperties": {"type": "string"}},
                               "documents": {"type": "object", "additionalProperties": {
                                   "type": "array", "items": {"type": "string"}}},
                               "watched": {"type": "array", "items": {"type": "string"}},
                               "sample_max_age_hours": {"type": "number"},
                               "figures": {"type": "object"}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "503": _error("Database unavailable")}}},
    "/api/v1/scan": {"post": {
        "summary": "Decode the barcodes (or, with mode=idcard, the ID number) on one photo.",
        "security": SECURED,
        "parameters": [
            {"name": "mode", "in": "query", "schema": {"type": "string",
                                                      "enum": ["barcode", "idcard"]}},
            {"name": "field", "in": "query", "schema": {"type": "string",
                                                       "enum": ["tube", "person"]}},
            {"name": "site_id", "in": "query", "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
            "200": {"description": "Codes found (maybe none)", "content": {JSON: {"schema": {
                "type": "object", "required": ["codes", "ms"],
                "properties": {"codes": {"type": "array", "items": {"type": "object"}},
                               "ms": {"type": "integer"}}}}}},
            "400": _error("Not an image, or bad parameters"),
            "401": _error("Missing, invalid or revoked token"),
            "403": _error("Site of another community"),
            "404": _error("No such site"),
            "413": _error("Image too large"), "429": _error("Too many scans"),
            "503": _error("Database unavailable")}}},
    "/api/v1/sync": {"post": {
        "summary": "Deliver the outbox: one result per record, in order.", "security": SECURED,
        "requestBody": {"required": True, "content": {JSON: {"schema": {
            "$ref": "#/components/schemas/SyncRequest"}}}},
        "responses": {
            "200": {"description": "Results", "content": {JSON: {"schema": {
                "$ref": "#/components/schemas/SyncAnswer"}}}},
            "400": _error("Not JSON, no records, or device mismatch"),
            "401": _error("Missing, invalid or revoked token"),
            "413": _error("More than 500 records or 1 MiB"),
            "503": _error("Database unavailable: retry later")}}},
    "/api/v1/tasks": {"get": {
        "summary": "The worker's tasks (masked): open Flags, due temperature reports, today's "
                   "household needs and open retests of the buildings assigned to the device's "
                   "user or of the grids they lead.",
        "security": SECURED,
        "responses": {
            "200": {"description": "Tasks", "content": {JSON: {"schema": {
                "type": "object",
                "required": ["generated_at", "buildings", "flags", "reports", "retests"],
                "properties": {"generated_at": {"type": "string"},
                               "buildings": {"type": "array", "items": {"type": "string"}},
                               "flags": {"type": "array", "items": {"type": "object"}},
                               "reports": {"type": "array", "items": {"type": "object"}},
                               "needs": {"type": "array", "items": {"type": "object"}},
                               "latest_alert": {"type": "integer"},
                               "poll_seconds": {"type": "integer"},
                               "retests": {"type": "array", "items": {"type": "object"}}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "503": _error("Database unavailable")}}},
    "/api/v1/duty": {"get": {
        "summary": "Who is on duty at a gate of the user's community now and who takes over "
                   "next (the gate screen's duty line); asking is the user's sign-in at that "
                   "gate, which the roster's presence check counts.",
        "security": SECURED,
        "parameters": [{"name": "site_id", "in": "query", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}],
        "responses": {
            "200": {"description": "Current and next shift", "content": {JSON: {"schema": {
                "type": "object", "required": ["server_time", "site_id", "current", "next", "me_rostered"],
                "properties": {"server_time": {"type": "string"}, "site_id": {"type": "integer"},
                               "current": _DUTY_SHIFT, "next": _DUTY_SHIFT,
                               "me_rostered": {"type": "boolean"}}}}}},
            "400": _error("No gate named"),
            "401": _error("Missing, invalid or revoked token"),
            "404": _error("Not a gate of the user's community"),
            "503": _error("Database unavailable")}}},
    "/api/v1/tasks/alerts": {"get": {
        "summary": "The newest open alert routed to the device's user (0: none) and how many are "
                   "open: the open task list polls it to ring at once for a new alert.",
        "security": SECURED,
        "responses": {
            "200": {"description": "Newest alert", "content": {JSON: {"schema": {
                "type": "object", "required": ["latest", "open"],
                "properties": {"latest": {"type": "integer"}, "open": {"type": "integer"}}}}}},
            "401": _error("Missing, invalid or revoked token"),
            "503": _error("Database unavailable")}}},
    "/api/v1/door-events": {"post": {
        "summary": "One door-sensor event from the property platform, signed with the "
                   "integration's secret: X-Checkpoint-Signature is hex HMAC-SHA256 of "
                   "'<X-Checkpoint-Timestamp>.<raw body>'. An opening in a quarantined "
                   "household raises a Flag, or joins the household's open Flag of the last "
                   "few minutes (after a supervisor resolved it, a new Flag).",
        "security": [{"integrationKey": [], "integrationSignature": [],
                      "integrationTimestamp": []}],
        "requestBody": {"required": True, "content": {JSON: {"schema": {
            "$ref": "#/components/schemas/DoorEvent"}}}},
        "responses": {
            "200": {"description": "Stored", "content": {JSON: {"schema": {
                "$ref": "#/components/schemas/DoorEventAnswer"}}}},
            "400": _error("Malformed event (invalid_field), or text with NUL or invalid Unicode "
                          "(invalid_request): not worth retrying"),
            "401": _error("bad_signature (unknown key or wrong signature) or stale_timestamp"),
            "409": _error("replayed_event: this event id was already received"),
            "413": _error("Body too large"),
            "503": _error("Database unavailable: retry later")}}},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Checkpoint sync API", "version": current_app.config["VERSION"],
                 "description": "Phones deliver field records; see DESIGN §5."},
        "paths": PATHS,
        "components": {"schemas": {**SCHEMAS, **data_components()}, "securitySchemes": {
            "device": {"type": "http", "scheme": "bearer"},
            "integrationKey": {"type": "apiKey", "in": "header", "name": "X-Checkpoint-Key"},
            "integrationSignature": {"type": "apiKey", "in": "header",
                                     "name": "X-Checkpoint-Signature"},
            "integrationTimestamp": {"type": "apiKey", "in": "header",
                                     "name": "X-Checkpoint-Timestamp"}}},
        "security": SECURED,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API (no token needed)."""
    return jsonify(document())
