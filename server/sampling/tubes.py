"""Tube rules shared by the sync handlers (server/sampling/records.py) and the pages.

The slot of a sample is the database's guard against over-filled pools: a unique index on
(tube_id, slot) means two phones racing for the last slot cannot both win. The loser gets the
next free slot, or none (slot NULL: kept, flagged tube_over_capacity)."""
from sqlalchemy import select

from offline.protocol import INVALID_TUBE_BARCODE, RecordError
from scanner.classify import classify
from ..extensions import db
from ..models import Sample, Site, Tube


def check_tube_barcode(value, site: Site, field: str = "tube") -> str:
    """The tube's barcode as scanned, if it matches the site's pattern; else RecordError."""
    verdict = classify(value, site.tube_pattern) if isinstance(value, str) else None
    if verdict is None or verdict.kind != "tube" or verdict.text != value:
        raise RecordError(INVALID_TUBE_BARCODE, "Not a tube barcode of this sampling point.", field)
    return value


def used_slots(tube: Tube) -> set[int]:
    return set(db.session.scalars(select(Sample.slot).where(
        Sample.tube_id == tube.id, Sample.slot.is_not(None))))


def free_slots(tube: Tube) -> list[int]:
    """Slots 1..capacity not held by a sample, lowest first (read afresh each call). The sync
    applies the same rule in memory to the slots its batch read (sampling/records.py)."""
    used = used_slots(tube)
    return [slot for slot in range(1, tube.capacity + 1) if slot not in used]
