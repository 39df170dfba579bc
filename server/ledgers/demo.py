"""The demo community's ledgers: the gate volunteer looks after two buildings; the first
household of building 1-1 is under home quarantine (every resident, with its meals and rubbish
as tasks for every day, the last one due already done, two readings of yesterday morning kept, a door sensor);
a resident of another household is under health monitoring; grid 一网格 groups buildings
1-1 to 1-3 under its leader (user `gridlead`, PIN as the demo's). Idempotent."""
from datetime import time, timedelta

from sqlalchemy import select

from ..clock import local_at, local_today
from ..extensions import db
from ..models import BuildingAssignment, DoorSensor, HouseholdNeed, Person, Placement, User, utcnow
from .assignments import assign
from .doors import add_sensor
from .grids import create_grid, set_buildings
from .households import household_of, mark_need, place_household
from .quarantine import place, record_report

DEMO_GRID = ("一网格", ("1-1", "1-2", "1-3"))
GRID_LEADER = ("gridlead", "网格长")

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
        .order_by(Person.unit, Person.room, Person.id).limit(40)).all()
    start = local_today() - timedelta(days=3)
    placements = []
    if residents:
        first = residents[0]
        household = household_of(first)
        placements += place_household(cid, *household, "quarantine", "密接", start, 14, None)
        other = next((p for p in residents if household_of(p) != household), None)
        if other is not None:
            placements.append(place(other, "monitoring", "返京", start, 14, None))
        if db.session.scalar(select(DoorSensor.id).where(DoorSensor.community_id == cid,
                                                         DoorSensor.sensor_id == DEMO_SENSOR)) is None:
            add_sensor(cid, DEMO_SENSOR, first.building, first.unit, first.room)
        # Yesterday morning's temperature, reported by the resident and taken again by the
        # worker: both readings kept.
        morning = local_at(local_today() - timedelta(days=1), time(8, 0))
        record_report(placements[0], "36.5", morning, "self")
        record_report(placements[0], "36.7", morning + timedelta(minutes=30), "worker", user=worker)
        breakfast = db.session.scalar(select(HouseholdNeed).where(
            HouseholdNeed.community_id == cid, HouseholdNeed.due_at <= utcnow())
            .order_by(HouseholdNeed.due_at.desc()).limit(1))
        if breakfast is not None:
            mark_need(breakfast, True, utcnow(), worker)
    leader = _grid_leader(community, worker.pin_hash)  # the demo's users share one PIN
    grid = create_grid(cid, DEMO_GRID[0], leader)
    set_buildings(grid, DEMO_GRID[1])
    return {"buildings": len(DEMO_BUILDINGS), "placements": len(placements), "sensor": DEMO_SENSOR,
            "grid": DEMO_GRID[0]}


def _grid_leader(community, pin_hash: str) -> User:
    username, display = GRID_LEADER
    user = db.session.scalar(select(User).where(User.community_id == community.id, User.username == username))
    if user is None:
        user = User(community_id=community.id, username=username, role="volunteer", display_name=display,
                    pin_hash=pin_hash)
        db.session.add(user)
        db.session.flush()
    return user
