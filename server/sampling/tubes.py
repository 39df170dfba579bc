"""What sampling records do to tubes, samples and boxes (flush only; the sync view commits).

The slot of a sample is the database's guard against over-filled pools: a unique index on
(tube_id, slot) means two phones racing for the last slot cannot both win. The loser gets the
next free slot, or none (slot NULL: kept, flagged tube_over_capacity)."""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from offline.protocol import INVALID_TUBE_BARCODE, RecordError
from scanner.classify import classify
from ..extensions import db
from ..models import Box, Sample, Site, Tube

SHANGHAI = timezone(timedelta(hours=8))
SLOT_INDEX = "uq_sample_tube_slot"
PERSON_INDEX = "uq_sample_tube_person"


def check_tube_barcode(value, site: Site, field: str = "tube") -> str:
    """The tube's barcode as scanned, if it matches the site's pattern; else RecordError."""
    verdict = classify(value, site.tube_pattern) if isinstance(value, str) else None
    if verdict is None or verdict.kind != "tube" or verdict.text != value:
        raise RecordError(INVALID_TUBE_BARCODE, "Not a tube barcode of this sampling point.", field)
    return value


def find_tube(community_id: int, barcode: str) -> Tube | None:
    return db.session.scalar(select(Tube).where(Tube.community_id == community_id,
                                                Tube.barcode == barcode))


def find_tubes(community_id: int, barcodes) -> dict:
    """barcode -> Tube of those that exist, in one query."""
    if not barcodes:
        return {}
    return {t.barcode: t for t in db.session.scalars(select(Tube).where(
        Tube.community_id == community_id, Tube.barcode.in_(barcodes)))}


def open_tube(community_id: int, site: Site, barcode: str, capacity: int, at: datetime) -> Tube:
    tube = Tube(community_id=community_id, site_id=site.id, barcode=barcode, capacity=capacity,
                status="open", opened_at=at)
    db.session.add(tube)
    db.session.flush()
    return tube


def shanghai_day(moment: datetime) -> tuple[datetime, datetime]:
    """The Asia/Shanghai calendar day holding `moment`, as a UTC [start, end) range."""
    day = moment.astimezone(SHANGHAI).date()
    start = datetime.combine(day, time.min, SHANGHAI).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def used_slots(tube: Tube) -> set[int]:
    return set(db.session.scalars(select(Sample.slot).where(
        Sample.tube_id == tube.id, Sample.slot.is_not(None))))


def free_slots(tube: Tube) -> list[int]:
    """Slots 1..capacity not held by a sample, lowest first (read afresh each call)."""
    used = used_slots(tube)
    return [slot for slot in range(1, tube.capacity + 1) if slot not in used]


def violated(error: IntegrityError, index: str) -> bool:
    """Whether the error comes from that unique index (SQLite names the columns instead)."""
    message = str(error.orig)
    columns = {SLOT_INDEX: "sample.tube_id, sample.slot", PERSON_INDEX: "sample.tube_id, sample.person_id"}
    return index in message or columns[index] in message


def insert_sample(sample: Sample, tube: Tube, used: set[int] | None = None) -> Sample | None:
    """Add the sample in the lowest free slot, retrying when a concurrent phone took it.

    Returns None when the person already holds a live sample in this tube (a concurrent
    insert won the unique (tube, person) index). With `used` (the tube's taken slots, kept
    by a batch applied in one savepoint): no read, no savepoint of its own; a race lost to
    another request fails the whole batch, which is then applied again carefully."""
    if used is not None:
        sample.slot = next((slot for slot in range(1, tube.capacity + 1) if slot not in used), None)
        used.add(sample.slot)
        db.session.add(sample)
        return sample
    tried: set[int] = set()
    while True:
        slots = [s for s in free_slots(tube) if s not in tried]
        sample.slot = slots[0] if slots else None
        savepoint = db.session.begin_nested()
        try:
            db.session.add(sample)
            db.session.flush()
        except IntegrityError as error:
            savepoint.rollback()
            if violated(error, SLOT_INDEX) and sample.slot is not None:
                tried.add(sample.slot)
                continue
            if violated(error, PERSON_INDEX):
                return None
            raise
        savepoint.commit()
        return sample


def find_or_make_box(community_id: int, site: Site, barcode: str) -> Box:
    box = db.session.scalar(select(Box).where(Box.community_id == community_id, Box.barcode == barcode))
    if box is None:
        box = Box(community_id=community_id, site_id=site.id, barcode=barcode)
        db.session.add(box)
        db.session.flush()
    return box
