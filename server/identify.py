"""Who a record is about: a `person` object of the sync contract resolved to a Person row
(found, or added for someone outside the roster). The same rules serve the sync API and
the pages, so the phone and the server agree."""
import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from offline.protocol import INVALID_FIELD, INVALID_ID_NUMBER, RecordError, is_clean_text
from offline.text import clean_line
from scanner.idnumber import check_id_number

from .extensions import db
from .models import Person
from .models.people import DOC_TYPES
from .personal_codes import token_from_code
from .privacy import normalise_doc_number, vault

OTHER_DOC_PATTERN = re.compile(r"[A-Z0-9]{5,30}")
PHONE_PATTERN = re.compile(r"\+?[0-9]{5,20}")


def check_document(doc_type, doc_number, field="person") -> tuple[str, str]:
    """A valid (doc_type, normalised number) or RecordError."""
    if doc_type not in DOC_TYPES:
        raise RecordError(INVALID_FIELD, f"Unknown document type {str(doc_type)[:20]!r}.", f"{field}.doc_type")
    if not isinstance(doc_number, str) or len(doc_number) > 64:
        raise RecordError(INVALID_FIELD, "The document number must be text.", f"{field}.doc_number")
    number = normalise_doc_number(doc_number)
    if doc_type == "cn_ric":
        if not check_id_number(number).valid:
            raise RecordError(INVALID_ID_NUMBER,
                              "Invalid ID number (GB 11643: checksum, birth date or region).",
                              f"{field}.doc_number")
    elif not OTHER_DOC_PATTERN.fullmatch(number):
        raise RecordError(INVALID_FIELD, "The document number must be 5 to 30 letters or digits.",
                          f"{field}.doc_number")
    return doc_type, number


@dataclass(frozen=True)
class KnownPerson:
    """Who a record is about, as the sync handlers need it: the row and the roster's tags.
    Loading whole Person rows (and decrypting them) was most of the cost of a batch."""

    id: int
    tags: str

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]


_COLUMNS = (Person.id, Person.tags, Person.doc_type, Person.doc_hash, Person.personal_code)


def _remember(known: dict, row) -> KnownPerson:
    person = KnownPerson(row.id, row.tags or "")
    known[(row.doc_type, row.doc_hash)] = person
    if row.personal_code:
        known[("code", row.personal_code)] = person
    return person


def prefetch_people(community_id: int, values: list, known: dict) -> None:
    """Look up in one query the people these `person` objects name (by document or personal
    code) into `known`, for resolve_person. Malformed values are skipped: resolve_person
    rejects them later with the right message."""
    hashes, tokens = set(), set()
    for value in values:
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("code"), str) and len(value["code"]) <= 256:
            token = token_from_code(value["code"])
            if token:
                tokens.add(token)
        elif value.get("doc_type") in DOC_TYPES and isinstance(value.get("doc_number"), str) \
                and len(value["doc_number"]) <= 64:
            hashes.add(vault().lookup_hash(value["doc_type"], value["doc_number"]))
    if hashes or tokens:
        for row in db.session.execute(select(*_COLUMNS).where(
                Person.community_id == community_id,
                or_(Person.doc_hash.in_(hashes), Person.personal_code.in_(tokens)))):
            _remember(known, row)


def resolve_person(community_id: int, value, field: str = "person",
                   known: dict | None = None) -> KnownPerson:
    """Find (or add, outside the roster) the person a record names. `known` holds people
    already looked up in this batch (prefetch_people) and gets the ones added."""
    known = {} if known is None else known
    if not isinstance(value, dict):
        raise RecordError(INVALID_FIELD, "`person` must be an object.", field)
    if "code" in value:
        return _by_personal_code(community_id, value["code"], field, known)
    doc_type, number = check_document(value.get("doc_type"), value.get("doc_number"), field)
    name = _optional_text(value, "name", field, 60)
    phone = _optional_text(value, "phone", field, 20)
    if phone and not PHONE_PATTERN.fullmatch(phone):
        raise RecordError(INVALID_FIELD, "The phone number must be digits.", f"{field}.phone")
    doc_hash = vault().lookup_hash(doc_type, number)
    if (doc_type, doc_hash) in known and not (name or phone):
        return known[(doc_type, doc_hash)]
    person = db.session.scalar(select(Person).where(
        Person.community_id == community_id, Person.doc_type == doc_type, Person.doc_hash == doc_hash))
    if person is None:
        person = Person(community_id=community_id, doc_type=doc_type, doc_hash=doc_hash,
                        doc_number=number, name=name, phone=phone, in_roster=False)
        db.session.add(person)
        db.session.flush()
    else:
        # Fill what the roster lacked; never overwrite what it says.
        if name and not person.name:
            person.name = name
        if phone and not person.phone:
            person.phone = phone
    return _remember(known, person)


def _by_personal_code(community_id, code, field, known: dict) -> KnownPerson:
    if not isinstance(code, str) or not 4 <= len(code) <= 256 or not is_clean_text(code):
        raise RecordError(INVALID_FIELD, "The personal code is malformed.", f"{field}.code")
    # The signature first: a forged or mistyped code is refused without a query.
    token = token_from_code(code)
    if token is None:
        raise RecordError(INVALID_FIELD, "Not a personal code of ours: enter the ID number instead.",
                          f"{field}.code")
    if ("code", token) in known:
        return known[("code", token)]
    row = db.session.execute(select(*_COLUMNS).where(
        Person.community_id == community_id, Person.personal_code == token)).first()
    if row is None:
        raise RecordError(INVALID_FIELD, "Unknown personal code: enter the ID number instead.",
                          f"{field}.code")
    return _remember(known, row)


def _optional_text(value: dict, name: str, field: str, max_length: int) -> str | None:
    text = value.get(name)
    if text is None or text == "":
        return None
    if not isinstance(text, str) or len(text) > max_length or not is_clean_text(text):
        raise RecordError(INVALID_FIELD, f"`{name}` must be text of at most {max_length} characters.",
                          f"{field}.{name}")
    return clean_line(text) or None  # bidi controls out (offline/text.py)
