"""Special groups (特殊人群台账): roster people of the community's categories (categories.py:
独居、空巢、孤寡、残障…), their needs and the home visits made to them, and the door-to-door
sampling list.
Functions flush and audit (ids only: notes are personal data); the view commits."""
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_

from offline.text import clean_note

from ..access import scoped
from ..audit import audit
from ..clock import zone
from ..extensions import db
from ..inputs import InputError, parse_time
from ..labels import natural_key
from ..models import CareNeed, CareVisit, Person, utcnow
from ..models.followup import NEEDS
from ..rounds.status import sampled_for_day
from . import categories


class CareError(ValueError):
    """A need or visit form that cannot be saved; the message says why."""


def special_tags(person: Person, known=None) -> list[str]:
    """The person's categories (of the community's active ones, or of `known`)."""
    known = categories.codes(person.community_id) if known is None else known
    return [t for t in person.tag_list if t in known]


def _tagged(codes):
    """People carrying one of the tags (a LIKE narrows, tag_list decides)."""
    return or_(*[Person.tags.like(f"%{tag}%") for tag in codes]) if codes else Person.id.is_(None)


def active_needs(community_id: int, person_ids=None) -> dict[int, list[CareNeed]]:
    query = scoped(CareNeed, community_id).where(CareNeed.ended_at.is_(None))
    if person_ids is not None:
        query = query.where(CareNeed.person_id.in_(person_ids))
    needs: dict[int, list[CareNeed]] = {}
    for need in db.session.scalars(query.order_by(CareNeed.need)):
        needs.setdefault(need.person_id, []).append(need)
    return needs


def special_people(community_id: int, group: str | None = None, need: str | None = None) -> list[tuple]:
    """[(person, groups, active needs)] of the ledger, by address; filtered by group and need."""
    needs = active_needs(community_id)
    known = categories.codes(community_id)
    people = db.session.scalars(scoped(Person, community_id).where(
        or_(_tagged(known), Person.id.in_(list(needs)))))
    rows = []
    for person in people:
        groups, person_needs = special_tags(person, known), needs.get(person.id, [])
        if not groups and not person_needs:
            continue  # a LIKE match on another tag (a name containing a code)
        if group and group not in groups:
            continue
        if need and need not in [n.need for n in person_needs]:
            continue
        rows.append((person, groups, person_needs))
    rows.sort(key=lambda r: natural_key((r[0].compound or "", r[0].building or "", r[0].unit or "",
                                      r[0].room or "")))
    return rows


def add_need(person: Person, need: str, note: str) -> CareNeed:
    """Record a need (an already open need of the same kind gets the new note)."""
    if need not in NEEDS:
        raise CareError(_l("Choose a need."))
    note = clean_note(note or "")[:500] or None
    current = db.session.scalar(scoped(CareNeed, person.community_id).where(
        CareNeed.person_id == person.id, CareNeed.need == need, CareNeed.ended_at.is_(None)))
    if current is None:
        current = CareNeed(community_id=person.community_id, person_id=person.id, need=need,
                           created_by=_user_id())
        db.session.add(current)
    current.note = note
    db.session.flush()
    audit("record_need", target=f"person:{person.id}", need=need, need_id=current.id)
    return current


def end_need(need: CareNeed) -> None:
    if need.ended_at is None:
        need.ended_at = utcnow()
        db.session.flush()
        audit("end_need", target=f"person:{need.person_id}", need=need.need, need_id=need.id)


def add_visit(person: Person, visitor_id: int, visited_at: datetime, need: str | None, done: str) -> CareVisit:
    done = clean_note(done or "")
    if not done or len(done) > 500:
        raise CareError(_l("Write what was done (at most 500 characters)."))
    if visited_at > utcnow() + timedelta(minutes=5):
        raise CareError(_l("The visit cannot be in the future."))
    visit = CareVisit(community_id=person.community_id, person_id=person.id, visitor_id=visitor_id,
                      visited_at=visited_at, need=need if need in NEEDS else None, done=done,
                      created_by=_user_id())
    db.session.add(visit)
    db.session.flush()
    audit("record_visit", target=f"person:{person.id}", visit_id=visit.id, visitor=visitor_id)
    return visit


def parse_local_time(value: str) -> datetime:
    """A datetime-local input (local time) as an aware UTC datetime."""
    try:
        return parse_time(value, zone())
    except InputError:
        raise CareError(_l("Give the time of the visit.")) from None


def visits(community_id: int, person_id: int) -> list[CareVisit]:
    return db.session.scalars(scoped(CareVisit, community_id).where(CareVisit.person_id == person_id)
                              .order_by(CareVisit.visited_at.desc())).all()


def door_to_door(community_id: int, day: date) -> dict[tuple, list[tuple]]:
    """People to sample at home not sampled on the day (in its round so far, when a round covers
    the day): those with a door-to-door need, and those of a category sampled at home (the same
    categories as the ledger and coverage): {(compound, building, unit): [(person, note)]} by address."""
    sampled = sampled_for_day(community_id, day)
    rows = db.session.execute(scoped(CareNeed, community_id).add_columns(Person).join(
        Person, Person.id == CareNeed.person_id).where(
        CareNeed.need == "door_sampling", CareNeed.ended_at.is_(None)))
    found = {p.id: (p, need.note) for need, p in rows if p.id not in sampled}
    home = categories.home_sampling_codes(community_id)
    for person in db.session.scalars(scoped(Person, community_id).where(
            Person.in_roster.is_(True), _tagged(home))):
        if person.id not in sampled and person.id not in found and special_tags(person, home):
            found[person.id] = (person, None)
    todo = sorted(found.values(), key=lambda r: natural_key((r[0].compound or "", r[0].building or "",
                                                          r[0].unit or "", r[0].room or "")))
    grouped: dict[tuple, list[tuple]] = {}
    for person, note in todo:
        grouped.setdefault((person.compound or "", person.building or "", person.unit or ""), []).append(
            (person, note))
    return grouped


def _user_id():
    return current_user.id if current_user.is_authenticated else None
