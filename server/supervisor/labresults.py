"""Lab results (检测结果): parse a lab's CSV/XLSX, preview it, apply it idempotently.

Each row names a tube and its result. A result is stored once per (community, tube barcode), so
importing the same file twice changes nothing. A positive or invalid pool puts every non-voided
member of the tube on the retest list (单采复核) at once. Results for tubes we do not know are
kept (tube_id NULL) so the supervisor sees them on the board until the tube turns up."""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from offline.text import has_controls, refused
from ..clock import zone
from ..extensions import db
from ..inputs import bounded
from ..models import LabResult, Retest, Sample, Tube, utcnow
from ..labels import label
from ..tables import TableError, read_table, sheet_time

FIELDS = ("tube", "result", "reported_at")
REQUIRED = ("tube", "result")
ALIASES = {
    "tube": "tube", "tube_barcode": "tube", "barcode": "tube", "试管编码": "tube", "试管条码": "tube",
    "试管号": "tube", "管码": "tube",
    "result": "result", "检测结果": "result", "结果": "result",
    "reported_at": "reported_at", "报告时间": "reported_at", "检测时间": "reported_at",
}
RESULT_ALIASES = {
    "negative": "negative", "neg": "negative", "阴性": "negative", "-": "negative",
    "positive": "positive", "pos": "positive", "阳性": "positive", "+": "positive",
    "invalid": "invalid", "无效": "invalid",
}
# A pool with one of these results sends all its members to an individual retest.
RETEST_RESULTS = ("positive", "invalid")
_CHUNK = 900  # stays under SQLite's bound-parameter limit


@dataclass
class ResultRow:
    line: int
    tube: str
    result: str
    reported_at: datetime | None


