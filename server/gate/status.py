"""What the gate should know about a person, offline: one function per status source.

Each source takes (community id, person ids, now) and returns the ids, among those given, that
have its status. The roster index (server/api/watchlist.py) attaches the codes to the people's
slots; the phone (static/js/gate-messages.js `statuses`) has a message for every code: a new
status is a function here, one entry in SOURCES and one message on the phone.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..clock import local_day
from ..extensions import db
from ..ledgers.quarantine import watched_people
from ..models import Person, Retest, Sample
from ..rounds.status import in_scope, open_round, sampled_in_open_round

# Retests not done yet: the person still has to give a single sample.
OPEN_RETEST = ("pending", "contacted")


def retest(community_id: int, person_ids: set[int], now: datetime) -> set[int]:
    """On the retest list of a positive or invalid pool, not yet retested (单采复核)."""
    if not person_ids:
        return set()
    found = db.session.scalars(select(Retest.person_id).where(
        Retest.community_id == community_id, Retest.status.in_(OPEN_RETEST)))
    return set(found) & person_ids


def quarantine(community_id: int, person_ids: set[int], now: datetime) -> set[int]:
    """Under home quarantine today (the quarantine ledger, or the roster's tag)."""
    return {p.id for p in watched_people(community_id, local_day(now))} & person_ids


def no_recent_sample(community_id: int, person_ids: set[int], now: datetime) -> set[int]:
    """No sample (not voided) in the last SAMPLE_MAX_AGE_HOURS hours, or none at all."""
    if not person_ids:
        return set()
    since = now - timedelta(hours=current_app.config["SAMPLE_MAX_AGE_HOURS"])
    ours = set(db.session.scalars(select(Person.id).where(Person.community_id == community_id)))
    recent = db.session.scalars(select(Sample.person_id).distinct().where(
        Sample.community_id == community_id, Sample.voided_at.is_(None), Sample.recorded_at >= since))
    return (person_ids & ours) - set(recent)


def not_in_round(community_id: int, person_ids: set[int], now: datetime) -> set[int]:
    """Not sampled in the community's open round (全员核酸第 N 轮) so far; nobody when no round
    is open. Only roster people of the round's scope are chased."""
    sampled = sampled_in_open_round(community_id)
    if sampled is None or not person_ids:
        return set()
    include = in_scope(open_round(community_id))
    rows = db.session.execute(select(Person.id, Person.compound, Person.building, Person.tags).where(
        Person.community_id == community_id, Person.in_roster.is_(True), Person.id.in_(person_ids)))
    return {r.id for r in rows if r.id not in sampled and include(r.compound, r.building, r.tags)}


# code -> source; the order is the order the phone lists them in.
SOURCES = {"retest": retest, "quarantine": quarantine, "not_in_round": not_in_round,
           "no_recent_sample": no_recent_sample}
CODES = tuple(SOURCES)  # the codes a phone can show


def statuses(community_id: int, person_ids: set[int], now: datetime) -> dict[int, list[str]]:
    """person id -> status codes (only people with at least one)."""
    found: dict[int, list[str]] = {}
    for code, source in SOURCES.items():
        for person_id in source(community_id, person_ids, now):
            found.setdefault(person_id, []).append(code)
    return found
