"""Records, limits and codes of the sync contract (DESIGN §5)."""
import hashlib
import json
import json.decoder
import json.scanner
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .text import has_controls, refused

MAX_RECORDS = 500
MAX_BODY_BYTES = 1024 * 1024
MAX_INT = 2**31 - 1  # integers the databases store (seq, pending, ids)

# Record types of the contract, plus record_discard: the phone's own record that the user
# discarded a rejected record (with a reason), so the supervisor can account for its seq;
# tube_reopen: a tube sealed by mistake opened again, with a reason; and the building worker's
# records (issue 17): temperature_reading, visit_note, need_done.
RECORD_TYPES = ("gate_entry", "tube_open", "sample", "sample_void", "tube_seal", "box_pack",
                "box_handover", "record_discard", "tube_reopen", "temperature_reading",
                "visit_note", "need_done")

ACCEPTED, DUPLICATE, CONFLICT, REJECTED = "accepted", "duplicate", "conflict", "rejected"

# Error codes (rejected records).
INVALID_ID_NUMBER = "invalid_id_number"
INVALID_TUBE_BARCODE = "invalid_tube_barcode"
UNKNOWN_TYPE = "unknown_type"
INVALID_FIELD = "invalid_field"
UNKNOWN_SITE = "unknown_site"
FORBIDDEN_SITE = "forbidden_site"
TEMPERATURE_OUT_OF_RANGE = "temperature_out_of_range"

# Warning codes (accepted records, each also a Flag for the supervisor).
WARNINGS = ("fever", "tube_over_capacity", "tube_already_sealed", "tube_reused_other_site",
            "person_sampled_twice_today", "person_in_tube_twice", "tube_not_opened",
            "clock_skew", "watch_list")


class EnvelopeError(ValueError):
    """The request as a whole is malformed (HTTP 400)."""


class RecordError(ValueError):
    """One record is malformed: it is rejected with this code, message and field."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


@dataclass(frozen=True)
class Record:
    id: str
    seq: int | None
    type: str
    recorded_at: datetime  # when it happened, as far as the server can tell (UTC)
    data: dict
    digest: str  # raw_digest of the record as sent (digest() when its text is not known)
    raw: dict = field(repr=False, compare=False)
    text: str | None = field(default=None, repr=False, compare=False)  # the record as sent
    # The phone's own time, kept when the server found it implausible (a clock reset to 1970,
    # a year ahead) and set recorded_at to the time it received the record instead.
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class Envelope:
    device_id: str | None
    app_version: str | None
    pending: int | None
    records: list


def parse_envelope(body) -> Envelope:
    if not isinstance(body, dict):
        raise EnvelopeError("The body must be a JSON object.")
    records = body.get("records")
    if not isinstance(records, list):
        raise EnvelopeError("The body must hold a `records` list.")
    pending = body.get("pending")
    if pending is not None and (not isinstance(pending, int) or isinstance(pending, bool)
                                or not 0 <= pending <= MAX_INT):
        raise EnvelopeError("`pending` must be a non-negative integer.")
    device_id = body.get("device_id")
    app_version = body.get("app_version")
    return Envelope(device_id if isinstance(device_id, str) else None,
                    app_version[:40] if is_clean_text(app_version) else None, pending, records)


_decoder = json.JSONDecoder()
_scan = json.scanner.make_scanner(_decoder)
_space = json.decoder.WHITESPACE.match


def split_body(body: bytes) -> tuple[object, list[str] | None]:
    """The request body as json.loads reads it, and the text of each element of its
    `records` list as sent (None when the body is not an object with such a list).

    Each record's own text gives its digest (raw_digest) and its archived payload without
    serialising it again. Raises ValueError (or RecursionError) exactly when json.loads would."""
    text = body.decode(json.detect_encoding(body), "surrogatepass")
    start = _space(text, 0).end()
    if text[start:start + 1] != "{":
        return json.loads(text), None
    found, spans = {}, None
    at = _space(text, start + 1).end()
    if text[at:at + 1] == "}":
        at += 1
    else:
        while True:
            if text[at:at + 1] != '"':
                raise ValueError("Expecting property name")
            key, at = json.decoder.scanstring(text, at + 1)
            at = _space(text, at).end()
            if text[at:at + 1] != ":":
                raise ValueError("Expecting ':'")
            at = _space(text, at + 1).end()
            if key == "records" and text[at:at + 1] == "[":
                found[key], spans, at = _array(text, at)
            else:
                found[key], at = _value(text, at)
                if key == "records":
                    spans = None
            at = _space(text, at).end()
            if text[at:at + 1] == "}":
                at += 1
                break
            if text[at:at + 1] != ",":
                raise ValueError("Expecting ',' delimiter")
            at = _space(text, at + 1).end()
    if _space(text, at).end() != len(text):
        raise ValueError("Extra data")
    return found, spans


def _value(text: str, at: int):
    try:
        return _scan(text, at)
    except StopIteration:
        raise ValueError("Expecting value") from None


def _array(text: str, at: int) -> tuple[list, list[str], int]:
    """A JSON array starting at `at`: its values, the text of each, and where it ends."""
    values, spans = [], []
    at = _space(text, at + 1).end()
    if text[at:at + 1] == "]":
        return values, spans, at + 1
    while True:
        value, end = _value(text, at)
        values.append(value)
        spans.append(text[at:end])
        at = _space(text, end).end()
        if text[at:at + 1] == "]":
            return values, spans, at + 1
        if text[at:at + 1] != ",":
            raise ValueError("Expecting ',' delimiter")
        at = _space(text, at + 1).end()


def is_clean_text(value) -> bool:
    """Text that every database can store as it is: no control characters (PostgreSQL refuses
    NUL) and no lone surrogates (not encodable as UTF-8). The one normalisation: offline/text.py."""
    return isinstance(value, str) and not refused(value) and not has_controls(value)


def is_unicode(raw) -> bool:
    """The whole record encodes as UTF-8 (JSON escapes can smuggle in lone surrogates)."""
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return False
    return True


def digest(raw: dict) -> str:
    """Fingerprint of what a record says (type, time, data), whatever its JSON spelling: equal
    for a replay, not for an edit. Records stored before raw digests existed carry this one."""
    content = {"type": raw.get("type"), "recorded_at": raw.get("recorded_at"), "data": raw.get("data")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def raw_digest(text: str) -> str:
    """Fingerprint of a record's text as sent: a phone replays the very same text, so this
    tells a replay at once, without serialising the record again. Different text may still
    say the same thing (other key order, spacing or escapes): ingest then compares digest()."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def same_content(record: "Record", other) -> bool:
    """Whether `other` (a Record, or the parsed JSON of a stored record) says what `record` says."""
    theirs = other.raw if isinstance(other, Record) else other
    return isinstance(theirs, dict) and digest(record.raw) == digest(theirs)


