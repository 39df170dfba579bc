"""Receipt of boxes and tubes by a lab account. A lab sees the handed-over boxes of its
community that no other lab has received (one lab per community today), and those it received.
Receiving is idempotent: the first time stays."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from offline.text import has_controls, refused

from ..extensions import db
from ..models import Box, Tube, User
from ..tables import TableError, read_table

CSV_ALIASES = {"barcode": "barcode", "box": "barcode", "tube": "barcode", "条码": "barcode", "箱码": "barcode",
               "转运箱": "barcode", "试管编码": "barcode", "received_at": "received_at", "接收时间": "received_at"}


def visible_boxes(lab: User):
    """select(Box) of the boxes this lab may see: handed over in its community, received by it
    or by no lab yet."""
    return select(Box).where(Box.community_id == lab.community_id,
                             or_(Box.lab_user_id == lab.id,
                                 Box.lab_user_id.is_(None) & Box.handed_over_at.is_not(None)))


@dataclass
class Receipt:
    kind: str  # "box", "tube" or "unknown"
    barcode: str
    new: bool = False  # False: received before (nothing changed)
    tubes: int = 0  # the box's tubes
    box: Box | None = None
    tube: Tube | None = None


def receive(lab: User, barcode: str, at: datetime) -> Receipt:
    """Record that `lab` received the box or tube `barcode` at `at`. The caller commits."""
    barcode = barcode.strip()
    box = db.session.scalar(select(Box).where(Box.community_id == lab.community_id, Box.barcode == barcode,
                                              or_(Box.lab_user_id.is_(None), Box.lab_user_id == lab.id)))
    if box is not None:
        new = box.received_at is None
        if new:
            # A box in the lab's hands was handed over, whether or not the courier's phone
            # has synced the handover yet.
            box.received_at, box.lab_user_id = at, lab.id
        tubes = db.session.scalars(select(Tube).where(Tube.box_id == box.id)).all()
        for tube in tubes:
            if tube.received_at is None:
                tube.received_at = at
        return Receipt("box", barcode, new, len(tubes), box=box)
    tube = db.session.scalar(select(Tube).where(Tube.community_id == lab.community_id, Tube.barcode == barcode))
    if tube is not None and (tube.box_id is None or db.session.get(Box, tube.box_id).lab_user_id in (None, lab.id)):
        new = tube.received_at is None
        if new:
            tube.received_at = at
        return Receipt("tube", barcode, new, tube=tube)
    return Receipt("unknown", barcode)


def valid_barcode(text: str) -> bool:
    return 0 < len(text) <= 64 and not has_controls(text) and not refused(text)


def parse_receipts(data: bytes, filename: str, parse_time) -> tuple[list, list]:
    """(rows, errors) of a lab's CSV/XLSX: a barcode column (box or tube) and an optional
    received time. rows: (line, barcode, time or None); errors: (line, message)."""
    fields, rows = read_table(data, filename, CSV_ALIASES)
    if "barcode" not in fields:
        raise TableError(_l("Missing column: barcode (条码, 箱码 or 试管编码), optional received_at (接收时间)."))
    good, errors = [], []
    for line, row in rows:
        barcode = row.get("barcode", "").strip()
        if not valid_barcode(barcode):
            errors.append((line, _l("missing or unreadable barcode")))
            continue
        try:
            at = parse_time(row.get("received_at", ""))
        except ValueError:
            errors.append((line, _l("unreadable time “%(value)s” (write it like 2022-05-06 08:12)",
                                    value=row.get("received_at", "")[:40])))
            continue
        good.append((line, barcode, at))
    return good, errors
