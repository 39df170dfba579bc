"""The home-quarantine watch list for phones, as keyed hashes only (works offline).

The server's HASH_KEY never leaves it: each community gets its own derived key,
HMAC(HASH_KEY, "watchlist:" + community code), and the phone receives that key plus
HMAC-SHA256(key, "doc_type:normalised number") of each person on the list. The phone hashes a
scanned number the same way (WebCrypto) and checks membership; it never holds a listed number.
"""
import hashlib
import hmac

from flask import current_app, g, jsonify
from sqlalchemy import select

from ..extensions import db
from ..models import Person
from ..privacy import _decode_key, normalise_doc_number
from . import bp
from .auth import token_required

WATCH_TAG = "home-quarantine"


def watchlist_key(community_code: str) -> bytes:
    """The community's watch-list key, derived from HASH_KEY (which stays on the server)."""
    root = _decode_key(current_app.config["HASH_KEY"], "HASH_KEY")
    return hmac.new(root, f"watchlist:{community_code}".encode(), hashlib.sha256).digest()


def watchlist_hash(key: bytes, doc_type: str, doc_number: str) -> str:
    message = f"{doc_type}:{normalise_doc_number(doc_number)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@bp.get("/watchlist")
@token_required
def watchlist():
    """Keyed hashes of the document numbers of home-quarantined people of the user's community."""
    community = g.user.community
    key = watchlist_key(community.code)
    people = db.session.scalars(select(Person).where(
        Person.community_id == community.id, Person.tags.contains(WATCH_TAG)))
    hashes = sorted({watchlist_hash(key, p.doc_type, p.doc_number)
                     for p in people if WATCH_TAG in p.tag_list})
    return jsonify(community=community.code, tag=WATCH_TAG, algorithm="HMAC-SHA256",
                   key=key.hex(), hashes=hashes)
