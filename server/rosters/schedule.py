"""Building a gate's week of shifts and rostering people on them.

Shifts are stored with their UTC start and end; a week is the seven local days (server/clock.py)
from a Monday. Templates cover 24 hours: 3×8 h or 2×12 h from a start hour."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..access import scoped
from ..audit import audit
from ..clock import local, local_at
from ..extensions import db
from ..models import DutyAssignment, DutyShift, Site, User, utcnow

# name -> hours per shift (the shifts of a day cover 24 h)
TEMPLATES = {"3x8": 8, "2x12": 12}
NEEDED = (2, 3, 4)  # "每個卡點2—4人固定在崗"
DUTY_ROLES = ("volunteer",)  # who may be rostered at a gate (supervisors may step in too)


class RosterError(ValueError):
    """Bad input for a roster: said to the user, nothing changed."""


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def local_start(shift: DutyShift) -> datetime:
    return local(shift.starts_at)


def shift_day(shift: DutyShift) -> date:
    """The local day a shift belongs to (the day of its start)."""
    return local_start(shift).date()


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    return local_at(monday), local_at(monday + timedelta(days=7))


def gates(community_id: int) -> list[Site]:
    return db.session.scalars(scoped(Site, community_id).where(Site.kind == "gate")
                              .order_by(Site.code)).all()


def duty_people(community_id: int) -> list[User]:
    """Users who may be rostered: the community's active gate volunteers, then the others."""
    users = db.session.scalars(scoped(User, community_id).where(User.active.is_(True))
                               .order_by(User.display_name, User.username)).all()
    return sorted(users, key=lambda u: u.role not in DUTY_ROLES)


