"""What the capture screens check offline: the roster index (where each resident lives, a
masked name, what the gate should know about them, which personal codes and documents belong to
one person) and the home-quarantine watch list, all by *slot* (server/api/phoneindex.py): a hash
too short to give a number back, shared by dozens of plausible numbers. The phone says
"probably a resident / on the list: check"; the server decides at sync.

The server's HASH_KEY never leaves it: each community gets its own derived index key.
"""
from flask import current_app, g, jsonify
from sqlalchemy import or_, select

from ..clock import local_day
from ..extensions import db
from ..gate.status import OPEN_RETEST, statuses
from ..ledgers.quarantine import WATCH_TAG, watched_people
from ..models import Person, Retest, utcnow
from .phoneindex import (SCHEME, code_hash, expected_candidates, false_match_rate, index_key,
                          person_key, region_count, slot, slot_bits)
from ..privacy import mask_name
from . import bp
from .auth import token_required


def _people(community_id: int, now) -> list[Person]:
    """Everyone a phone may need to recognise: roster residents, holders of a personal code,
    and anyone with a status (a quarantined or retest person outside the roster)."""
    people = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.community_id == community_id,
        or_(Person.in_roster.is_(True), Person.personal_code.is_not(None))))}
    people.update({p.id: p for p in watched_people(community_id, local_day(now))})
    retest = select(Retest.person_id).where(Retest.community_id == community_id,
                                            Retest.status.in_(OPEN_RETEST))
    people.update({p.id: p for p in db.session.scalars(select(Person).where(
        Person.community_id == community_id, Person.id.in_(retest), Person.id.not_in(people)))})
    return list(people.values())


def phone_index(community, now=None) -> dict:
    """The community's index for phones (the body of GET /api/v1/roster-index)."""
    now = now or utcnow()
    people = _people(community.id, now)
    key = index_key(community.code)
    regions = region_count(p.doc_number for p in people if p.doc_type == "cn_ric")
    bits = slot_bits(regions)
    status_of = statuses(community.id, {p.id for p in people}, now)
    entries, codes, documents, watched = {}, {}, {}, set()
    for p in people:
        at = slot(key, bits, p.doc_type, p.doc_number)
        entry = {"resident": bool(p.in_roster)}
        if p.in_roster:
            entry.update(compound=p.compound, address=p.address, name=mask_name(p.name))
        if p.id in status_of:
            entry["status"] = status_of[p.id]
            if "quarantine" in status_of[p.id]:
                watched.add(at)
        if p.in_roster or p.id in status_of:
            entries.setdefault(at, []).append(entry)
        if p.personal_code:
            link = person_key(key, p.id)
            codes[code_hash(key, p.personal_code)] = link
            documents.setdefault(at, []).append(link)
    used = len(entries.keys() | documents.keys())
    return {"community": community.code, "scheme": SCHEME, "bits": bits, "key": key.hex(),
            "entries": entries, "codes": codes, "documents": documents, "watched": sorted(watched),
            "sample_max_age_hours": current_app.config["SAMPLE_MAX_AGE_HOURS"],
            "figures": {"region_codes": regions, "candidates_per_slot": expected_candidates(regions, bits),
                        "false_match_rate": false_match_rate(used, bits)}}


@bp.get("/roster-index")
@token_required
def roster_index():
    """Residents by slot: where they live, a masked name, their statuses (server/gate/status.py).

    `entries[slot]` is a list: a slot holds every resident whose number falls in it (a few
    share one). For everyone holding a personal code (in the roster or self-registered),
    `codes` maps the hash of the code's token and `documents` the slot of their document to one
    opaque person key: a phone that sees the same resident by QR code and by ID card knows it
    is probably one person, and a code missing from `codes` is not a code of this community."""
    return jsonify(phone_index(g.user.community))


@bp.get("/watchlist")
@token_required
def watchlist():
    """The slots of the people under home quarantine today (the quarantine ledger,
    server/ledgers/quarantine.py): the roster index's `watched`, under the same key and slot
    length (a second key would let an attacker intersect the two lists' candidates)."""
    index = phone_index(g.user.community)
    return jsonify(community=index["community"], tag=WATCH_TAG, scheme=index["scheme"],
                   bits=index["bits"], key=index["key"], hashes=index["watched"])
