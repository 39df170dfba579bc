"""A worker's task list: their flags, the latest alert, and the day's tasks of their buildings
(the /tasks page and the phones' /api/v1/tasks)."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Flag, Person, Placement, Retest
from .grids import task_buildings
from .households import needs_of
from ..clock import local_day
from .quarantine import active_filter, due_slots


def in_my_buildings(user, buildings):
    """The filter of the people of `buildings` in the user's community."""
    return (Person.community_id == user.community_id, Person.building.in_(buildings))


def my_flags(user, buildings):
    """Open Flags about the residents (or a household's door) of `buildings`."""
    return db.session.execute(select(Flag, Person).join(Person, Person.id == Flag.person_id)
                              .where(*in_my_buildings(user, buildings), Flag.resolved_at.is_(None))
                              .order_by(Flag.created_at.desc(), Flag.id.desc())).all()


def latest_alert(user) -> dict:
    """The newest open alert routed to `user` and how many are open: what the open page polls
    (two small indexed queries; no personal data)."""
    buildings = task_buildings(user)
    if not buildings:
        return {"latest": 0, "open": 0}
    latest, count = db.session.execute(
        select(func.max(Flag.id), func.count(Flag.id)).join(Person, Person.id == Flag.person_id)
        .where(*in_my_buildings(user, buildings), Flag.resolved_at.is_(None))).one()
    return {"latest": latest or 0, "open": count}


def my_tasks(user, now) -> dict:
    """What the buildings of `user` (their own and their grid's) need from them now."""
    buildings = task_buildings(user)
    mine = in_my_buildings(user, buildings)
    flags = my_flags(user, buildings)
    retests = db.session.execute(select(Retest, Person).join(Person, Person.id == Retest.person_id)
                                 .where(*mine, Retest.status != "closed")
                                 .order_by(Retest.created_at)).all()
    placements = db.session.scalars(select(Placement).join(Person, Person.id == Placement.person_id)
                                    .where(*mine, *active_filter(local_day(now)))
                                    .order_by(Person.building, Person.unit, Person.room, Person.id)).all()
    reports = [{"placement": p, "due": due_slots(p, now)} for p in placements]
    needs = needs_of(user.community_id, buildings, local_day(now))
    return {"buildings": buildings, "flags": flags, "retests": retests, "reports": reports,
            "needs": needs, "latest_alert": max((f.id for f, _p in flags), default=0)}
