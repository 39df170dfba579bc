"""What a sampling round knows: which round covers a day, its bounds and scope, who was sampled
in it (coverage, progress per day, the not-yet-sampled list) and its figures frozen at closing.

Other code asks here, never the table directly: the gate's "not sampled in this round" uses
sampled_in_open_round(); coverage, the door-to-door list and the daily review use
round_covering() + round_bounds() to count a round's days as one."""
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..clock import day_bounds, local_day, local_today
from ..extensions import db
from ..models import Person, Sample, SamplingRound, utcnow
from ..review.categories import codes
from ..labels import natural_key
from .coverage import coverage, sampled_people

QUARANTINE_TAG = "home-quarantine"


def priority_tags(community_id: int) -> frozenset[str]:
    """Chased first on the "not yet sampled" lists: the community's special-group categories
    (the ones the ledger and coverage use) and people under home quarantine."""
    return frozenset(codes(community_id)) | {QUARANTINE_TAG}


def round_covering(community_id: int, day: date) -> SamplingRound | None:
    """The round whose days include `day` (the latest started if several do), open or closed:
    a closed round still counts its own days by round."""
    return db.session.scalar(select(SamplingRound).where(
        SamplingRound.community_id == community_id, SamplingRound.start_day <= day,
        SamplingRound.end_day >= day).order_by(SamplingRound.start_day.desc(), SamplingRound.id.desc()).limit(1))


def open_round(community_id: int, day: date | None = None) -> SamplingRound | None:
    """The round not yet closed whose days include today (or `day`)."""
    day = day or local_today()
    return db.session.scalar(select(SamplingRound).where(
        SamplingRound.community_id == community_id, SamplingRound.closed_at.is_(None),
        SamplingRound.start_day <= day, SamplingRound.end_day >= day)
        .order_by(SamplingRound.start_day.desc(), SamplingRound.id.desc()).limit(1))


def round_bounds(rnd: SamplingRound, upto: date | None = None) -> tuple[datetime, datetime]:
    """UTC range from the round's first local day to the end of `upto` (default its last day)."""
    last = min(upto, rnd.end_day) if upto else rnd.end_day
    return day_bounds(rnd.start_day)[0], day_bounds(last)[1]


def in_scope(rnd: SamplingRound):
    """include(compound, building, tags) for coverage(): the round's compounds, buildings and
    groups (empty: all)."""
    compounds, buildings, groups = set(rnd.compounds or ()), set(rnd.buildings or ()), set(rnd.groups or ())

    def include(compound, building, tags) -> bool:
        return ((not compounds or (compound or "") in compounds)
                and (not buildings or (building or "") in buildings)
                and (not groups or bool(groups & set((tags or "").split(";")))))
    return include


def sampled_in_open_round(community_id: int) -> set[int] | None:
    """Ids of the people with a live sample in the community's open round (from its first day
    to now); None when no round is open. The gate shows "not sampled in this round" from it."""
    rnd = open_round(community_id)
    if rnd is None:
        return None
    return sampled_people(community_id, *round_bounds(rnd))


def round_coverage(rnd: SamplingRound, upto: date | None = None) -> dict:
    """coverage() of the round's scope over its days up to `upto` (a day's page shows the
    round as it stood at the end of that day)."""
    return coverage(rnd.community_id, *round_bounds(rnd, upto), include=in_scope(rnd))


def round_days(rnd: SamplingRound) -> list[date]:
    return [rnd.start_day + timedelta(days=i) for i in range((rnd.end_day - rnd.start_day).days + 1)]


@dataclass
class RoundState:
    """The round's roster (plain columns only: no decryption) and who of the community was
    sampled in it so far: read once per page, shared by figures, progress and the lists."""
    scope: list  # rows (id, compound, building, unit, room, tags) of the round's scope
    sampled: set[int]


def round_state(rnd: SamplingRound) -> RoundState:
    include = in_scope(rnd)
    rows = db.session.execute(select(Person.id, Person.compound, Person.building, Person.unit, Person.room,
                                     Person.tags).where(Person.community_id == rnd.community_id,
                                                        Person.in_roster.is_(True)))
    return RoundState([r for r in rows if include(r.compound, r.building, r.tags)],
                      sampled_people(rnd.community_id, *round_bounds(rnd)))


