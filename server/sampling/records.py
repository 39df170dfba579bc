"""Sampling records (DESIGN §5): tube_open, sample, sample_void, tube_seal, tube_reopen,
box_pack, box_handover. Business-rule surprises are accepted with a Flag, never refused:
the phone could not have known (another phone filled or sealed the tube meanwhile).

Handlers plan against the batch's picture of its tubes, boxes and samples (_Sampling): read
once for the whole batch (server/sync/reads.py), changed in memory record by record, written
in its final state by _write (a tube opened, filled and sealed in one batch is one insert).
The slot of a sample is the lowest free one; the database's unique (tube, slot) index still
guards it: a slot another request took after our look-ups fails the write, and the batch is
planned again from fresh look-ups (offline/ingest.py)."""
from offline.protocol import INVALID_FIELD, Record, RecordError
from offline.rules import TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN
from ..sync.bulk import Ref
from ..sync.identify import check_person, claim_person
from ..models import Sample
from ..models.sampling import TUBE_STATUSES, Box, Tube
from ..sync.records import SyncContext, handles, text_field
from .tubes import check_tube_barcode

BOX_PATTERN = r"[A-Za-z0-9_-]{4,64}"
SEALED = TUBE_STATUSES[1:]  # every status after "open"
_MISSING = object()
_NONE = frozenset()


class TubeState:
    """A tube as the batch leaves it (id: a Ref while it is new)."""

    __slots__ = ("id", "barcode", "site_id", "capacity", "status", "sealed_at", "box", "opened_at",
                 "new", "changed", "used")

    def __init__(self, id, barcode, site_id, capacity, status, sealed_at, box, opened_at, new):
        self.id, self.barcode, self.site_id, self.capacity = id, barcode, site_id, capacity
        self.status, self.sealed_at, self.box, self.opened_at = status, sealed_at, box, opened_at
        self.new = new
        self.changed: set = set()
        self.used: set | None = set() if new else None  # taken slots, read on first need

    @property
    def db_id(self) -> int | None:
        return None if self.new else self.id

    def set(self, ctx: SyncContext, **values) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.changed.add(name)
        ctx.touch()


class BoxState:
    __slots__ = ("id", "barcode", "site_id", "handed_over", "handed_over_at", "courier", "new", "changed")

    def __init__(self, id, barcode, site_id, handed_over, new):
        self.id, self.barcode, self.site_id, self.handed_over = id, barcode, site_id, handed_over
        self.handed_over_at = self.courier = None
        self.new, self.changed = new, False


class _Sampling:
    """The batch's tubes, boxes and samples."""

    def __init__(self):
        self.tubes: dict = {}  # barcode -> TubeState (None: not in the database)
        self.boxes: dict = {}  # barcode -> BoxState
        self.samples: dict = {}  # record id -> row of a sample this batch adds
        self.added: dict = {}  # person id (or Ref) -> rows of the samples this batch adds
        self.voided: dict = {}  # id of a stored sample this batch voids -> (time, reason)
        self.freed: dict = {}  # tube id -> slots freed by those voids


def _state(ctx: SyncContext) -> _Sampling:
    if "sampling" not in ctx.memo:
        ctx.memo["sampling"] = _Sampling()
        ctx.finish_with(_write)
    return ctx.memo["sampling"]


def _from_row(row) -> TubeState:
    return TubeState(row.id, row.barcode, row.site_id, row.capacity, row.status, row.sealed_at,
                     row.box_id, None, new=False)


def _capacity(data: dict, default: int) -> int:
    capacity = data.get("capacity", default)
    if capacity is None:
        return default
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not (
            TUBE_CAPACITY_MIN <= capacity <= TUBE_CAPACITY_MAX):
        raise RecordError(INVALID_FIELD, f"`capacity` must be a whole number from {TUBE_CAPACITY_MIN} "
                                         f"to {TUBE_CAPACITY_MAX}.", "capacity")
    return capacity


def _find(ctx: SyncContext, barcode: str) -> TubeState | None:
    state = _state(ctx)
    tube = state.tubes.get(barcode, _MISSING)
    if tube is _MISSING:
        row = ctx.lookups.tube(barcode)
        tube = state.tubes[barcode] = _from_row(row) if row else None
    return tube


def _open(ctx: SyncContext, site, barcode: str, capacity: int, at) -> TubeState:
    tube = TubeState(Ref(), barcode, site.id, capacity, "open", None, None, at, new=True)
    _state(ctx).tubes[barcode] = tube
    ctx.touch()
    return tube


def _tube_for(ctx: SyncContext, record: Record, site, barcode: str, warnings: list) -> TubeState:
    """The tube a record names; one never opened is opened now (and flagged)."""
    tube = _find(ctx, barcode)
    if tube is None:
        tube = _open(ctx, site, barcode, site.tube_capacity, record.recorded_at)
        warnings.append(ctx.flag("tube_not_opened", record, site_id=site.id, tube_id=tube.id,
                                 detail={"tube": barcode}))
    else:
        warnings += _reused_elsewhere(ctx, record, site, tube)
    return tube


