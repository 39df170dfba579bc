"""Actual presence at a gate: sign-ins (the gate screen opened online) and passages captured
there, against the roster. A rostered person seen at the gate during their shift was present;
one never seen is a no-show once the shift is GRACE old; someone seen at a gate when no shift
of theirs covers that time is on unrostered duty."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import DutyAssignment, DutyShift, GateEntry, GateSignIn, User, utcnow

GRACE = timedelta(minutes=30)  # early arrivals and late leavers still count for their shift
SIGN_IN_EVERY = timedelta(minutes=30)  # one sign-in row per user, gate and half hour


def record_sign_in(user, site_id: int, now: datetime | None = None) -> bool:
    """Note that `user` opened the gate screen of `site_id`; False when they did within the
    last half hour (a screen polling keeps one row per half hour)."""
    now = now or utcnow()
    recent = db.session.scalar(select(GateSignIn.id).where(
        GateSignIn.user_id == user.id, GateSignIn.site_id == site_id,
        GateSignIn.at > now - SIGN_IN_EVERY).limit(1))
    if recent is not None:
        return False
    db.session.add(GateSignIn(community_id=user.community_id, site_id=site_id, user_id=user.id, at=now))
    return True


def _seen(site_id: int, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
    """(user id, when) of every sign-in and passage at the gate in [start, end)."""
    signs = db.session.execute(select(GateSignIn.user_id, GateSignIn.at).where(
        GateSignIn.site_id == site_id, GateSignIn.at >= start, GateSignIn.at < end)).all()
    passages = db.session.execute(select(GateEntry.user_id, GateEntry.recorded_at).where(
        GateEntry.site_id == site_id, GateEntry.recorded_at >= start, GateEntry.recorded_at < end,
        GateEntry.user_id.is_not(None))).all()
    return sorted([(u, at) for u, at in (*signs, *passages)], key=lambda x: x[1])


@dataclass
class Unrostered:
    user: User
    first: datetime
    last: datetime
    times: int = 1


@dataclass
class Presence:
    present: dict = field(default_factory=dict)  # shift id -> set of user ids seen
    no_shows: list = field(default_factory=list)  # (shift, user)
    unrostered: list = field(default_factory=list)  # Unrostered


def presence(site_id: int, start: datetime, end: datetime, now: datetime | None = None) -> Presence:
    """Presence at one gate over [start, end) (the shifts starting in it)."""
    now = now or utcnow()
    shifts = db.session.scalars(select(DutyShift).where(
        DutyShift.site_id == site_id, DutyShift.starts_at < end, DutyShift.ends_at > start)
        .order_by(DutyShift.starts_at)).all()
    rows = db.session.scalars(select(DutyAssignment).where(
        DutyAssignment.shift_id.in_([s.id for s in shifts]), DutyAssignment.removed_at.is_(None))).all() \
        if shifts else []
    rostered: dict[int, set] = {s.id: set() for s in shifts}
    users = {}
    for row in rows:
        rostered[row.shift_id].add(row.user_id)
        users[row.user_id] = row.user
    seen = _seen(site_id, start - GRACE, end + GRACE)
    result = Presence(present={s.id: set() for s in shifts})
    loose: dict[int, Unrostered] = {}
    for user_id, at in seen:
        covering = [s for s in shifts if s.starts_at - GRACE <= at < s.ends_at + GRACE]
        mine = [s for s in covering if user_id in rostered[s.id]]
        for s in mine:
            result.present[s.id].add(user_id)
        if not mine and start <= at < end:
            if user_id in loose:
                loose[user_id].last, loose[user_id].times = at, loose[user_id].times + 1
            else:
                user = users.get(user_id) or db.session.get(User, user_id)
                loose[user_id] = Unrostered(user, at, at)
    for s in shifts:
        if s.starts_at + GRACE <= now:
            for user_id in sorted(rostered[s.id] - result.present[s.id]):
                result.no_shows.append((s, users[user_id]))
    result.unrostered = list(loose.values())
    return result