# A UUID as str(uuid.UUID(...)) writes it: what every phone sends, told without parsing it.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def record_id_of(raw) -> str | None:
    """The record's id when it is a well-formed UUID (so a rejection can name it)."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        if _CANONICAL_UUID(raw["id"]):
            return raw["id"]
        try:
            return str(uuid.UUID(raw["id"]))
        except ValueError:
            return None
    return None


def parse_record(raw, text: str | None = None) -> Record:
    """The record's shell (id, seq, type, time, data); the domain handler checks `data`.
    `text`: the record as sent (split_body), when known."""
    if not isinstance(raw, dict):
        raise RecordError(INVALID_FIELD, "A record must be a JSON object.", None)
    if not _is_unicode(raw, text):
        raise RecordError(INVALID_FIELD, "The record holds text that is not valid Unicode.", None)
    record_id = record_id_of(raw)
    if record_id is None or raw["id"] != record_id:
        raise RecordError(INVALID_FIELD, "`id` must be a lower-case UUID made on the phone.", "id")
    seq = raw.get("seq")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**31):
        raise RecordError(INVALID_FIELD, "`seq` must be a positive integer.", "seq")
    kind = raw.get("type")
    if kind not in RECORD_TYPES:
        raise RecordError(UNKNOWN_TYPE, f"Unknown record type {str(kind)[:40]!r}.", "type")
    recorded_at = parse_time(raw.get("recorded_at"))
    data = raw.get("data")
    if not isinstance(data, dict):
        raise RecordError(INVALID_FIELD, "`data` must be a JSON object.", "data")
    if text is None:
        return Record(record_id, seq, kind, recorded_at, data, digest(raw), raw)
    return Record(record_id, seq, kind, recorded_at, data, raw_digest(text), raw, text)


def _is_unicode(raw, text: str | None) -> bool:
    """is_unicode, answered from the text as sent when it holds no escape: its strings are
    then pieces of that text, which encodes as UTF-8 exactly when they all do."""
    if text is None or "\\u" in text:
        return is_unicode(raw)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_time(value) -> datetime:
    """An ISO 8601 time with its offset, as UTC. Any year is well-formed: a phone whose clock
    was reset (1970) or set wrong still captured real data, which the server keeps (it judges
    the time, see server/sync/records.py); only a time it cannot read is malformed."""
    if not isinstance(value, str) or len(value) > 40:
        raise RecordError(INVALID_FIELD, "`recorded_at` must be an ISO 8601 time.", "recorded_at")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(INVALID_FIELD, "`recorded_at` must be an ISO 8601 time.", "recorded_at") from None
    if moment.tzinfo is None:
        raise RecordError(INVALID_FIELD, "`recorded_at` needs a UTC offset.", "recorded_at")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 with an offset: beyond what UTC can hold
        edge = datetime.min if moment.year < 5000 else datetime.max
        return edge.replace(tzinfo=timezone.utc)
