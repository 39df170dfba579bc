"""Buildings and their workers (网格): who answers for a building, and routing to them.

A Flag, a Retest or a missed report is about a person; the person's building names the worker.
Routing is computed when read, so reassigning a building moves its open items with it. No
worker for the building: the item is unassigned and only the supervisor's board shows it."""
from sqlalchemy import select

from ..audit import audit
from ..extensions import db
from ..models import BuildingAssignment, Flag, Person, Placement, Retest, User


def worker_of_building(community_id: int, building: str | None) -> User | None:
    if not building:
        return None
    return db.session.scalar(select(User).join(BuildingAssignment, BuildingAssignment.user_id == User.id)
                             .where(BuildingAssignment.community_id == community_id,
                                    BuildingAssignment.building == building, User.active.is_(True)))


def responsible_worker(item) -> User | None:
    """The worker answering for a Flag, Retest, Placement (or its missed report) or Person:
    the worker assigned to the person's building (for a door flag, the household's building);
    None when nobody is assigned."""
    if isinstance(item, Person):
        return worker_of_building(item.community_id, item.building)
    if isinstance(item, Flag) and (item.detail or {}).get("building"):
        return worker_of_building(item.community_id, item.detail["building"])
    if isinstance(item, (Flag, Retest, Placement)) and item.person_id is not None:
        person = db.session.get(Person, item.person_id)
        return worker_of_building(item.community_id, person.building) if person else None
    return None


def buildings_of(user: User) -> list[str]:
    return list(db.session.scalars(select(BuildingAssignment.building).where(
        BuildingAssignment.community_id == user.community_id,
        BuildingAssignment.user_id == user.id).order_by(BuildingAssignment.building)))


def assign(community_id: int, building: str, user: User) -> BuildingAssignment:
    """Give a building to a worker (replacing its previous worker), audited. Flushes."""
    row = db.session.scalar(select(BuildingAssignment).where(
        BuildingAssignment.community_id == community_id, BuildingAssignment.building == building))
    previous = row.user_id if row else None
    if row is None:
        row = BuildingAssignment(community_id=community_id, building=building, user_id=user.id)
        db.session.add(row)
    row.user_id = user.id
    audit("building_assigned", target=f"building:{building}", community_id=community_id,
          worker=user.id, previous=previous)
    db.session.flush()
    return row


def unassign(community_id: int, building: str) -> bool:
    row = db.session.scalar(select(BuildingAssignment).where(
        BuildingAssignment.community_id == community_id, BuildingAssignment.building == building))
    if row is None:
        return False
    audit("building_unassigned", target=f"building:{building}", community_id=community_id,
          previous=row.user_id)
    db.session.delete(row)
    db.session.flush()
    return True


def routed_workers(community_id: int, flags, people: dict) -> dict[int, User | None]:
    """{flag id: worker or None} for the Flags about a building (a resident's, or a door
    sensor's household); Flags about no building are left out. One query for the board."""
    workers = {a.building: a.user for a in db.session.scalars(select(BuildingAssignment).where(
        BuildingAssignment.community_id == community_id))}
    routed = {}
    for flag in flags:
        person = people.get(flag.person_id)
        building = (flag.detail or {}).get("building") or (person.building if person else None)
        if building:
            routed[flag.id] = workers.get(building)
    return routed
