"""The demo community's ledgers: the gate volunteer looks after two buildings, two residents
of building 1-1 are under home quarantine and one under health monitoring, and the first
quarantined household has a door sensor. Idempotent: nothing is added twice."""
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import BuildingAssignment, DoorSensor, Person, Placement, User, utcnow
from .assignments import assign
from .doors import add_sensor
from .quarantine import local_day, place

DEMO_BUILDINGS = ("1-1", "1-2")
DEMO_SENSOR = "MC-DEMO-0001"


def seed_ledgers(community, worker_username: str = "volunteer") -> dict:
    """Assignments, placements and a sensor for the demo; {} when they exist already."""
    cid = community.id
    if db.session.scalar(select(BuildingAssignment.id).where(BuildingAssignment.community_id == cid)
                         .limit(1)) or db.session.scalar(
            select(Placement.id).where(Placement.community_id == cid).limit(1)):
        return {}
    worker = db.session.scalar(select(User).where(User.community_id == cid,
                                                  User.username == worker_username))
    for building in DEMO_BUILDINGS:
        assign(cid, building, worker)
    residents = db.session.scalars(select(Person).where(
        Person.community_id == cid, Person.building == DEMO_BUILDINGS[0], Person.in_roster.is_(True))
        .order_by(Person.unit, Person.room, Person.id).limit(3)).all()
    start = local_day(utcnow()) - timedelta(days=3)
    placements = []
    for n, person in enumerate(residents):
        kind = "monitoring" if n == 2 else "quarantine"
        placements.append(place(person, kind, "密接" if kind == "quarantine" else "返京",
                                start, 14, None))
    if residents:
        first = residents[0]
        if db.session.scalar(select(DoorSensor.id).where(DoorSensor.community_id == cid,
                                                         DoorSensor.sensor_id == DEMO_SENSOR)) is None:
            add_sensor(cid, DEMO_SENSOR, first.building, first.unit, first.room)
    return {"buildings": len(DEMO_BUILDINGS), "placements": len(placements), "sensor": DEMO_SENSOR}