def progress(rnd: SamplingRound, state: RoundState | None = None) -> list[dict]:
    """Per day of the round: people of the scope sampled for the first time that day, and the
    total so far (a resident sampled on day one counts once, on day one)."""
    state = state or round_state(rnd)
    scope_ids = {r.id for r in state.scope}
    start, end = round_bounds(rnd)
    firsts = db.session.execute(select(Sample.person_id, func.min(Sample.recorded_at)).where(
        Sample.community_id == rnd.community_id, Sample.voided_at.is_(None),
        Sample.recorded_at >= start, Sample.recorded_at < end).group_by(Sample.person_id))
    new: dict[date, int] = {}
    for pid, at in firsts:
        if pid in scope_ids:
            day = local_day(at)
            new[day] = new.get(day, 0) + 1
    rows, total = [], 0
    for day in round_days(rnd):
        total += new.get(day, 0)
        rows.append({"day": day.isoformat(), "new": new.get(day, 0), "total": total})
    return rows


def figures(rnd: SamplingRound, state: RoundState | None = None) -> dict:
    """The round's figures: frozen ones once closed, live ones while open."""
    if rnd.closed_at is not None and rnd.figures:
        return rnd.figures
    state = state or round_state(rnd)
    buildings: dict[str, list[int]] = {}
    missing_special = 0
    priority = priority_tags(rnd.community_id)
    for row in state.scope:
        counts = buildings.setdefault(row.building or "", [0, 0])
        counts[0] += 1
        if row.id in state.sampled:
            counts[1] += 1
        elif is_priority(row.tags, priority):
            missing_special += 1
    buildings = dict(sorted(buildings.items(), key=lambda kv: natural_key((kv[0],))))
    return {"roster": len(state.scope), "sampled": sum(c[1] for c in buildings.values()),
            "days": progress(rnd, state), "buildings": buildings, "missing_special": missing_special}


def close_round(rnd: SamplingRound, user_id: int) -> None:
    """Close and freeze the figures. The caller commits (and audits)."""
    rnd.figures = figures(rnd)
    rnd.closed_at, rnd.closed_by = utcnow(), user_id


def not_yet_sampled(rnd: SamplingRound, buildings: list[str] | None = None, limit: int = 500,
                    state: RoundState | None = None) -> list[Person]:
    """Roster people of the round's scope (of `buildings` if given) without a sample in the
    round so far: special groups first, then by building, unit and room."""
    state = state or round_state(rnd)
    wanted = set(buildings) if buildings is not None else None
    rows = [r for r in state.scope if r.id not in state.sampled and (wanted is None or (r.building or "") in wanted)]
    part = functools.lru_cache(maxsize=None)(lambda text: natural_key((text or "",)))  # few distinct values
    priority = priority_tags(rnd.community_id)
    rows.sort(key=lambda r: (not is_priority(r.tags, priority), part(r.building), part(r.unit), part(r.room), r.id))
    ids = [r.id for r in rows[:limit]]
    # Only the listed people are decrypted (names are masked on the page).
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return [people[i] for i in ids]


def is_priority(tags: str | None, priority: frozenset[str]) -> bool:
    return bool(tags) and any(t in priority for t in tags.split(";"))


def coverage_for_day(community_id: int, day: date) -> tuple[dict, SamplingRound | None]:
    """coverage() as a day's pages count it: by the round covering the day (its scope, from its
    first day to the end of `day`), else by the local day alone."""
    rnd = round_covering(community_id, day)
    if rnd is None:
        return coverage(community_id, *day_bounds(day)), None
    return round_coverage(rnd, day), rnd


def sampled_for_day(community_id: int, day: date) -> set[int]:
    """Who counts as sampled on `day`: in its round so far, else on the day."""
    rnd = round_covering(community_id, day)
    return sampled_people(community_id, *(round_bounds(rnd, day) if rnd else day_bounds(day)))
