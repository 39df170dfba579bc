"""The gate_entry record: validation and what it does to the database."""
from offline.protocol import INVALID_FIELD, Record, RecordError
from offline.rules import is_plate, normalise_plate as plate_text
from offline.temperature import parse_temperature
from ..clock import local_day
from ..sync.identify import check_person, claim_person
from ..models import GateEntry
from ..models.gate import DIRECTIONS
from ..sync.records import SyncContext, handles, text_field
from ..ledgers.quarantine import on_watch

TURN_BACK_REASONS = ("outsider", "no_pass", "fever", "other")


def normalise_plate(value: str | None) -> str | None:
    if value is None:
        return None
    plate = plate_text(value)
    # Mainland plates (new-energy ones included): offline/client/rules.json, as the phone has it.
    if not is_plate(plate):
        raise RecordError(INVALID_FIELD, "Not a mainland vehicle plate (e.g. 京A12345, 京AD12345).",
                          "vehicle_plate")
    return plate


def _on_watch(ctx: SyncContext, person, day) -> bool:
    """on_watch, with the placements of a batch's people read once for the whole batch
    (a person this batch adds outside the roster has none, and no tags)."""
    if person.known_id is None:
        return False
    return on_watch(person, day, ctx.lookups.placements(person.known_id))


@handles("gate_entry")
def apply_gate_entry(ctx: SyncContext, record: Record) -> list:
    data = record.data
    site = ctx.site(data, kind="gate")
    direction = data.get("direction")
    if direction not in DIRECTIONS:
        raise RecordError(INVALID_FIELD, "`direction` must be 'in' or 'out'.", "direction")
    temperature = parse_temperature(data.get("temperature_c"))
    plate = normalise_plate(text_field(data, "vehicle_plate", max_length=16))
    turned_back = data.get("turned_back", False)
    if not isinstance(turned_back, bool):
        raise RecordError(INVALID_FIELD, "`turned_back` must be true or false.", "turned_back")
    sent_to_sample = data.get("sent_to_sample", False)
    if not isinstance(sent_to_sample, bool):
        raise RecordError(INVALID_FIELD, "`sent_to_sample` must be true or false.", "sent_to_sample")
    reason = text_field(data, "reason", max_length=40)
    if reason is not None and reason not in TURN_BACK_REASONS:
        raise RecordError(INVALID_FIELD, f"`reason` must be one of {', '.join(TURN_BACK_REASONS)}.", "reason")
    remeasure_of = text_field(data, "remeasure_of", max_length=36)
    visitor = data.get("visitor") or {}
    if not isinstance(visitor, dict):
        raise RecordError(INVALID_FIELD, "`visitor` must be an object.", "visitor")
    claim = check_person(ctx, data["person"]) if data.get("person") else None
    note = text_field(data, "note", max_length=500)
    visitor_name = text_field(visitor, "name", max_length=60)
    visitor_phone = text_field(visitor, "phone", max_length=20)
    # Checked: from here on the record is planned (nothing below refuses it).
    person = claim_person(ctx, claim) if claim else None
    person_id = person.id if person else None
    fever = temperature is not None and temperature >= ctx.who.fever_threshold_c
    ctx.insert_later(
        GateEntry, record_id=record.id, community_id=ctx.community_id, site_id=site.id,
        device_id=ctx.device_id, user_id=ctx.user_id, person_id=person_id,
        direction=direction, temperature_c=temperature, fever=fever, vehicle_plate=plate,
        turned_back=turned_back, reason=reason, note=note, visitor_name=visitor_name,
        visitor_phone=visitor_phone, remeasure_of=remeasure_of, sent_to_sample=sent_to_sample,
        recorded_at=record.recorded_at,
        received_at=ctx.now)
    warnings = []
    if fever:
        warnings.append(ctx.flag("fever", record, site_id=site.id, person_id=person_id,
                                 detail={"temperature_c": str(temperature), "turned_back": turned_back}))
    if person is not None and direction == "out" and _on_watch(ctx, person, local_day(record.recorded_at)):
        warnings.append(ctx.flag("watch_list", record, site_id=site.id, person_id=person_id,
                                 detail={"direction": direction}))
    return warnings
