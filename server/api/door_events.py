"""POST /api/v1/door-events: the property platform's door sensors (门磁).

No device token: each integration signs the raw body with its own secret,
X-Checkpoint-Signature = hex HMAC-SHA256(secret, "<X-Checkpoint-Timestamp>.<body>"), and names
itself with X-Checkpoint-Key. A timestamp outside DOOR_EVENT_MAX_AGE_SECONDS is refused, and so
is an event id the integration already sent, so a captured request cannot be replayed."""
import json
import time
from datetime import datetime, timedelta, timezone

from flask import current_app, jsonify, request
from sqlalchemy import select

from offline.text import clean_line, refused
from ..extensions import db
from ..inputs import InputError, parse_time
from ..ledgers.doors import ACTIONS, Replayed, receive
from ..ledgers.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from ..models import Integration, utcnow
from . import bp


def _refuse(status: int, code: str, message: str, field: str | None = None):
    return jsonify(error={"code": code, "message": message, "field": field}), status


@bp.post("/door-events")
def door_events():
    """One signed door event: stored, and flagged when a quarantined household's door opens."""
    body = request.get_data()
    integration = db.session.scalar(select(Integration).where(
        Integration.key_id == request.headers.get(KEY_HEADER, ""), Integration.revoked_at.is_(None)))
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    if integration is None or not verify(integration.secret, stamp, body,
                                         request.headers.get(SIGNATURE_HEADER, "")):
        return _refuse(401, "bad_signature", "Unknown key or wrong signature of the body.")
    try:
        age = abs(time.time() - int(stamp))
    except ValueError:
        age = float("inf")
    if age > current_app.config["DOOR_EVENT_MAX_AGE_SECONDS"]:
        return _refuse(401, "stale_timestamp", "The timestamp is too far from the server's clock.")
    data, error = _validate(_json(body), utcnow())
    if error:
        return _refuse(400, "invalid_field", f"{error} is missing or invalid.", error)
    now = utcnow()
    try:
        event, flag, status = receive(integration, data["event_id"], data["sensor_id"],
                                      data["action"], data["occurred_at"] or now, now)
    except Replayed:
        db.session.rollback()
        return _refuse(409, "replayed_event", "This event id was already received.", "event_id")
    db.session.commit()
    return jsonify(status=status, event=event.id, flag=flag.id if flag else None), 200


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return None


def _validate(payload, now: datetime) -> tuple[dict, str | None]:
    if not isinstance(payload, dict):
        return {}, "body"
    data = {}
    for name in ("event_id", "sensor_id"):
        value = payload.get(name)
        # Text any database stores (the guard of server/textinput.py already refused NUL),
        # without bidi controls: a sensor id compares equal to the one mapped on the page.
        value = clean_line(value) if isinstance(value, str) and not refused(value) else ""
        if not 1 <= len(value) <= 80:
            return {}, name
        data[name] = value
    data["action"] = payload.get("action", "open")
    if data["action"] not in ACTIONS:
        return {}, "action"
    data["occurred_at"] = None
    if payload.get("occurred_at") is not None:
        try:
            moment = parse_time(payload["occurred_at"], timezone.utc)
        except InputError:
            return {}, "occurred_at"
        # An opening is news for a few days at most; a time far ahead is a broken clock.
        oldest = now - timedelta(days=current_app.config["DOOR_EVENT_OLDEST_DAYS"])
        latest = now + timedelta(seconds=current_app.config["DOOR_EVENT_MAX_AGE_SECONDS"])
        if not oldest <= moment <= latest:
            return {}, "occurred_at"
        data["occurred_at"] = moment
    return data, None
