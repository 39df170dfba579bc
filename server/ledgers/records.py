"""The building worker's sync records (issue 17), entered on "my tasks" online or offline:

- temperature_reading {placement_id, temperature_c, day?, slot?}: a resident's temperature
  taken by the worker at recorded_at (its slot), or for a missed slot given by day and slot.
  Every reading is kept; a reading for a slot already flagged missed closes that Flag.
- visit_note {placement_id, note}: what the worker did at a household visit (encrypted).
- need_done {need_id, done}: a household need (meal, rubbish, medicine) done or undone.

The handlers check everything they can before the write lock (the placement or need belongs
to the syncing user's community; the temperature in range) and leave the ledger's own logic to
run under it (SyncContext.write_with)."""
from datetime import date

from sqlalchemy import select

from offline.protocol import INVALID_FIELD, MAX_INT, Record, RecordError
from offline.temperature import parse_temperature
from ..extensions import db
from ..models import CareVisit, HouseholdNeed, Placement, TemperatureReading, User
from ..models.ledgers import SLOTS
from ..sync.records import SyncContext, handles, text_field
from .households import mark_need
from .quarantine import LedgerError, due_slots, is_active, record_report, slot_for


def _id_field(data: dict, name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_INT:
        raise RecordError(INVALID_FIELD, f"`{name}` must be an id.", name)
    return value


def _placement(ctx: SyncContext, data: dict) -> Placement:
    placement_id = _id_field(data, "placement_id")
    placement = db.session.scalar(select(Placement).where(
        Placement.id == placement_id, Placement.community_id == ctx.community_id))
    if placement is None:
        raise RecordError(INVALID_FIELD, f"No placement {placement_id}.", "placement_id")
    return placement


@handles("temperature_reading")
def apply_reading(ctx: SyncContext, record: Record) -> list:
    data = record.data
    placement = _placement(ctx, data)
    temperature = parse_temperature(data.get("temperature_c"))
    if temperature is None:
        raise RecordError(INVALID_FIELD, "`temperature_c` is required.", "temperature_c")
    slot = None
    if data.get("slot") is not None or data.get("day") is not None:
        name = data.get("slot")
        try:
            day = date.fromisoformat(str(data.get("day")))
        except ValueError:
            raise RecordError(INVALID_FIELD, "`day` must be a date (YYYY-MM-DD).", "day") from None
        if name not in SLOTS:
            raise RecordError(INVALID_FIELD, "`slot` must be 'morning' or 'evening'.", "slot")
        if (day, name) not in {(d, s) for d, s, _m in due_slots(placement, record.recorded_at)}:
            raise RecordError(INVALID_FIELD, "That slot of the placement is not due.", "slot")
        slot = (day, name)
    elif not is_active(placement, slot_for(record.recorded_at)[0]):
        raise RecordError(INVALID_FIELD, "The placement was not running when the reading was taken.",
                          "placement_id")
    ctx.write_with(_write_reading, placement.id, temperature, record.recorded_at, ctx.user_id,
                   slot, record.id)
    return ["fever"] if temperature >= ctx.who.fever_threshold_c else []


def _write_reading(placement_id, temperature, taken_at, user_id, slot, record_id) -> None:
    placement = db.session.get(Placement, placement_id)
    try:
        record_report(placement, temperature, taken_at, "worker", user=user_id, slot=slot,
                      record_id=record_id)
    except LedgerError:
        # The handler checked the slot; should it have changed meanwhile (the placement
        # ended since), the reading still joins the history: nothing captured is lost.
        day, name = slot or slot_for(taken_at)
        db.session.add(TemperatureReading(
            community_id=placement.community_id, placement_id=placement.id, day=day, slot=name,
            temperature_c=temperature, source="worker", user_id=user_id, record_id=record_id,
            taken_at=taken_at))


@handles("visit_note")
def apply_visit(ctx: SyncContext, record: Record) -> list:
    placement = _placement(ctx, record.data)
    note = text_field(record.data, "note", required=True, max_length=500)
    ctx.insert_later(CareVisit, community_id=ctx.community_id, person_id=placement.person_id,
                     visitor_id=ctx.user_id, visited_at=record.recorded_at, need=None, done=note,
                     created_by=ctx.user_id, created_at=ctx.now)
    return []


@handles("need_done")
def apply_need_done(ctx: SyncContext, record: Record) -> list:
    need_id = _id_field(record.data, "need_id")
    done = record.data.get("done", True)
    if not isinstance(done, bool):
        raise RecordError(INVALID_FIELD, "`done` must be true or false.", "done")
    found = db.session.scalar(select(HouseholdNeed.id).where(
        HouseholdNeed.id == need_id, HouseholdNeed.community_id == ctx.community_id))
    if found is None:
        raise RecordError(INVALID_FIELD, f"No household need {need_id}.", "need_id")
    ctx.write_with(_write_need, need_id, done, record.recorded_at, ctx.user_id, record.id)
    return []


def _write_need(need_id, done, at, user_id, record_id) -> None:
    mark_need(db.session.get(HouseholdNeed, need_id), done, at, db.session.get(User, user_id), record_id)