@dataclass
class ParsedResults:
    """A file read and checked, nothing applied: the rows to apply and what is wrong with it."""

    rows: list[ResultRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str, int]] = field(default_factory=list)  # line, tube, first line


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    linked: int = 0
    retests: int = 0
    unknown: list[tuple[int, str]] = field(default_factory=list)  # line, tube
    conflicts: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, tube, old, new
    positives: list[str] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        for name in ("created", "unchanged", "linked", "retests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("unknown", "conflicts", "positives"):
            getattr(self, name).extend(getattr(other, name))


def mapping_for(headers: list[str]) -> dict[str, str]:
    """The recognised headers of a file: {header: field}."""
    lookup = {k.lower(): v for k, v in ALIASES.items()}
    return {h: lookup[h.strip().lower()] for h in headers if h.strip().lower() in lookup}


def missing_fields(mapping: dict[str, str]) -> list[str]:
    return [f for f in REQUIRED if f not in mapping.values()]


def parse_results(data: bytes, filename: str, mapping: dict[str, str] | None = None) -> ParsedResults:
    """Read and check every row. mapping ({header: field}) overrides the known headers.

    Raises TableError when the file cannot be read or a required column is missing."""
    aliases = mapping if mapping is not None else ALIASES
    fields, rows = read_table(data, filename, aliases)
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise TableError(_l("Missing column(s): %(columns)s (expected tube/试管编码, result/检测结果, "
                            "optional reported_at/报告时间).",
                            columns=", ".join(str(label("import_column", f)) for f in missing)))
    parsed = ParsedResults()
    first: dict[str, ResultRow] = {}
    for line, row in rows:
        tube = row.get("tube", "").strip()
        result = RESULT_ALIASES.get(row.get("result", "").strip().lower())
        if not tube:
            parsed.errors.append((line, _l("missing tube barcode")))
            continue
        if len(tube) > 64 or has_controls(tube) or refused(tube):
            parsed.errors.append((line, _l("the tube barcode is not a barcode")))
            continue
        if result is None:
            parsed.errors.append((line, _l("unknown result “%(value)s” (阴性/阳性/无效 or "
                                           "negative/positive/invalid)", value=row.get("result", "")[:40])))
            continue
        try:
            reported_at = parse_time(row.get("reported_at", ""))
        except ValueError:
            parsed.errors.append((line, _l("unreadable report time “%(value)s” (write it like 2022-05-06 "
                                           "08:12, 2022/5/6 8:12 or 2022年5月6日 8时12分)",
                                           value=row.get("reported_at", "")[:40])))
            continue
        if tube in first:
            earlier = first[tube]
            if earlier.result != result:
                parsed.errors.append((line, _l("tube %(tube)s has %(first)s on line %(line)s and %(here)s here",
                                               tube=tube, first=_Result(earlier.result), line=earlier.line,
                                               here=_Result(result))))
            else:
                parsed.duplicates.append((line, tube, earlier.line))
            continue
        first[tube] = ResultRow(line, tube, result, reported_at)
        parsed.rows.append(first[tube])
    return parsed


def rows_to_json(rows: list[ResultRow]) -> list:
    return [[r.line, r.tube, r.result, r.reported_at.isoformat() if r.reported_at else None] for r in rows]


def rows_from_json(data: list) -> list[ResultRow]:
    return [ResultRow(line, tube, result, datetime.fromisoformat(at) if at else None)
            for line, tube, result, at in data]


class _Result(str):
    """A result code that reads as its label when the message is shown (in the reader's language)."""

    def __str__(self):
        return label("result", str.__str__(self))


def parse_time(text: str) -> datetime | None:
    """A lab's timestamp as a spreadsheet writes it (server/tables.py sheet_time); without a
    zone it is local time. ValueError when it is not a time we can store."""
    value = sheet_time(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    return bounded(value)  # years 2000-2100 (InputError is a ValueError)


def preview(rows: list[ResultRow], community_id: int) -> ImportReport:
    """What apply_results would do, without doing it."""
    return _apply(rows, community_id, write=False)


def apply_results(rows: list[ResultRow], community_id: int) -> ImportReport:
    """Store new results, link results to tubes that turned up, open retests. Flushes; the
    caller commits. Already-imported rows change nothing."""
    return _apply(rows, community_id, write=True)


def _apply(rows: list[ResultRow], community_id: int, write: bool) -> ImportReport:
    report = ImportReport()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        barcodes = [r.tube for r in chunk]
        tubes = {t.barcode: t for t in db.session.scalars(select(Tube).where(
            Tube.community_id == community_id, Tube.barcode.in_(barcodes)))}
        existing = {r.tube_barcode: r for r in db.session.scalars(select(LabResult).where(
            LabResult.community_id == community_id, LabResult.tube_barcode.in_(barcodes)))}
        for row in chunk:
            tube = tubes.get(row.tube)
            stored = existing.get(row.tube)
            if stored is not None and stored.result != row.result:
                # A lab correcting itself is a decision for a person, not for an import.
                report.conflicts.append((row.line, row.tube, stored.result, row.result))
                continue
            if tube is None:
                report.unknown.append((row.line, row.tube))
            if stored is not None:
                if stored.tube_id is None and tube is not None:
                    report.linked += 1
                    if write:
                        stored.tube_id = tube.id
                        _record_on_tube(stored, tube, report)
                else:
                    report.unchanged += 1
                continue
            report.created += 1
            if row.result == "positive":
                report.positives.append(row.tube)
            if write:
                result = LabResult(community_id=community_id, tube_barcode=row.tube,
                                   tube_id=tube.id if tube else None, result=row.result,
                                   reported_at=row.reported_at)
                db.session.add(result)
                if tube is not None:
                    _record_on_tube(result, tube, report)
            elif tube is not None and row.result in RETEST_RESULTS:
                report.retests += len(_members(tube))
    if write:
        db.session.flush()
    return report


def _record_on_tube(result: LabResult, tube: Tube, report: ImportReport) -> None:
    tube.result = result.result
    tube.status = "resulted"
    if result.result in RETEST_RESULTS:
        db.session.flush()  # the retests need the result's id
        report.retests += open_retests(result, tube)


def _members(tube: Tube) -> list[int]:
    """The distinct people of a tube, voided samples left out."""
    person_ids = db.session.scalars(select(Sample.person_id).where(
        Sample.tube_id == tube.id, Sample.voided_at.is_(None)).order_by(Sample.slot, Sample.id))
    return list(dict.fromkeys(person_ids))


def open_retests(result: LabResult, tube: Tube) -> int:
    """One pending Retest per member of the pool; returns how many were created now."""
    have = set(db.session.scalars(select(Retest.person_id).where(Retest.lab_result_id == result.id)))
    created = 0
    for person_id in _members(tube):
        if person_id in have:
            continue
        db.session.add(Retest(community_id=result.community_id, lab_result_id=result.id,
                              person_id=person_id, tube_id=tube.id, status="pending",
                              created_at=utcnow()))
        created += 1
    return created