def _reused_elsewhere(ctx: SyncContext, record: Record, site, tube: TubeState) -> list:
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


def _used(ctx: SyncContext, tube: TubeState) -> set:
    """The tube's taken slots (as the batch leaves them)."""
    if tube.used is None:
        tube.used = set(ctx.lookups.used_slots(tube.id)) - _state(ctx).freed.get(tube.id, _NONE)
    return tube.used


def _live(ctx: SyncContext, person, tube: TubeState, at) -> tuple[bool, bool]:
    """(whether the person holds a live sample in this tube, whether in this tube or in any
    tube the same local day). Only this tube and this day matter: a resident sampled daily
    for months stays one small read."""
    state = _state(ctx)
    day = ctx.lookups.day_range(at)
    in_tube = same_day = False
    if person.known_id is not None:
        in_tube, same_day = ctx.lookups.sampled(person.known_id, tube.db_id, day,
                                                frozenset(state.voided) if state.voided else _NONE)
    for row in state.added.get(person.id, ()):
        if row["voided_at"] is None:
            if row["tube_id"] == tube.id:
                in_tube = True
            elif day[0] <= row["recorded_at"] < day[1]:
                same_day = True
    return in_tube, in_tube or same_day


@handles("sample")
def apply_sample(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    barcode = check_tube_barcode(data.get("tube"), site)
    if not data.get("person"):
        raise RecordError(INVALID_FIELD, "`person` is required.", "person")
    claim = check_person(ctx, data["person"])
    # Checked: from here on the record is planned (nothing below refuses it).
    person = claim_person(ctx, claim)
    warnings: list = []
    tube = _tube_for(ctx, record, site, barcode, warnings)
    where = {"site_id": site.id, "tube_id": tube.id, "person_id": person.id}
    if tube.status in SEALED:
        warnings.append(ctx.flag("tube_already_sealed", record, **where,
                                 detail={"tube": barcode, "status": tube.status}))
    in_tube, any_today = _live(ctx, person, tube, record.recorded_at)
    if in_tube:
        # The unique (tube, person) index allows one live sample: the record stays in the inbox.
        warnings.append(ctx.flag("person_in_tube_twice", record, **where, detail={"tube": barcode}))
        return warnings
    if any_today:
        warnings.append(ctx.flag("person_sampled_twice_today", record, **where,
                                 detail={"tube": barcode}))
    used = _used(ctx, tube)
    slot = next((s for s in range(1, tube.capacity + 1) if s not in used), None)
    used.add(slot)
    row = dict(record_id=record.id, community_id=ctx.community_id, site_id=site.id, tube_id=tube.id,
               person_id=person.id, slot=slot, device_id=ctx.device_id, user_id=ctx.user_id,
               recorded_at=record.recorded_at, voided_at=None, void_reason=None)
    state = _state(ctx)
    state.samples[record.id] = row
    state.added.setdefault(person.id, []).append(row)
    ctx.touch()
    if slot is None:
        warnings.append(ctx.flag("tube_over_capacity", record, **where,
                                 detail={"tube": barcode, "capacity": tube.capacity}))
    return warnings


@handles("sample_void")
def apply_sample_void(ctx: SyncContext, record: Record) -> list:
    data = record.data
    target = text_field(data, "sample_record_id", required=True, max_length=36)
    reason = text_field(data, "reason", max_length=200)
    state = _state(ctx)
    # Voiding frees the slot for the person scanned next (the swab was never taken, or the
    # person moves to another tube); the voided row stays for the audit trail.
    added = state.samples.get(target)
    if added is not None:
        if added["voided_at"] is None:
            tube = next(t for t in state.tubes.values() if t is not None and t.id == added["tube_id"])
            _used(ctx, tube).discard(added["slot"])
            added.update(voided_at=record.recorded_at, void_reason=reason, slot=None)
            ctx.touch()
        return []
    sample = ctx.lookups.sample_by_record(target)
    if sample is None:
        # A sample record accepted without a row of its own (person already in that tube)
        # has nothing to void; one never received is an error the phone can retry later.
        if target in ctx.accepted_ids or ctx.lookups.inbox_has(target):
            return []
        raise RecordError(INVALID_FIELD, "No sample record with that id has arrived.",
                          "sample_record_id")
    if not sample.voided and sample.id not in state.voided:
        state.voided[sample.id] = (record.recorded_at, reason)
        if sample.slot is not None:
            tube = next((t for t in state.tubes.values() if t is not None and t.id == sample.tube_id), None)
            if tube is not None and tube.used is not None:
                tube.used.discard(sample.slot)
            else:
                state.freed.setdefault(sample.tube_id, set()).add(sample.slot)
        ctx.touch()
    return []


@handles("tube_seal")
def apply_tube_seal(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    warnings: list = []
    tube = _tube_for(ctx, record, site, check_tube_barcode(data.get("tube"), site), warnings)
    if tube.status == "open":
        tube.set(ctx, status="sealed", sealed_at=record.recorded_at)
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
        tube.set(ctx, status="open", sealed_at=None)
    # Not a warning for the phone (the user asked for it): a note for the supervisor.
    ctx.flag("tube_reopened", record, site_id=site.id, tube_id=tube.id, note=reason,
             detail={"tube": barcode, "status_before": previous})
    return warnings


def _box(ctx: SyncContext, site, barcode: str) -> BoxState:
    state = _state(ctx)
    if barcode not in state.boxes:
        row = ctx.lookups.box(barcode)
        if row is not None:
            state.boxes[barcode] = BoxState(row.id, barcode, row.site_id, bool(row.handed_over), new=False)
        else:
            state.boxes[barcode] = BoxState(Ref(), barcode, site.id, False, new=True)
            ctx.touch()
    return state.boxes[barcode]


@handles("box_pack")
def apply_box_pack(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    box_barcode = text_field(data, "box", required=True, max_length=64, pattern=BOX_PATTERN)
    barcode = check_tube_barcode(data.get("tube"), site)
    box = _box(ctx, site, box_barcode)
    warnings: list = []
    tube = _tube_for(ctx, record, site, barcode, warnings)
    if tube.status == "open":
        tube.set(ctx, sealed_at=record.recorded_at)  # packing closes the tube
    if tube.status in ("open", "sealed"):
        tube.set(ctx, status="packed")
    tube.set(ctx, box=box)
    return warnings


@handles("box_handover")
def apply_box_handover(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="sampling_point")
    box_barcode = text_field(data, "box", required=True, max_length=64, pattern=BOX_PATTERN)
    courier = text_field(data, "courier", max_length=60)
    box = _box(ctx, site, box_barcode)
    if not box.handed_over:
        box.handed_over, box.handed_over_at, box.courier, box.changed = True, record.recorded_at, courier, True
        ctx.touch()
    for tube in _tubes_in(ctx, box):
        if tube.status in ("open", "sealed", "packed"):
            tube.set(ctx, status="handed_over")
    return []


def _tubes_in(ctx: SyncContext, box: BoxState) -> list[TubeState]:
    """The box's tubes as the batch leaves them: those stored in it, those packed by the batch."""
    state = _state(ctx)
    if not box.new:
        for row in ctx.lookups.box_tubes(box.id):
            if state.tubes.get(row.barcode, _MISSING) is _MISSING:
                state.tubes[row.barcode] = _from_row(row)
    return [t for t in state.tubes.values()
            if t is not None and (t.box is box or (not box.new and t.box == box.id))]


def _write(ctx: SyncContext) -> None:
    """The batch's sampling state as writes: new boxes and tubes in their final state,
    changes of stored ones, voids, then the new samples."""
    state = _state(ctx)
    boxes, tubes = Box.__table__, Tube.__table__
    for box in state.boxes.values():
        if box.new:
            ctx.create(boxes, box.id, ("barcode",), dict(
                community_id=ctx.community_id, site_id=box.site_id, barcode=box.barcode,
                created_at=ctx.now, handed_over_at=box.handed_over_at, courier=box.courier))
        elif box.changed:
            ctx.update_later(boxes, ("handed_over_at", "courier"), box.id,
                             {"handed_over_at": box.handed_over_at, "courier": box.courier})
    for tube in state.tubes.values():
        if tube is None:
            continue
        box = tube.box.id if isinstance(tube.box, BoxState) else tube.box
        if tube.new:
            ctx.create(tubes, tube.id, ("barcode",), dict(
                community_id=ctx.community_id, site_id=tube.site_id, barcode=tube.barcode,
                capacity=tube.capacity, status=tube.status, opened_at=tube.opened_at,
                sealed_at=tube.sealed_at, box_id=box, result=None))
        elif tube.changed:
            values = {"status": tube.status, "sealed_at": tube.sealed_at, "box_id": box}
            columns = tuple(c for c in ("status", "sealed_at", "box_id")
                            if (c if c != "box_id" else "box") in tube.changed)
            ctx.update_later(tubes, columns, tube.id, {c: values[c] for c in columns})
    samples = Sample.__table__
    for sample_id, (at, reason) in state.voided.items():
        ctx.update_later(samples, ("voided_at", "void_reason", "slot"), sample_id,
                         {"voided_at": at, "void_reason": reason, "slot": None})
    for row in state.samples.values():
        ctx.insert_later(Sample, **row)
