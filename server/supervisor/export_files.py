"""Exports for the district system and the lab: tubes with members, gate logs, retest lists,
as CSV or XLSX. Personal data is masked unless the full values are asked for (audited); every
cell is text (an 18-digit ID never becomes 1.1e17) and cannot start a formula."""
import csv
import io
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..access import scoped
from ..audit import audit
from ..clock import day_bounds, local_time
from ..extensions import db
from ..labels import chinese, label, labeller
from ..models import GateEntry, LabResult, Person, Retest, Sample, Site, Tube
from ..privacy import mask_doc_number, mask_name, mask_phone
from ..tables import neutralise, to_csv, to_xlsx

KINDS = ("tubes", "gate", "retests")
FORMATS = ("csv", "xlsx")


class ExportError(ValueError):
    """A bad export request; the message says why."""




class _People:
    """The person columns, masked unless full."""

    def __init__(self, full: bool):
        self.full = full
        self.doc_type = labeller("doc_type")

    def __call__(self, person) -> list:
        if person is None:
            return ["", "", "", "", "", "", "", ""]
        if self.full:
            name, number, phone = person.name, person.doc_number, person.phone
        else:
            name, number, phone = (mask_name(person.name), mask_doc_number(person.doc_number),
                                   mask_phone(person.phone))
        return [name, self.doc_type(person.doc_type), number, phone, person.compound, person.building,
                person.unit, person.room]


PERSON_HEADER = ["姓名", "证件类型", "证件号码", "电话", "小区", "楼栋", "单元", "房间"]


def _local(value: datetime | None) -> str:
    return local_time(value, "%Y-%m-%d %H:%M:%S")


def _tube_query(community_id: int, day: date | None):
    # Plain columns, not ORM objects: a day is ~7,000 samples and building three objects per
    # row was two thirds of the export's time (bench/pages.py).
    query = (scoped(Sample, community_id)
             .with_only_columns(Tube.barcode, Tube.site_id, Tube.status, Tube.result, Sample.slot,
                                Sample.recorded_at, Sample.voided_at, Person.name, Person.doc_type,
                                Person.doc_number, Person.phone, Person.compound, Person.building,
                                Person.unit, Person.room)
             .select_from(Sample).join(Tube, Tube.id == Sample.tube_id)
             .join(Person, Person.id == Sample.person_id)
             .order_by(Tube.opened_at, Tube.barcode, Sample.slot, Sample.id))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Tube.opened_at >= start, Tube.opened_at < end)
    return query


TUBE_HEADER = ["试管编码", "采样点", "试管状态", "检测结果", "位置", "采样时间", *PERSON_HEADER, "作废"]


def _tube_row_maker(community_id: int, full: bool):
    """One sample's row. Made inside chinese(): the words of each enum are looked up once."""
    person, sites = _People(full), _site_codes(community_id)
    status, result, yes = labeller("tube_status"), labeller("result"), labeller("bool")
    return lambda s: [s.barcode, sites.get(s.site_id, ""), status(s.status), result(s.result),
                      s.slot or "", _local(s.recorded_at), *person(s), yes(True) if s.voided_at else ""]


def tube_rows(community_id: int, day: date | None, full: bool) -> tuple[list, list]:
    """One row per sample of the tubes opened that day."""
    row = _tube_row_maker(community_id, full)
    return TUBE_HEADER, [row(s) for s in db.session.execute(_tube_query(community_id, day))]


