"""Sampling records (DESIGN §5): tube_open, sample, sample_void, tube_seal, tube_reopen,
box_pack, box_handover. Business-rule surprises are accepted with a Flag, never refused:
the phone could not have known (another phone filled or sealed the tube meanwhile)."""
from sqlalchemy import and_, or_, select

from offline.protocol import INVALID_FIELD, Record, RecordError
from ..extensions import db
from ..identify import resolve_person
from ..models import InboxRecord, Sample
from ..records import SyncContext, handles, text_field
from .tubes import (check_tube_barcode, find_or_make_box, find_tube, find_tubes, insert_sample,
                    open_tube, shanghai_day, used_slots)

BOX_PATTERN = r"[A-Za-z0-9_-]{4,64}"
SEALED = ("sealed", "packed", "handed_over", "resulted")


def _capacity(data: dict, default: int) -> int:
    capacity = data.get("capacity", default)
    if capacity is None:
        return default
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 20:
        raise RecordError(INVALID_FIELD, "`capacity` must be a whole number from 1 to 20.", "capacity")
    return capacity


def _find(ctx: SyncContext, barcode: str):
    """The tube, looked up once per batch (a batch holds a tube's opening, 10 samples, its
    seal); in a batch applied at once, every tube it names in one query."""
    if ctx.batch.batched and not ctx.batch.tubes:
        named = {r.data.get("tube") for r in ctx.batch.records if isinstance(r.data.get("tube"), str)}
        ctx.batch.tubes.update(dict.fromkeys(named))
        ctx.batch.tubes.update(find_tubes(ctx.community_id, named))
    if barcode not in ctx.batch.tubes:
        ctx.batch.tubes[barcode] = find_tube(ctx.community_id, barcode)
    return ctx.batch.tubes[barcode]


def _open(ctx: SyncContext, site, barcode: str, capacity: int, at):
    ctx.batch.tubes[barcode] = open_tube(ctx.community_id, site, barcode, capacity, at)
    return ctx.batch.tubes[barcode]


def _tube_for(ctx: SyncContext, record: Record, site, barcode: str, warnings: list):
    """The tube a record names; one never opened is opened now (and flagged)."""
    tube = _find(ctx, barcode)
    if tube is None:
        tube = _open(ctx, site, barcode, site.tube_capacity, record.recorded_at)
        warnings.append(ctx.flag("tube_not_opened", record, site_id=site.id, tube_id=tube.id,
                                 detail={"tube": barcode}))
    else:
        warnings += _reused_elsewhere(ctx, record, site, tube)
    return tube


def _reused_elsewhere(ctx: SyncContext, record: Record, site, tube) -> list:
    """A tube opened at another sampling point: flagged, never refused (the phone could not know)."""
    if tube.site_id == site.id:
        return []
    return [ctx.flag("tube_reused_other_site", record, site_id=site.id, tube_id=tube.id,
                     detail={"tube": tube.barcode, "tube_site_id": tube.site_id})]


