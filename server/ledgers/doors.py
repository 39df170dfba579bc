"""Door sensors (门磁): integrations, sensors, and what an opening in a quarantined household
does. The endpoint (server/api/door_events.py) verifies the signature; this module stores the
event and raises or joins the household's Flag."""
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import audit
from ..extensions import db
from ..models import DoorEvent, DoorSensor, Flag, Integration, Person
from ..privacy import mask_name
from .quarantine import household_placements, local_day

DOOR_KIND = "door_opened_quarantine"
ACTIONS = ("open", "close")


def create_integration(community_id: int, name: str) -> tuple[Integration, str]:
    """A new integration and its secret (shown once; stored encrypted). Flushes."""
    secret = secrets.token_urlsafe(32)
    integration = Integration(community_id=community_id, name=name,
                              key_id="int_" + secrets.token_hex(8), secret=secret)
    db.session.add(integration)
    db.session.flush()
    audit("integration_created", target=f"integration:{integration.id}",
          community_id=community_id, name=name)
    return integration, secret


def add_sensor(community_id: int, sensor_id: str, building: str, unit: str | None,
               room: str | None) -> DoorSensor:
    sensor = db.session.scalar(select(DoorSensor).where(
        DoorSensor.community_id == community_id, DoorSensor.sensor_id == sensor_id))
    if sensor is None:
        sensor = DoorSensor(community_id=community_id, sensor_id=sensor_id)
        db.session.add(sensor)
    sensor.building, sensor.unit, sensor.room = building, unit or None, room or None
    db.session.flush()
    return sensor


class Replayed(Exception):
    """This integration already sent this event id."""


def receive(integration: Integration, event_id: str, sensor_id: str, action: str,
            occurred_at: datetime, now: datetime) -> tuple[DoorEvent, Flag | None, str]:
    """Store an event; an opening in a quarantined household raises a Flag, or joins the
    household's Flag of the last DOOR_DEDUP_MINUTES. Returns (event, flag, status).
    Raises Replayed for a known event id. Flushes."""
    event = DoorEvent(community_id=integration.community_id, integration_id=integration.id,
                      event_id=event_id, sensor_id=sensor_id, action=action,
                      occurred_at=occurred_at, received_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        raise Replayed(event_id) from None
    sensor = db.session.scalar(select(DoorSensor).where(
        DoorSensor.community_id == integration.community_id, DoorSensor.sensor_id == sensor_id))
    if sensor is None:
        return event, None, "unknown_sensor"
    if action != "open":
        return event, None, "recorded"
    placements = household_placements(integration.community_id, sensor.building, sensor.unit,
                                      sensor.room, local_day(occurred_at))
    if not placements:
        return event, None, "recorded"
    flag = _recent_flag(integration.community_id, sensor, now)
    status = "deduplicated"
    if flag is None:
        person = db.session.get(Person, placements[0].person_id)
        flag = Flag(community_id=integration.community_id, kind=DOOR_KIND, person_id=person.id,
                    record_id=f"door:{event.id}", created_at=now, detail={
                        "sensor": sensor.id, "building": sensor.building, "unit": sensor.unit,
                        "room": sensor.room, "name": mask_name(person.name),
                        "placement": placements[0].id, "opened_at": occurred_at.isoformat()})
        db.session.add(flag)
        db.session.flush()
        status = "flagged"
    event.flag_id = flag.id
    db.session.flush()
    return event, flag, status


def _recent_flag(community_id: int, sensor: DoorSensor, now: datetime) -> Flag | None:
    since = now - timedelta(minutes=current_app.config["DOOR_DEDUP_MINUTES"])
    return db.session.scalar(select(Flag).join(DoorEvent, DoorEvent.flag_id == Flag.id).where(
        Flag.community_id == community_id, Flag.kind == DOOR_KIND, Flag.created_at >= since,
        DoorEvent.sensor_id == sensor.sensor_id).order_by(Flag.created_at.desc()).limit(1))
