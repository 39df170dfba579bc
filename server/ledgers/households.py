"""Households (户): placing all residents of a household under quarantine or monitoring at
once, and the household's needs (meals, rubbish, medicine) as tasks with due times for the
building's worker, done or not done.

A household is a roster address (building, unit, room); its door sensor is found by the same
address (server/ledgers/doors.py), so the door alarm follows the household placement."""
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from offline.text import clean_line
from ..audit import audit
from ..clock import day_bounds, local_at
from ..extensions import db
from ..models import HouseholdNeed, Person, Placement
from ..models.households import NEED_KINDS
from .quarantine import LedgerError, active_filter, place


def household_of(person: Person) -> tuple[str, str, str]:
    return person.building or "", person.unit or "", person.room or ""


def residents(community_id: int, building: str, unit: str, room: str) -> list[Person]:
    """The roster residents living at one address."""
    where = [Person.community_id == community_id, Person.in_roster.is_(True), Person.building == building]
    for column, value in ((Person.unit, unit), (Person.room, room)):
        where.append(column == value if value else or_(column.is_(None), column == ""))
    return list(db.session.scalars(select(Person).where(*where).order_by(Person.id)))


def place_household(community_id: int, building: str, unit: str, room: str, kind: str,
                    reason: str, start: date, days: int, user) -> list[Placement]:
    """Every roster resident of the household placed with the same dates (all or none), and,
    for home quarantine, the household's daily needs for those days. Flushes."""
    people = residents(community_id, building, unit or "", room or "")
    if not people:
        raise LedgerError(_("No resident of the roster lives there."))
    placements = [place(person, kind, reason, start, days, user) for person in people]
    if kind == "quarantine":
        add_daily_needs(community_id, (building, unit or "", room or ""), start,
                        placements[0].end_date, user)
    audit("household_placed", target=f"household:{building}-{unit}-{room}", community_id=community_id,
          user=user, placements=[p.id for p in placements], kind=kind)
    return placements


def add_daily_needs(community_id: int, household: tuple, first: date, last: date, user) -> int:
    """HOUSEHOLD_NEED_TIMES for each day from first to last (those not there yet). Flushes."""
    building, unit, room = household
    existing = set(db.session.scalars(select(HouseholdNeed.due_at).where(
        HouseholdNeed.community_id == community_id, HouseholdNeed.building == building,
        HouseholdNeed.unit == unit, HouseholdNeed.room == room)))
    existing = {d.replace(microsecond=0) for d in existing}
    added, day = 0, first
    while day <= last:
        for kind, times in current_app.config["HOUSEHOLD_NEED_TIMES"].items():
            for hhmm in times:
                hours, minutes = map(int, hhmm.split(":"))
                due = local_at(day, time(hours, minutes))
                if due in existing:
                    continue
                db.session.add(HouseholdNeed(community_id=community_id, building=building, unit=unit,
                                             room=room, kind=kind, due_at=due,
                                             created_by=getattr(user, "id", None)))
                added += 1
        day += timedelta(days=1)
    db.session.flush()
    return added


def add_need(community_id: int, household: tuple, kind: str, due_at: datetime, note: str, user) -> HouseholdNeed:
    """One need (medicine, other...) of a household at a time, audited. Flushes."""
    if kind not in NEED_KINDS:
        raise LedgerError(_("Choose what the household needs."))
    building, unit, room = household
    need = HouseholdNeed(community_id=community_id, building=building, unit=unit or "", room=room or "",
                         kind=kind, due_at=due_at, note=clean_line(note or "")[:200] or None,
                         created_by=getattr(user, "id", None))
    db.session.add(need)
    db.session.flush()
    audit("household_need_added", target=f"need:{need.id}", community_id=community_id, user=user, kind=kind)
    return need


def mark_need(need: HouseholdNeed, done: bool, at: datetime, user, record_id: str | None = None) -> None:
    """Done (when, by whom) or back to not done; audited either way."""
    need.done_at, need.done_by = (at, user.id) if done else (None, None)
    need.done_record_id = record_id
    audit("household_need_done" if done else "household_need_undone", target=f"need:{need.id}",
          community_id=need.community_id, user=user, kind=need.kind)


def needs_of(community_id: int, buildings, day: date) -> list[HouseholdNeed]:
    """The needs of `day` (local) in `buildings`, of households with a placement running."""
    if not buildings:
        return []
    start, end = day_bounds(day)
    running = select(Person.building, Person.unit, Person.room).join(
        Placement, Placement.person_id == Person.id).where(
        Person.community_id == community_id, Person.building.in_(buildings), *active_filter(day))
    households = {(b or "", u or "", r or "") for b, u, r in db.session.execute(running)}
    needs = db.session.scalars(select(HouseholdNeed).where(
        HouseholdNeed.community_id == community_id, HouseholdNeed.building.in_(buildings),
        HouseholdNeed.due_at >= start, HouseholdNeed.due_at < end)
        .order_by(HouseholdNeed.due_at, HouseholdNeed.building, HouseholdNeed.unit, HouseholdNeed.room))
    return [n for n in needs if (n.building, n.unit, n.room) in households]


def need_address(need: HouseholdNeed) -> str:
    return "-".join(p for p in (need.building, need.unit, need.room) if p)