def gate_rows(community_id: int, day: date | None, full: bool) -> tuple[list, list]:
    """One row per passage through a gate that day."""
    person = _People(full)
    query = (scoped(GateEntry, community_id).options(joinedload(GateEntry.person))
             .order_by(GateEntry.recorded_at, GateEntry.id))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(GateEntry.recorded_at >= start, GateEntry.recorded_at < end)
    sites = _site_codes(community_id)
    direction, reason, yes = labeller("direction"), labeller("turn_back_reason"), labeller("bool")
    header = ["时间", "卡口", "方向", *PERSON_HEADER, "体温", "发热", "车牌", "劝返", "原因"]
    rows = []
    for entry in db.session.scalars(query):
        who = person(entry.person)
        if entry.person is None and entry.visitor_name:
            who[0] = entry.visitor_name if full else mask_name(entry.visitor_name)
            who[3] = (entry.visitor_phone if full else mask_phone(entry.visitor_phone)) or ""
        rows.append([_local(entry.recorded_at), sites.get(entry.site_id, ""),
                     direction(entry.direction), *who,
                     entry.temperature_c if entry.temperature_c is not None else "",
                     yes(True) if entry.fever else "", entry.vehicle_plate or "",
                     yes(True) if entry.turned_back else "", reason(entry.reason)])
    return header, rows


def retest_rows(community_id: int, day: date | None, full: bool) -> tuple[list, list]:
    """One row per person to retest (opened that day, or all when no day)."""
    person = _People(full)
    query = (scoped(Retest, community_id).add_columns(Tube.barcode, LabResult.result)
             .join(Tube, Tube.id == Retest.tube_id).join(LabResult, LabResult.id == Retest.lab_result_id)
             .options(joinedload(Retest.person)).order_by(Retest.created_at, Retest.id))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Retest.created_at >= start, Retest.created_at < end)
    result, status = labeller("result"), labeller("retest_status")
    header = ["试管编码", "混管结果", *PERSON_HEADER, "状态", "单采结果", "列入时间"]
    rows = [[barcode, result(pool), *person(r.person), status(r.status), result(r.result),
             _local(r.created_at)]
            for r, barcode, pool in db.session.execute(query)]
    return header, rows


ROWS = {"tubes": tube_rows, "gate": gate_rows, "retests": retest_rows}


def _site_codes(community_id: int) -> dict:
    return dict(db.session.execute(select(Site.id, Site.code).where(Site.community_id == community_id)).all())


STREAM_ROWS = 500  # rows per chunk of a streamed CSV (and per fetch from the database)


def tube_csv_stream(community_id: int, day: date | None, *, full: bool = False,
                    user=None) -> tuple[str, object, int]:
    """The tube export as CSV chunks, sent while the database is still being read: a
    district's day (tens of thousands of samples) never sits whole in memory, and the first
    bytes leave at once. Audited before the first byte (the caller commits), with the row
    count of a count query."""
    query = _tube_query(community_id, day)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    stamp = day.isoformat() if day else "all"
    audit("export", target="export:tubes", community_id=community_id, user=user, kind="tubes",
          format="csv", date=stamp, rows=count, full=full)
    with chinese():
        row = _tube_row_maker(community_id, full)

    def chunks():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([neutralise(h) for h in TUBE_HEADER])
        first = True
        for part in db.session.execute(query.execution_options(yield_per=STREAM_ROWS)).partitions():
            writer.writerows([neutralise(v) for v in row(s)] for s in part)
            yield out.getvalue().encode("utf-8-sig" if first else "utf-8")
            first = False
            out.seek(0)
            out.truncate()
        if first or out.tell():
            yield out.getvalue().encode("utf-8-sig" if first else "utf-8")

    return f"tubes-{stamp}.csv", chunks(), count


def export(kind: str, fmt: str, community_id: int, day: date | None, *, full: bool = False,
           user=None) -> tuple[str, bytes, int]:
    """(file name, content, row count) of an export, audited (the caller commits)."""
    if kind not in KINDS:
        raise ExportError(f"Unknown export {kind!r}: choose one of {', '.join(KINDS)}.")
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose csv or xlsx.")
    with chinese():  # Chinese headers, Chinese values: whoever asked, in whatever language
        header, rows = ROWS[kind](community_id, day, full)
        title = label("export_kind", kind)
    content = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title)
    stamp = day.isoformat() if day else "all"
    audit("export", target=f"export:{kind}", community_id=community_id, user=user, kind=kind,
          format=fmt, date=stamp, rows=len(rows), full=full)
    return f"{kind}-{stamp}.{fmt}", content, len(rows)
