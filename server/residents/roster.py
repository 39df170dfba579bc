"""Importing a community's roster (台账): people by building, unit and room, with tags.

A row's document and phone obey the rules sync and the phone apply (identify.check_document,
offline/client/rules.json): a person the import let in but a phone refuses could never be
matched at a gate or sampling point."""
from dataclasses import dataclass, field

from sqlalchemy import select, text

from offline.protocol import INVALID_ID_NUMBER, RecordError
from offline.rules import DOC_TYPES, OTHER_DOC_LENGTH, PHONE_DIGITS, is_phone, normalise_phone
from offline.text import has_controls, refused

from ..clock import local_today
from ..extensions import db
from ..sync.identify import check_document
from ..models import Person
from ..tables import read_table

ALIASES = {
    "building": "building", "楼栋": "building", "楼号": "building",
    "unit": "unit", "单元": "unit",
    "room": "room", "房间": "room", "房号": "room", "门牌": "room",
    "name": "name", "姓名": "name",
    "doc_type": "doc_type", "证件类型": "doc_type",
    "doc_number": "doc_number", "证件号码": "doc_number", "身份证号": "doc_number",
    "phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
    "tags": "tags", "标签": "tags",
    "compound": "compound", "小区": "compound",
}
DOC_TYPE_ALIASES = {
    "": "cn_ric", "身份证": "cn_ric", "居民身份证": "cn_ric", "护照": "passport",
    "港澳通行证": "hk_mo_permit", "港澳居民来往内地通行证": "hk_mo_permit",
    "台胞证": "tw_permit", "台湾居民来往大陆通行证": "tw_permit", "其他": "other",
    **{t: t for t in DOC_TYPES},
}
TAG_ALIASES = {"独居老人": "elderly-alone", "残疾": "disabled", "残疾人": "disabled",
               "居家隔离": "home-quarantine", "慢性病": "chronic", "孕妇": "pregnant"}
REQUIRED = ("building", "name", "doc_number")
# Longest text each column takes (the database's sizes): a longer cell is a bad row.
MAX_LENGTHS = {"building": 20, "unit": 20, "room": 20, "compound": 60, "name": 60,
               "doc_number": 64, "doc_type": 40, "phone": 40, "tags": 200}


@dataclass
class RosterReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_row(row: dict, today=None) -> tuple[dict | None, str | None]:
    """One roster row to person fields, or an error message. `today`: the community's day
    (server.clock.local_today, read once per file)."""
    for name in REQUIRED:
        if not row.get(name):
            return None, f"missing {name}"
    for name, value in row.items():
        if len(value) > MAX_LENGTHS.get(name, 200):
            return None, f"{name} longer than {MAX_LENGTHS.get(name, 200)} characters"
        if refused(value) or has_controls(value):
            return None, f"{name} holds control characters or invalid Unicode"
    doc_type = DOC_TYPE_ALIASES.get(row.get("doc_type", "").strip().lower()) or \
        DOC_TYPE_ALIASES.get(row.get("doc_type", "").strip())
    if doc_type is None:
        return None, f"unknown document type {row['doc_type']!r}"
    try:
        _doc_type, number = check_document(doc_type, row["doc_number"], today=today)
    except RecordError as error:
        if error.code == INVALID_ID_NUMBER:
            return None, "invalid ID number (GB 11643 checksum, birth date or region)"
        return None, "invalid {} number: {} to {} letters or digits".format(doc_type, *OTHER_DOC_LENGTH)
    # The phone rule of sync and /register (spaces, dashes and brackets dropped); a cell with no
    # digit at all ("无", "-") means no phone.
    cell = row.get("phone", "").strip()
    phone = normalise_phone(cell) if any(ch.isdigit() for ch in cell) else ""
    if phone and not is_phone(phone):
        return None, "invalid phone number: {} to {} digits, optionally after a +".format(*PHONE_DIGITS)
    tags = [TAG_ALIASES.get(t.strip(), t.strip()) for t in row.get("tags", "").replace("；", ";").split(";")]
    return {
        "doc_type": doc_type, "doc_number": number, "name": row["name"], "phone": phone or None,
        "building": row["building"], "unit": row.get("unit") or None, "room": row.get("room") or None,
        "compound": row.get("compound") or None, "tags": ";".join(t for t in tags if t),
    }, None


def import_roster(data: bytes, filename: str, community_id: int, skip_bad: bool = False) -> RosterReport:
    """Validate every row; import all of them, or nothing when a row is bad (unless skip_bad).

    The caller commits; on errors without skip_bad nothing is added to the session.
    """
    _fields, rows = read_table(data, filename, ALIASES)
    report = RosterReport()
    parsed = []
    seen = {}
    today = local_today()
    for line, row in rows:
        person, error = parse_row(row, today)
        if person is None:
            report.errors.append((line, error))
            continue
        key = (person["doc_type"], person["doc_number"])
        if key in seen:
            report.errors.append((line, f"same document as line {seen[key]}"))
            continue
        seen[key] = line
        parsed.append(person)
    if report.errors and not skip_bad:
        return report
    report.skipped = len(report.errors)
    upsert_people(parsed, community_id, report)
    return report


def upsert_people(people: list[dict], community_id: int, report: RosterReport) -> None:
    hashes = {Person.lookup_hash(p["doc_type"], p["doc_number"]): p for p in people}
    existing = {}
    for chunk_start in range(0, len(hashes), 900):
        chunk = list(hashes)[chunk_start:chunk_start + 900]
        existing.update({(p.doc_type, p.doc_hash): p for p in db.session.scalars(
            select(Person).where(Person.community_id == community_id, Person.doc_hash.in_(chunk)))})
    for doc_hash, fields in hashes.items():
        person = existing.get((fields["doc_type"], doc_hash))
        if person is None:
            person = Person(community_id=community_id)  # the hash follows its document
            db.session.add(person)
            report.created += 1
        else:
            report.updated += 1
        for name, value in fields.items():
            setattr(person, name, value)
        person.in_roster = True
    db.session.flush()
    # The planner's statistics at once, not at autovacuum's next pass: until then PostgreSQL
    # took a roster imported into an empty table for a few rows and answered every sync
    # batch's look-up by document (doc_hash = ANY) with a scan of the whole table (13 ms a
    # batch at 20,000 residents, measured in make bench's reconnection storm). ANALYZE counts
    # this transaction's own rows; on SQLite it is as cheap and as right.
    db.session.execute(text("ANALYZE person"))
