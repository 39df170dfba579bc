"""What a phone may hold to recognise a document number offline: hashes too short to give the
number back (issue 15).

A phone needs to hash a scanned number the way the server did, so it holds the community's
index key; ID numbers have little entropy, so whoever holds the phone can hash every plausible
number. Full-length hashes then give every number back. Here each number is reduced to a
*slot*: the first `bits` bits of HMAC-SHA256(key, "doc_type:number"). `bits` is chosen per
community so that every slot is shared by at least CANDIDATES_PER_SLOT plausible numbers
(the community's region codes x a century of birth dates x 1,000 sequence numbers, the check
digit following): an attacker who brute-forces the space is left with that many candidates per
entry, the true one among them, and nothing on the phone to tell them apart.

The price is false matches: a stranger's number falls in some resident's slot with probability
(slots in the index) / 2^bits, so the phone says "probably a resident / on the list: check" and
the server, which holds the numbers, decides at sync. A slot never misses: a number of the list
always lands in its slot (no false "not a resident").

One key and one slot per number for every list a phone holds (roster, watch list, statuses,
the sampling screen's document links): two lists under different keys or lengths would let an
attacker intersect their candidates. Personal codes are random tokens (high entropy): their
hashes stay long (CODE_HEX), which no brute force can invert and no stranger's code matches.
"""
import hashlib
import hmac
import math

from flask import current_app

from ..privacy import _decode_key, normalise_doc_number

SCHEME = "hmac-sha256-slot-v1"
# Plausible numbers an attacker must still choose between, per slot, on average; the slot
# length makes the average at least this (at most twice this): with a Poisson spread around
# an average >= 32, the chance that one slot of 10,000 holds fewer than 10 is below 1e-6.
CANDIDATES_PER_SLOT = 32
BIRTH_DAYS = 36525  # a century of birth dates
SEQUENCES = 1000  # the three digits after the birth date; the check digit follows from them
MIN_BITS, MAX_BITS = 8, 32
CODE_HEX = 32  # 128 bits of a personal code's hash (its token has 128+ random bits)


def index_key(community_code: str) -> bytes:
    """The community's key for phones, derived from HASH_KEY (which stays on the server)."""
    root = _decode_key(current_app.config["HASH_KEY"], "HASH_KEY")
    return hmac.new(root, f"phone-index:{community_code}".encode(), hashlib.sha256).digest()


def search_space(region_count: int) -> int:
    """Plausible ID numbers of a community whose residents' numbers use `region_count` region
    codes (an attacker tries those; trying more only adds candidates)."""
    return max(1, region_count) * BIRTH_DAYS * SEQUENCES


def slot_bits(region_count: int) -> int:
    """The longest slot that still leaves >= CANDIDATES_PER_SLOT numbers per slot on average."""
    bits = math.floor(math.log2(search_space(region_count) / CANDIDATES_PER_SLOT))
    return max(MIN_BITS, min(MAX_BITS, bits))


def region_count(doc_numbers) -> int:
    """Distinct region codes (first six digits) among a community's mainland ID numbers."""
    return len({n[:6] for n in doc_numbers if len(n) == 18 and n[:6].isdigit()}) or 1


def slot(key: bytes, bits: int, doc_type: str, doc_number: str) -> str:
    """The number's slot, as a decimal string (the phone computes the same, static/js/slots.js)."""
    message = f"{doc_type}:{normalise_doc_number(doc_number)}".encode()
    head = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:4], "big")
    return str(head >> (32 - bits))


def code_hash(key: bytes, token: str) -> str:
    """A personal code's look-up hash (case matters: base64url)."""
    return hmac.new(key, f"code:{token}".encode(), hashlib.sha256).hexdigest()[:CODE_HEX]


def person_key(key: bytes, person_id: int) -> str:
    """An opaque per-person key (same person under their code and their document, one key);
    nothing of the person, not even the row id, can be read from it."""
    return hmac.new(key, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:16]


def expected_candidates(region_count_: int, bits: int) -> float:
    """Numbers of the search space per slot, on average (the true one included)."""
    return search_space(region_count_) / 2 ** bits


def false_match_rate(slots_used: int, bits: int) -> float:
    """The chance that a number outside the index falls in one of its slots."""
    return slots_used / 2 ** bits
