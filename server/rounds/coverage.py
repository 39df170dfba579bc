"""Who of the roster was sampled between two instants, per compound, building and unit (不漏一户、
不落一人): the count the coverage page, a round's figures and the daily review share."""
from sqlalchemy import select

from ..extensions import db
from ..labels import natural_key
from ..models import Person, Sample
from ..review.categories import codes


def sampled_people(community_id: int, start, end) -> set[int]:
    """Ids of the people with a (non-voided) sample between start and end."""
    return set(db.session.scalars(
        select(Sample.person_id).where(Sample.community_id == community_id, Sample.voided_at.is_(None),
                                       Sample.recorded_at >= start, Sample.recorded_at < end).distinct()))


def coverage(community_id: int, start, end, include=None) -> dict:
    """Counts per (compound, building, unit) and the ids of roster people not sampled.
    include(compound, building, tags) -> bool narrows the roster (a round's scope)."""
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
    return {"units": dict(sorted(units.items(), key=lambda kv: natural_key(kv[0]))),
            "roster": sum(c[0] for c in units.values()), "sampled": sum(c[1] for c in units.values()),
            "sampled_ids": sampled, "missing_special": missing_special}
