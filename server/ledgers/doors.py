"""Door sensors (门磁): integrations, sensors, and what an opening in a quarantined household
does. The endpoint (server/api/door_events.py) verifies the signature; this module stores the
event and raises or joins the household's Flag."""
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from offline.text import clean_line
from ..audit import audit
from ..clock import local_day
from ..extensions import db
from ..models import DoorEvent, DoorSensor, Flag, Integration, Person
from ..privacy import mask_name
from ..labels import natural_key
from .quarantine import household_placements

DOOR_KIND = "door_opened_quarantine"
ACTIONS = ("open", "close")


def create_integration(community_id: int, name: str) -> tuple[Integration, str]:
    """A new integration and its secret (shown once; stored encrypted). Flushes."""
    secret = secrets.token_urlsafe(32)
    integration = Integration(community_id=community_id, name=name,
                              key_id="int_" + secrets.token_hex(8), secret=secret)
    db.session.add(integration)
    db.session.flush()
    audit("integration_created", target=f"integration:{integration.id}", community_id=community_id)
    return integration, secret


class SensorError(ValueError):
    """A sensor that cannot be mapped as asked; the message says why (in the user's language)."""


def add_sensor(community_id: int, sensor_id: str, building: str, unit: str | None,
               room: str | None) -> DoorSensor:
    """Map a sensor to a household of the roster, or move a known sensor there. Flushes.
    Raises SensorError when no roster resident lives at that address: a typo ("01" for "1")
    would otherwise watch nobody, and every opening there would be recorded and never flagged."""
    sensor_id = clean_line(sensor_id or "")
    if not 1 <= len(sensor_id) <= 80:
        raise SensorError(_("A sensor id is 1 to 80 characters."))
    building, unit, room = (clean_line(v or "") or None for v in (building, unit, room))
    check_household(community_id, building, unit, room)
    sensor = find_sensor(community_id, sensor_id)
    moved = sensor is not None
    if sensor is None:
        sensor = DoorSensor(community_id=community_id, sensor_id=sensor_id)
        db.session.add(sensor)
    sensor.building, sensor.unit, sensor.room = building, unit, room
    db.session.flush()
    audit("door_sensor_moved" if moved else "door_sensor_added", target=f"door_sensor:{sensor.id}",
          community_id=community_id)
    return sensor


def check_household(community_id: int, building: str | None, unit: str | None, room: str | None) -> None:
    """A household exists when a roster resident lives at exactly that building, unit and room
    (no unit: the building has none). Raises SensorError naming what the roster has instead."""
    if not building or not room:
        raise SensorError(_("Give the building and the room of the household (and its unit)."))
    rows = db.session.execute(select(Person.unit, Person.room).distinct().where(
        Person.community_id == community_id, Person.in_roster.is_(True),
        Person.building == building)).all()
    if not rows:
        raise SensorError(_("Building %(building)s is not in the roster.", building=building))
    units = sorted({u or "" for u, _r in rows}, key=lambda v: natural_key((v,)))
    if (unit or "") not in units:
        raise SensorError(_("Building %(building)s has no unit %(unit)s; its units: %(units)s.",
                            building=building, unit=unit or "-",
                            units=", ".join(u or "-" for u in units)))
    rooms = sorted({r for u, r in rows if (u or "") == (unit or "") and r}, key=lambda v: natural_key((v,)))
    if room not in rooms:
        raise SensorError(_("No household %(household)s in the roster; rooms there: %(rooms)s.",
                            household=household_label(building, unit, room),
                            rooms=", ".join(rooms[:30]) or "-"))


def household_label(building, unit, room) -> str:
    return "-".join(p for p in (building, unit, room) if p)


def find_sensor(community_id: int, sensor_id: str) -> DoorSensor | None:
    return db.session.scalar(select(DoorSensor).where(
        DoorSensor.community_id == community_id, DoorSensor.sensor_id == clean_line(sensor_id or "")))


def remove_sensor(sensor: DoorSensor) -> None:
    """The sensor no longer watches anyone (its past events stay until the purge). Flushes."""
    audit("door_sensor_removed", target=f"door_sensor:{sensor.id}", community_id=sensor.community_id)
    db.session.delete(sensor)
    db.session.flush()


def revoke_integration(integration: Integration, now: datetime) -> bool:
    """The platform's key stops working at once (its next event is a 401). Flushes."""
    if integration.revoked_at is not None:
        return False
    integration.revoked_at = now
    db.session.flush()
    audit("integration_revoked", target=f"integration:{integration.id}",
          community_id=integration.community_id)
    return True


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
    """The household's open door Flag of the last minutes. A resolved one is not joined: an
    opening after a supervisor resolved the alert is a new alert."""
    since = now - timedelta(minutes=current_app.config["DOOR_DEDUP_MINUTES"])
    return db.session.scalar(select(Flag).join(DoorEvent, DoorEvent.flag_id == Flag.id).where(
        Flag.community_id == community_id, Flag.kind == DOOR_KIND, Flag.created_at >= since,
        Flag.resolved_at.is_(None), DoorEvent.sensor_id == sensor.sensor_id)
        .order_by(Flag.created_at.desc()).limit(1))
