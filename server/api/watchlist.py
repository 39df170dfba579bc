"""What the capture screens check offline, as keyed hashes only: the home-quarantine watch list
and the roster index (building and masked name of each resident; which personal codes and
documents belong to the same person).

The server's HASH_KEY never leaves it: each community and purpose gets its own derived key,
HMAC(HASH_KEY, purpose + ":" + community code), and the phone receives that key plus
HMAC-SHA256(key, "doc_type:normalised number") per person. The phone hashes a scanned number
the same way (WebCrypto) and looks it up; it never holds a document number of the list.
The numbers have little entropy, so these hashes are only as private as the phone that holds
the key: they keep plaintext off the phone, they do not make a stolen phone harmless.
"""
import hashlib
import hmac

from flask import current_app, g, jsonify
from sqlalchemy import or_, select

from ..extensions import db
from ..ledgers.quarantine import WATCH_TAG, local_day, watched_people
from ..models import Person, utcnow
from ..privacy import _decode_key, mask_name, normalise_doc_number
from . import bp
from .auth import token_required


def phone_key(purpose: str, community_code: str) -> bytes:
    """A key for phones, derived from HASH_KEY (which stays on the server)."""
    root = _decode_key(current_app.config["HASH_KEY"], "HASH_KEY")
    return hmac.new(root, f"{purpose}:{community_code}".encode(), hashlib.sha256).digest()


def phone_hash(key: bytes, doc_type: str, doc_number: str) -> str:
    message = f"{doc_type}:{normalise_doc_number(doc_number)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_hash(key: bytes, token: str) -> str:
    """The phone's look-up hash of a personal code's token (case matters: base64url)."""
    return hmac.new(key, f"code:{token}".encode(), hashlib.sha256).hexdigest()


def person_key(key: bytes, person_id: int) -> str:
    """An opaque per-person key: the same person under their code and their document gets
    the same key, and nothing of the person (no number, no row id) can be read from it."""
    return hmac.new(key, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:16]


@bp.get("/watchlist")
@token_required
def watchlist():
    """Keyed hashes of the document numbers of the people under home quarantine today (the
    quarantine ledger, server/ledgers/quarantine.py) in the user's community."""
    community = g.user.community
    key = phone_key("watchlist", community.code)
    people = watched_people(community.id, local_day(utcnow()))
    hashes = sorted({phone_hash(key, p.doc_type, p.doc_number) for p in people})
    return jsonify(community=community.code, tag=WATCH_TAG, algorithm="HMAC-SHA256",
                   key=key.hex(), hashes=hashes)


@bp.get("/roster-index")
@token_required
def roster_index():
    """Residents by keyed hash of their document number: where they live and a masked name.

    For everyone holding a personal code (in the roster or self-registered), `codes` maps the
    keyed hash of the code's token and `documents` the keyed hash of their document to one
    opaque person key: a phone that sees the same resident by QR code and by ID card knows it
    is one person, and a code missing from `codes` is not a code of this community. The links
    go through the person key, never through hash equality, so the hashes may be shortened."""
    community = g.user.community
    key = phone_key("roster", community.code)
    people = db.session.scalars(select(Person).where(
        Person.community_id == community.id,
        or_(Person.in_roster.is_(True), Person.personal_code.is_not(None))))
    entries, codes, documents = {}, {}, {}
    link_key = phone_key("person", community.code)
    for p in people:
        doc = phone_hash(key, p.doc_type, p.doc_number)
        if p.in_roster:
            entries[doc] = {"compound": p.compound, "address": p.address, "name": mask_name(p.name)}
        if p.personal_code:
            codes[code_hash(key, p.personal_code)] = documents[doc] = person_key(link_key, p.id)
    return jsonify(community=community.code, algorithm="HMAC-SHA256", key=key.hex(), entries=entries,
                   codes=codes, documents=documents)