@handles("tube_open")
def apply_tube_open(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    barcode = check_tube_barcode(data.get("tube"), site)
    capacity = _capacity(data, site.tube_capacity)
    tube = _find(ctx, barcode)
    if tube is None:
        _open(ctx, site, barcode, capacity, record.recorded_at)
        return []
    warnings = []
    # Opened before (another phone, or a sample that arrived first): keep the first opening.
    warnings += _reused_elsewhere(ctx, record, site, tube)
    if tube.status in SEALED:
        warnings.append(ctx.flag("tube_already_sealed", record, site_id=site.id, tube_id=tube.id,
                                 detail={"tube": barcode, "status": tube.status}))
    return warnings


def _slots(ctx: SyncContext, tube) -> set | None:
    """The tube's taken slots, read once per batch applied at once (else None: read each time)."""
    if not ctx.batch.batched:
        return None
    if tube.id not in ctx.batch.slots:
        with db.session.no_autoflush:
            ctx.batch.slots[tube.id] = used_slots(tube)
    return ctx.batch.slots[tube.id]


def _live_samples(ctx: SyncContext, person_id: int, tube_id: int, at) -> list[int]:
    """Tubes holding a live sample of the person: this tube, or any tube the same day.
    Only this tube and this day matter: a resident sampled daily for months stays one small
    read. In a batch applied at once, one read for all the batch's people (_batch_samples),
    and the samples the batch added are counted from memory."""
    start, end = shanghai_day(at)
    live = _batch_samples(ctx).get(person_id) if ctx.batch.batched else None
    if live is not None:
        live = [row for row in live if row[2] not in ctx.batch.voided]
    else:
        with db.session.no_autoflush:
            live = db.session.execute(select(Sample.tube_id, Sample.recorded_at, Sample.id).where(
                Sample.person_id == person_id, Sample.voided_at.is_(None),
                or_(Sample.tube_id == tube_id,
                    and_(Sample.recorded_at >= start, Sample.recorded_at < end)))).all()
        live = [row for row in live if row.id not in ctx.batch.voided]
    tubes = [tube for tube, recorded_at, _id in live if tube == tube_id or start <= recorded_at < end]
    # Counted twice once flushed and read back: harmless, only "any" and "this tube" matter.
    return tubes + [s.tube_id for s in ctx.batch.added.get(person_id, []) if s.voided_at is None
                    and (s.tube_id == tube_id or start <= s.recorded_at < end)]


def _batch_samples(ctx: SyncContext) -> dict:
    """person id -> live samples (tube, recorded_at, id) that the batch's sample records
    could meet, read once: those of the batch's days and those in the batch's tubes."""
    if ctx.batch.live is None:
        people = [p.id for p in ctx.batch.people.values()]
        days = [shanghai_day(r.recorded_at) for r in ctx.batch.records if r.type == "sample"]
        tubes = [t.id for t in ctx.batch.tubes.values() if t is not None and t.id is not None]
        ctx.batch.live = {person: [] for person in people}
        if people and days:
            start, end = min(d[0] for d in days), max(d[1] for d in days)
            with db.session.no_autoflush:
                rows = db.session.execute(select(Sample.person_id, Sample.tube_id, Sample.recorded_at,
                                                 Sample.id).where(
                    Sample.person_id.in_(people), Sample.voided_at.is_(None),
                    or_(Sample.tube_id.in_(tubes),
                        and_(Sample.recorded_at >= start, Sample.recorded_at < end))))
            for person, tube, recorded_at, sample_id in rows:
                ctx.batch.live[person].append((tube, recorded_at, sample_id))
    return ctx.batch.live


@handles("sample")
def apply_sample(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    barcode = check_tube_barcode(data.get("tube"), site)
    if not data.get("person"):
        raise RecordError(INVALID_FIELD, "`person` is required.", "person")
    person = resolve_person(ctx.community_id, data["person"], known=ctx.batch.people)
    warnings: list = []
    tube = _tube_for(ctx, record, site, barcode, warnings)
    where = {"site_id": site.id, "tube_id": tube.id, "person_id": person.id}
    if tube.status in SEALED:
        warnings.append(ctx.flag("tube_already_sealed", record, **where,
                                 detail={"tube": barcode, "status": tube.status}))
    live = _live_samples(ctx, person.id, tube.id, record.recorded_at)
    if tube.id in live:
        # The unique (tube, person) index allows one live sample: the record stays in the inbox.
        warnings.append(ctx.flag("person_in_tube_twice", record, **where, detail={"tube": barcode}))
        return warnings
    if live:
        warnings.append(ctx.flag("person_sampled_twice_today", record, **where,
                                 detail={"tube": barcode}))
    sample = insert_sample(Sample(
        record_id=record.id, community_id=ctx.community_id, site_id=site.id, tube_id=tube.id,
        person_id=person.id, device_id=ctx.device.id, user_id=ctx.user.id,
        recorded_at=record.recorded_at), tube, _slots(ctx, tube))
    if ctx.batch.batched:
        ctx.batch.added.setdefault(person.id, []).append(sample)
    if sample is None:
        warnings.append(ctx.flag("person_in_tube_twice", record, **where, detail={"tube": barcode}))
    elif sample.slot is None:
        warnings.append(ctx.flag("tube_over_capacity", record, **where,
                                 detail={"tube": barcode, "capacity": tube.capacity}))
    return warnings


@handles("sample_void")
def apply_sample_void(ctx: SyncContext, record: Record) -> list:
    data = record.data
    target = text_field(data, "sample_record_id", required=True, max_length=36)
    reason = text_field(data, "reason", max_length=200)
    sample = db.session.scalar(select(Sample).where(
        Sample.record_id == target, Sample.community_id == ctx.community_id))
    if sample is None:
        # A sample record accepted without a row of its own (person already in that tube)
        # has nothing to void; one never received is an error the phone can retry later.
        known = db.session.scalar(select(InboxRecord.id).where(
            InboxRecord.id == target, InboxRecord.community_id == ctx.community_id))
        if known is None:
            raise RecordError(INVALID_FIELD, "No sample record with that id has arrived.",
                              "sample_record_id")
        return []
    if sample.voided_at is None:
        # Voiding frees the slot for the person scanned next (the swab was never taken,
        # or the person moves to another tube); the voided row stays for the audit trail.
        ctx.batch.slots.get(sample.tube_id, set()).discard(sample.slot)
        ctx.batch.voided.add(sample.id)
        sample.voided_at = record.recorded_at
        sample.void_reason = reason
        sample.slot = None
        db.session.flush()  # the batch's reads that do not flush must see the slot free
    return []


@handles("tube_seal")
def apply_tube_seal(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    warnings: list = []
    tube = _tube_for(ctx, record, site, check_tube_barcode(data.get("tube"), site), warnings)
    if tube.status == "open":
        tube.status = "sealed"
        tube.sealed_at = record.recorded_at
    return warnings


@handles("tube_reopen")
def apply_tube_reopen(ctx: SyncContext, record: Record) -> list:
    """A tube sealed by mistake is opened again; the supervisor sees why (a Flag)."""
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    barcode = check_tube_barcode(data.get("tube"), site)
    reason = text_field(data, "reason", required=True, max_length=200)
    warnings: list = []
    tube = _tube_for(ctx, record, site, barcode, warnings)
    previous = tube.status
    if tube.status == "sealed":
        tube.status = "open"
        tube.sealed_at = None
    # Not a warning for the phone (the user asked for it): a note for the supervisor.
    ctx.flag("tube_reopened", record, site_id=site.id, tube_id=tube.id, note=reason,
             detail={"tube": barcode, "status_before": previous})
    return warnings


@handles("box_pack")
def apply_box_pack(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    box = find_or_make_box(ctx.community_id, site,
                           text_field(data, "box", required=True, max_length=64, pattern=BOX_PATTERN))
    warnings: list = []
    tube = _tube_for(ctx, record, site, check_tube_barcode(data.get("tube"), site), warnings)
    if tube.status == "open":
        tube.sealed_at = record.recorded_at  # packing closes the tube
    if tube.status in ("open", "sealed"):
        tube.status = "packed"
    tube.box_id = box.id
    return warnings


@handles("box_handover")
def apply_box_handover(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    box = find_or_make_box(ctx.community_id, site,
                           text_field(data, "box", required=True, max_length=64, pattern=BOX_PATTERN))
    courier = text_field(data, "courier", max_length=60)
    if box.handed_over_at is None:
        box.handed_over_at = record.recorded_at
        box.courier = courier
    for tube in box.tubes:
        if tube.status in ("open", "sealed", "packed"):
            tube.status = "handed_over"
    return []