def create_week(site: Site, monday: date, template: str, needed: int, start_hour: int, user) -> int:
    """The week's shifts at a gate from a template; shifts that exist already are kept (a
    second click changes nothing). Returns how many were added."""
    if template not in TEMPLATES:
        raise RosterError("template")
    if needed not in NEEDED:
        raise RosterError("needed")
    if not 0 <= start_hour <= 23:
        raise RosterError("start_hour")
    hours = TEMPLATES[template]
    start, end = week_bounds(monday)
    # Shifts reaching into the week (a night shift from the Sunday before counts too).
    taken = [tuple(row) for row in db.session.execute(select(DutyShift.starts_at, DutyShift.ends_at).where(
        DutyShift.site_id == site.id, DutyShift.starts_at < end + timedelta(hours=24),
        DutyShift.ends_at > start))]
    added = 0
    for day in week_days(monday):
        for n in range(24 // hours):
            begins = local_at(day) + timedelta(hours=start_hour + n * hours)
            ends = begins + timedelta(hours=hours)
            if any(a < ends and begins < b for a, b in taken):
                continue  # overlapping an existing shift: the supervisor's earlier plan wins
            db.session.add(DutyShift(community_id=site.community_id, site_id=site.id, starts_at=begins,
                                     ends_at=ends, needed=needed, created_by=user.id))
            taken.append((begins, ends))
            added += 1
    if added:
        audit("roster_week_created", target=f"site:{site.id}", week=monday.isoformat(),
              template=template, needed=needed, shifts=added)
    return added


def week_shifts(site_id: int, monday: date) -> list[DutyShift]:
    start, end = week_bounds(monday)
    return db.session.scalars(select(DutyShift).where(
        DutyShift.site_id == site_id, DutyShift.starts_at >= start, DutyShift.starts_at < end)
        .order_by(DutyShift.starts_at)).all()


def current_assignments(shift_ids) -> dict[int, list[DutyAssignment]]:
    """shift id -> its people now rostered, in the order they were added."""
    found: dict[int, list[DutyAssignment]] = {i: [] for i in shift_ids}
    if not found:
        return found
    rows = db.session.scalars(select(DutyAssignment).where(
        DutyAssignment.shift_id.in_(list(found)), DutyAssignment.removed_at.is_(None))
        .order_by(DutyAssignment.id))
    for row in rows:
        found[row.shift_id].append(row)
    return found


def staffed_counts(shift_ids) -> dict[int, int]:
    if not shift_ids:
        return {}
    return dict(db.session.execute(select(DutyAssignment.shift_id, func.count()).where(
        DutyAssignment.shift_id.in_(list(shift_ids)), DutyAssignment.removed_at.is_(None))
        .group_by(DutyAssignment.shift_id)).all())


def _duty_user(community_id: int, user_id: int) -> User:
    user = db.session.scalar(scoped(User, community_id).where(User.id == user_id, User.active.is_(True)))
    if user is None:
        raise RosterError("user")
    return user


def assign(shift: DutyShift, user_id: int, by, swapped_from: int | None = None) -> DutyAssignment | None:
    """Roster a person on a shift; None when they are on it already (nothing changes)."""
    person = _duty_user(shift.community_id, user_id)
    on_it = db.session.scalar(select(DutyAssignment).where(
        DutyAssignment.shift_id == shift.id, DutyAssignment.user_id == person.id,
        DutyAssignment.removed_at.is_(None)))
    if on_it is not None:
        return None
    row = DutyAssignment(community_id=shift.community_id, shift_id=shift.id, user_id=person.id,
                         created_by=by.id, swapped_from=swapped_from)
    db.session.add(row)
    db.session.flush()
    audit("roster_assigned", target=f"shift:{shift.id}", user_id=person.id, assignment=row.id)
    return row


def remove(row: DutyAssignment, by) -> None:
    if row.removed_at is None:
        row.removed_at, row.removed_by = utcnow(), by.id
        audit("roster_removed", target=f"shift:{row.shift_id}", user_id=row.user_id, assignment=row.id)


def swap(row: DutyAssignment, user_id: int, by) -> DutyAssignment:
    """Someone else takes this person's place on the shift (换班): both ends are kept."""
    if row.removed_at is not None:
        raise RosterError("removed")
    if user_id == row.user_id:
        raise RosterError("same")
    shift = db.session.get(DutyShift, row.shift_id)
    _duty_user(shift.community_id, user_id)
    remove(row, by)
    new = assign(shift, user_id, by, swapped_from=row.id)
    if new is None:
        raise RosterError("already")
    audit("roster_swapped", target=f"shift:{shift.id}", from_user=row.user_id, to_user=user_id,
          assignment=new.id)
    return new


def repeat_day(site: Site, monday: date, day: date, by) -> int:
    """Roster the same people as on `day` on the same shifts of the week's other days
    (fixed crews: "固定在岗"). Returns how many assignments were added."""
    shifts = week_shifts(site.id, monday)
    by_day: dict[date, dict[time, DutyShift]] = {}
    for s in shifts:
        by_day.setdefault(shift_day(s), {})[local_start(s).timetz().replace(tzinfo=None)] = s
    source = by_day.get(day)
    if not source:
        raise RosterError("empty_day")
    people = current_assignments([s.id for s in source.values()])
    added = 0
    for other, slots in by_day.items():
        if other == day:
            continue
        for at, model in source.items():
            target = slots.get(at)
            if target is None:
                continue
            for row in people[model.id]:
                if assign(target, row.user_id, by) is not None:
                    added += 1
    return added


@dataclass
class OnDuty:
    shift: DutyShift | None
    people: list[User]
    next_shift: DutyShift | None
    next_people: list[User]


def on_duty(site_id: int, now: datetime) -> OnDuty:
    """Who is rostered at a gate now, and who takes over next."""
    current = db.session.scalar(select(DutyShift).where(
        DutyShift.site_id == site_id, DutyShift.starts_at <= now, DutyShift.ends_at > now))
    after = current.ends_at if current else now
    following = db.session.scalar(select(DutyShift).where(
        DutyShift.site_id == site_id, DutyShift.starts_at >= after).order_by(DutyShift.starts_at).limit(1))
    ids = [s.id for s in (current, following) if s is not None]
    rows = current_assignments(ids)
    return OnDuty(current, [r.user for r in rows.get(current.id, [])] if current else [],
                  following, [r.user for r in rows.get(following.id, [])] if following else [])
