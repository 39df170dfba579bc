"""Who a record is about: a `person` object of the sync contract resolved to a Person row
(found, or added for someone outside the roster). The same document rules serve the sync
API and the pages, so the phone and the server agree.

A sync handler first checks the object (check_person: may refuse it, changes nothing), then,
once the whole record is checked, claims it (claim_person: the person found, or added)."""
from dataclasses import dataclass, field

from flask import has_app_context

from offline.protocol import INVALID_FIELD, INVALID_ID_NUMBER, RecordError, is_clean_text
from offline.rules import DOC_NUMBER_MAX_LENGTH, DOC_TYPES, OTHER_DOC_LENGTH, is_other_document, is_phone
from offline.text import clean_line
from scanner.idnumber import is_valid_id_number

from .bulk import Ref
from ..clock import local_today
from ..models import Person
from ..residents.personal_codes import token_from_code
from ..privacy import normalise_doc_number


def check_document(doc_type, doc_number, field="person", today=None) -> tuple[str, str]:
    """A valid (doc_type, normalised number) or RecordError. A birth date after `today` (the
    community's day, as the phone judges it: offline/client/day.js) is refused; the server
    machine's own date may be a day off (a server on UTC)."""
    if doc_type not in DOC_TYPES:
        raise RecordError(INVALID_FIELD, f"Unknown document type {str(doc_type)[:20]!r}.", f"{field}.doc_type")
    if not isinstance(doc_number, str) or len(doc_number) > DOC_NUMBER_MAX_LENGTH:
        raise RecordError(INVALID_FIELD, "The document number must be text.", f"{field}.doc_number")
    number = normalise_doc_number(doc_number)
    if doc_type == "cn_ric":
        if not is_valid_id_number(number, today or _community_today()):
            raise RecordError(INVALID_ID_NUMBER,
                              "Invalid ID number (GB 11643: checksum, birth date or region).",
                              f"{field}.doc_number")
    elif not is_other_document(number):
        raise RecordError(INVALID_FIELD, "The document number must be {} to {} letters or digits."
                          .format(*OTHER_DOC_LENGTH),
                          f"{field}.doc_number")
    return doc_type, number


def _community_today():
    # Outside an app (the shared rule cases of tests/test_rules.py) no zone is configured: the
    # machine's date then, as idnumber does by itself.
    return local_today() if has_app_context() else None


@dataclass(frozen=True)
class Claim:
    """A `person` object checked: who it names, by (doc_type, lookup hash) or ("code", token)."""

    key: tuple
    doc_type: str | None = None
    number: str | None = None
    name: str | None = None
    phone: str | None = None


@dataclass
class PersonRef:
    """A person a batch names, as the sync handlers need it: the id (a bulk.Ref until a new
    person is written) and the roster's tags. Loading whole Person rows (and decrypting
    them) was most of the cost of a batch."""

    id: object
    tags: str
    has_name: bool
    has_phone: bool
    row: dict | None = None  # a person outside the roster, added by this batch
    fills: dict = field(default_factory=dict)  # name/phone the roster lacked

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]

    @property
    def known_id(self) -> int | None:
        return None if isinstance(self.id, Ref) else self.id


def check_person(ctx, value, field: str = "person") -> Claim:
    """Check a `person` object (RecordError if malformed, or a personal code we do not know);
    changes nothing. ctx: the sync plan (server/sync/records.py)."""
    if not isinstance(value, dict):
        raise RecordError(INVALID_FIELD, "`person` must be an object.", field)
    if "code" in value:
        return _by_personal_code(ctx, value["code"], field)
    doc_type, number = check_document(value.get("doc_type"), value.get("doc_number"), field, ctx.today)
    name = _optional_text(value, "name", field, 60)
    phone = _optional_text(value, "phone", field, 20)
    if phone and not is_phone(phone):
        raise RecordError(INVALID_FIELD, "The phone number must be digits.", f"{field}.phone")
    return Claim((doc_type, ctx.lookups.lookup_hash(doc_type, number)), doc_type, number, name, phone)


class _People:
    """The people a batch named so far: by claim key, and by id (a person named by document
    in one record and by personal code in another is one person)."""

    def __init__(self):
        self.by_key: dict = {}
        self.by_id: dict = {}


def _people(ctx) -> _People:
    if "people" not in ctx.memo:
        ctx.memo["people"] = _People()
        ctx.finish_with(_write_people)
    return ctx.memo["people"]


def claim_person(ctx, claim: Claim) -> PersonRef:
    """The person a checked claim names: found, or added (outside the roster) by this batch;
    a name or phone the roster lacked is filled in, never overwritten."""
    people = _people(ctx)
    person = people.by_key.get(claim.key)
    if person is None:
        row = ctx.lookups.person(claim.key)
        if row is not None:
            person = people.by_id.get(row.id) or PersonRef(row.id, row.tags, row.has_name, row.has_phone)
        else:
            person = PersonRef(Ref(), "", False, False, row=dict(
                community_id=ctx.community_id, doc_type=claim.doc_type, doc_hash=claim.key[1],
                doc_number=claim.number, name=None, phone=None, compound=None, building=None,
                unit=None, room=None, tags="", in_roster=False, personal_code=None,
                created_at=ctx.now))
            ctx.touch()
        people.by_key[claim.key] = people.by_id[person.id] = person
    for column, value in (("name", claim.name), ("phone", claim.phone)):
        if value and not getattr(person, f"has_{column}"):
            setattr(person, f"has_{column}", True)
            (person.row if person.row is not None else person.fills)[column] = value
            ctx.touch()
    return person


def _write_people(ctx) -> None:
    table = Person.__table__
    for person in _people(ctx).by_id.values():
        if person.row is not None:
            ctx.create(table, person.id, ("doc_type", "doc_hash"), person.row)
        for column, value in person.fills.items():
            # The roster may have been given the value meanwhile: never overwrite it.
            ctx.update_later(table, (column,), person.id, {column: value},
                             where=f" AND {column} IS NULL")


def _by_personal_code(ctx, code, field) -> Claim:
    if not isinstance(code, str) or not 4 <= len(code) <= 256 or not is_clean_text(code):
        raise RecordError(INVALID_FIELD, "The personal code is malformed.", f"{field}.code")
    # The signature first: a forged or mistyped code is refused without a query.
    token = token_from_code(code)
    if token is None:
        raise RecordError(INVALID_FIELD, "Not a personal code of ours: enter the ID number instead.",
                          f"{field}.code")
    if ("code", token) not in _people(ctx).by_key and ctx.lookups.person(("code", token)) is None:
        raise RecordError(INVALID_FIELD, "Unknown personal code: enter the ID number instead.",
                          f"{field}.code")
    return Claim(("code", token))


def _optional_text(value: dict, name: str, field: str, max_length: int) -> str | None:
    text = value.get(name)
    if text is None or text == "":
        return None
    if not isinstance(text, str) or len(text) > max_length or not is_clean_text(text):
        raise RecordError(INVALID_FIELD, f"`{name}` must be text of at most {max_length} characters.",
                          f"{field}.{name}")
    return clean_line(text) or None  # bidi controls out (offline/text.py)
