"""Coverage of a sampling round (不漏一户、不落一人): the roster against who was sampled, per
compound, building and unit, with the not-yet-sampled people and special groups first."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..access import role_required, scoped
from ..extensions import db
from ..models import Person, Sample
from . import bp
from .periods import requested_day


def sampled_people(community_id: int, start, end) -> set[int]:
    """Ids of the people with a (non-voided) sample between start and end."""
    return set(db.session.scalars(
        select(Sample.person_id).where(Sample.community_id == community_id, Sample.voided_at.is_(None),
                                       Sample.recorded_at >= start, Sample.recorded_at < end).distinct()))


def coverage(community_id: int, start, end, include=None) -> dict:
    """Counts per (compound, building, unit) and the ids of roster people not sampled.
    include(compound, building, tags) -> bool narrows the roster (a round's scope)."""
    from ..review.categories import codes

    special = set(codes(community_id))  # the special-groups ledger's categories
    sampled = sampled_people(community_id, start, end)
    # Only plain columns: no decryption for counting 7,000 people.
    roster = db.session.execute(select(Person.id, Person.compound, Person.building, Person.unit, Person.tags)
                                .where(Person.community_id == community_id, Person.in_roster.is_(True)))
    units: dict[tuple, list[int]] = {}
    missing_special = []
    for pid, compound, building, unit, tags in roster:
        if include is not None and not include(compound, building, tags):
            continue
        counts = units.setdefault((compound or "", building or "", unit or ""), [0, 0])
        counts[0] += 1
        if pid in sampled:
            counts[1] += 1
        elif any(t in special for t in (tags or "").split(";")):
            missing_special.append(pid)
    return {"units": dict(sorted(units.items(), key=lambda kv: _natural(kv[0]))),
            "roster": sum(c[0] for c in units.values()), "sampled": sum(c[1] for c in units.values()),
            "sampled_ids": sampled, "missing_special": missing_special}


def _natural(key):
    # isascii: "²".isdigit() is True, int("²") fails.
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p)
                 for part in key for p in part.split("-"))


@bp.get("/coverage")
@role_required("supervisor")
def coverage_page():
    """Roster against samples of one day; not-yet-sampled people of one building on demand."""
    from ..rounds.status import coverage_for_day, in_scope, is_priority, priority_tags

    day = requested_day()
    data, rnd = coverage_for_day(current_user.community_id, day)
    building = request.args.get("building") or None
    special = db.session.scalars(scoped(Person).where(Person.id.in_(data["missing_special"][:500]))
                                 .order_by(Person.building, Person.unit, Person.room)).all()
    missing = []
    if building:
        include = in_scope(rnd) if rnd else None
        missing = [p for p in db.session.scalars(
            scoped(Person).where(Person.building == building, Person.in_roster.is_(True))
            .order_by(Person.unit, Person.room, Person.id)) if p.id not in data["sampled_ids"]
            and (include is None or include(p.compound, p.building, p.tags))]
        priority = priority_tags(current_user.community_id)
        missing.sort(key=lambda p: not is_priority(p.tags, priority))  # special groups first (stable)
    # {compound: {building: [total, sampled]}} and {compound: [total, sampled]}: the page
    # summarises per compound and folds the buildings of each.
    buildings: dict[str, dict[str, list[int]]] = {}
    compounds: dict[str, list[int]] = {}
    for (compound, b, _unit), (total, done) in data["units"].items():
        for counts in (buildings.setdefault(compound, {}).setdefault(b, [0, 0]),
                       compounds.setdefault(compound, [0, 0])):
            counts[0] += total
            counts[1] += done
    from ..review.categories import names

    return render_template("supervisor/coverage.html", day=day, data=data, rnd=rnd,
                           category_names=names(current_user.community_id),
                           buildings_by_compound=buildings, compounds=compounds,
                           building=building, missing=missing, special=special,
                           special_count=len(data["missing_special"]))
