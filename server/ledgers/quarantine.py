"""Home quarantine and health monitoring (居家隔离 / 健康监测): placements, twice-daily
temperature reports and the missed-report check.

Dates are local (server/clock.py) and both ends included. A day has two slots: a report made
before the morning close (config QUARANTINE_SLOT_CLOSE) is the morning one, any later report
the evening one. A slot whose close has passed with no report is missed: the check (a function
of `now`, run by `checkpoint check-quarantine`) keeps a TemperatureReport row without a
temperature for it, which the database keeps unique, and raises a Flag with a deadline."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from offline.protocol import TEMPERATURE_OUT_OF_RANGE, RecordError
from offline.rules import TEMPERATURE_MAX, TEMPERATURE_MIN
from offline.temperature import parse_temperature as temperature_c
from offline.text import clean_line
from ..audit import audit
from ..clock import local_at, local_day, local_time
from ..extensions import db
from ..models import Community, Flag, Person, Placement, TemperatureReading, TemperatureReport, utcnow
from ..models.ledgers import PLACEMENT_KINDS, SLOTS
from ..privacy import mask_name

WATCH_TAG = "home-quarantine"  # the roster's tag: kept for residents the ledger never held
MISSED_KIND = "quarantine_report_missed"
FEVER_KIND = "quarantine_fever"


class LedgerError(ValueError):
    """A request the ledger refuses; the message is for the user."""


def slot_close(day: date, slot: str) -> datetime:
    hours, minutes = map(int, current_app.config["QUARANTINE_SLOT_CLOSE"][slot].split(":"))
    return local_at(day, time(hours, minutes))


def slot_for(now: datetime) -> tuple[date, str]:
    """The (local day, slot) a report made at `now` counts for."""
    day = local_day(now)
    return day, "morning" if now < slot_close(day, "morning") else "evening"


def is_active(placement: Placement, day: date) -> bool:
    return placement.start_date <= day <= placement.end_date and placement.ended_early_at is None


def active_filter(day: date):
    return (Placement.start_date <= day, Placement.end_date >= day,
            Placement.ended_early_at.is_(None))


# ---- placing, ending, extending (supervisor) -------------------------------------------------

def place(person: Person, kind: str, reason: str, start: date, days: int, user) -> Placement:
    """Put a roster resident under quarantine or monitoring, audited. Flushes."""
    if kind not in PLACEMENT_KINDS:
        raise LedgerError(_("Choose quarantine or health monitoring."))
    if not 1 <= days <= 60:
        raise LedgerError(_("The duration is 1 to 60 days."))
    end = start + timedelta(days=days - 1)
    overlapping = db.session.scalar(select(Placement.id).where(
        Placement.person_id == person.id, Placement.ended_early_at.is_(None),
        Placement.end_date >= start, Placement.start_date <= end))
    if overlapping:
        raise LedgerError(_("This resident already has a placement for these dates."))
    placement = Placement(community_id=person.community_id, person_id=person.id, kind=kind,
                          reason=clean_line(reason or "")[:200] or None, start_date=start,
                          end_date=end, created_by=getattr(user, "id", None))
    db.session.add(placement)
    db.session.flush()
    audit("placement_started", target=f"placement:{placement.id}", community_id=person.community_id,
          user=user, person=person.id, kind=kind, start=start.isoformat(), end=end.isoformat())
    return placement


def end_early(placement: Placement, now: datetime, user, note: str = "") -> None:
    today = local_day(now)
    if placement.ended_early_at is not None or placement.end_date < today:
        raise LedgerError(_("This placement has already ended."))
    previous = placement.end_date
    placement.end_date = max(today, placement.start_date)
    placement.ended_early_at = now
    _add_note(placement, now, _("Ended early"), note)
    audit("placement_ended_early", target=f"placement:{placement.id}", user=user,
          community_id=placement.community_id, end_from=previous.isoformat(),
          end_to=placement.end_date.isoformat())
    db.session.flush()


def extend(placement: Placement, days: int, today: date, user, note: str = "") -> None:
    if placement.ended_early_at is not None or placement.end_date < today:
        raise LedgerError(_("This placement has already ended."))
    if not 1 <= days <= 60:
        raise LedgerError(_("The duration is 1 to 60 days."))
    previous = placement.end_date
    placement.end_date = previous + timedelta(days=days)
    _add_note(placement, today, _("Extended to %(end)s", end=placement.end_date.isoformat()), note)
    audit("placement_extended", target=f"placement:{placement.id}", user=user,
          community_id=placement.community_id, end_from=previous.isoformat(),
          end_to=placement.end_date.isoformat())
    db.session.flush()


def _add_note(placement: Placement, when, what: str, note: str) -> None:
    """One line of the placement's notes (encrypted: the audit trail keeps only the dates)."""
    note = clean_line(note or "")[:200]
    if not note:
        return
    day = local_day(when) if isinstance(when, datetime) else when
    line = f"{day.isoformat()} {what}: {note}"
    placement.notes = f"{placement.notes}\n{line}" if placement.notes else line


# ---- reports ---------------------------------------------------------------------------------

def parse_temperature(value) -> Decimal:
    """A temperature typed on a form: the rule of every input (offline/temperature.py), with
    the form's messages."""
    try:
        temperature = temperature_c(str(value).strip().replace(",", "."))
    except RecordError as error:
        if error.code == TEMPERATURE_OUT_OF_RANGE:
            raise LedgerError(_("The temperature must be between %(low)s and %(high)s °C.",
                                low=TEMPERATURE_MIN, high=TEMPERATURE_MAX)) from None
        raise LedgerError(_("Enter the temperature, for example 36.5.")) from None
    return temperature


def record_report(placement: Placement, value, now: datetime, source: str,
                  user=None, slot: tuple[date, str] | None = None,
                  record_id: str | None = None) -> TemperatureReport:
    """Store a temperature taken at `now` for the slot it falls in (or for `slot`, a missed
    slot of the placement reported late). Every reading is kept (TemperatureReading); the
    slot's row holds the latest. A report for a slot already flagged missed closes that Flag.
    Flushes."""
    temperature = parse_temperature(value)
    day, slot_name = slot or slot_for(now)
    if slot is not None:  # a late report: only for a slot of this placement still without one
        if (day, slot_name) not in {(d, s) for d, s, _missed in due_slots(placement, now)}:
            raise LedgerError(_("Choose a slot of this placement that is due."))
    elif not is_active(placement, day):
        raise LedgerError(_("This placement is not running today."))
    report = _report_row(placement, day, slot_name)
    report.temperature_c, report.reported_at = temperature, now
    report.source, report.user_id = source, getattr(user, "id", user if isinstance(user, int) else None)
    db.session.add(TemperatureReading(
        community_id=placement.community_id, placement_id=placement.id, day=day, slot=slot_name,
        temperature_c=temperature, source=source, user_id=report.user_id, record_id=record_id,
        taken_at=now, created_at=utcnow()))
    if report.flag_id is not None:
        close_missed(report.flag_id, now, report.user_id)
    community = db.session.get(Community, placement.community_id)
    if temperature >= community.fever_threshold_c:
        _flag(placement, FEVER_KIND, now, day=day.isoformat(), slot=slot_name,
              temperature=str(temperature))
    db.session.flush()
    return report


def close_missed(flag_id: int, now: datetime, user_id: int | None) -> None:
    """A late report arrived: its missed-report Flag is closed (kept, resolved, with a note)."""
    flag = db.session.get(Flag, flag_id)
    if flag is not None and flag.resolved_at is None and flag.kind == MISSED_KIND:
        flag.resolved_at, flag.resolved_by = utcnow(), user_id
        flag.resolution_note = _("Reported late (%(at)s).", at=local_time(now, "%m-%d %H:%M"))


def readings_of(placement: Placement) -> list[TemperatureReading]:
    """Every reading of the placement, newest first (none is ever overwritten)."""
    return list(db.session.scalars(select(TemperatureReading).where(
        TemperatureReading.placement_id == placement.id)
        .order_by(TemperatureReading.taken_at.desc(), TemperatureReading.id.desc())))


def _report_row(placement, day, slot) -> TemperatureReport:
    """The slot's row, created if missing; a concurrent creator wins and we use its row."""
    where = (TemperatureReport.placement_id == placement.id, TemperatureReport.day == day,
             TemperatureReport.slot == slot)
    row = db.session.scalar(select(TemperatureReport).where(*where))
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = TemperatureReport(community_id=placement.community_id, placement_id=placement.id,
                                    day=day, slot=slot)
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(select(TemperatureReport).where(*where))
    return row


def reports_of(placement: Placement) -> list[TemperatureReport]:
    return list(db.session.scalars(select(TemperatureReport).where(
        TemperatureReport.placement_id == placement.id)
        .order_by(TemperatureReport.day.desc(), TemperatureReport.slot.desc())))


def due_slots(placement: Placement, now: datetime) -> list[tuple[date, str, bool]]:
    """(day, slot, missed) of the placement without a temperature, up to the current slot."""
    reported = {(r.day, r.slot) for r in reports_of(placement) if r.temperature_c is not None}
    current = slot_for(now)
    due = []
    for day, slot in _slots(placement, now, include_current=True):
        if (day, slot) not in reported:
            due.append((day, slot, (day, slot) != current))
    return due


def _slots(placement: Placement, now: datetime, include_current: bool = False):
    """Slots of the placement that closed before `now` (and the current one if asked), since
    the placement was made, within the look-back window."""
    today = local_day(now)
    first = max(placement.start_date, local_day(placement.created_at),
                today - timedelta(days=current_app.config["QUARANTINE_LOOKBACK_DAYS"]))
    last = min(placement.end_date, today)
    current = slot_for(now)
    day = first
    while day <= last:
        for slot in SLOTS:
            close = slot_close(day, slot)
            if close <= placement.created_at:
                continue
            if close <= now or (include_current and (day, slot) == current):
                yield day, slot
        day += timedelta(days=1)


# ---- the missed-report check -----------------------------------------------------------------

def raise_missed(now: datetime, community_id: int | None = None) -> list[Flag]:
    """Flag every slot that closed without a report (once per slot). Flushes; returns the new
    Flags."""
    today = local_day(now)
    query = select(Placement).where(
        Placement.start_date <= today,
        Placement.end_date >= today - timedelta(days=current_app.config["QUARANTINE_LOOKBACK_DAYS"]))
    if community_id is not None:
        query = query.where(Placement.community_id == community_id)
    flags = []
    for placement in db.session.scalars(query).all():
        stop = placement.ended_early_at
        for day, slot in _slots(placement, now):
            if stop is not None and slot_close(day, slot) > stop:
                continue
            flag = _miss(placement, day, slot, now)
            if flag is not None:
                flags.append(flag)
    db.session.flush()
    return flags


def _miss(placement, day, slot, now) -> Flag | None:
    if db.session.scalar(select(exists().where(
            TemperatureReport.placement_id == placement.id, TemperatureReport.day == day,
            TemperatureReport.slot == slot))):
        return None
    due = slot_close(day, slot) + timedelta(minutes=current_app.config["QUARANTINE_MISSED_DEADLINE_MINUTES"])
    try:
        with db.session.begin_nested():
            flag = _flag(placement, MISSED_KIND, now, day=day.isoformat(), slot=slot,
                         due_at=due.isoformat())
            db.session.add(TemperatureReport(community_id=placement.community_id,
                                             placement_id=placement.id, day=day, slot=slot,
                                             flag_id=flag.id))
    except IntegrityError:  # another check (or a report) took the slot meanwhile
        return None
    return flag


def _flag(placement: Placement, kind: str, now: datetime, **facts) -> Flag:
    person = db.session.get(Person, placement.person_id)
    flag = Flag(community_id=placement.community_id, kind=kind, person_id=person.id,
                created_at=now, detail={"placement": placement.id, "building": person.building,
                                        "name": mask_name(person.name), **facts})
    db.session.add(flag)
    db.session.flush()
    return flag


# ---- the gate's watch list -------------------------------------------------------------------

def watched_people(community_id: int, day: date) -> list[Person]:
    """Residents under home quarantine on `day` by the ledger, and residents tagged
    home-quarantine by a roster import whom the ledger never held (the ledger decides as soon
    as it holds a person, so an ended placement takes them off even if the tag stays)."""
    in_ledger = db.session.scalars(select(Person).join(Placement, Placement.person_id == Person.id)
                                   .where(Person.community_id == community_id,
                                          Placement.kind == "quarantine", *active_filter(day)))
    tagged = db.session.scalars(select(Person).where(
        Person.community_id == community_id, Person.tags.contains(WATCH_TAG),
        ~exists().where(Placement.person_id == Person.id)))
    people = {p.id: p for p in in_ledger}
    people.update({p.id: p for p in tagged if WATCH_TAG in p.tag_list})
    return list(people.values())


def on_watch(person: Person, day: date, placements: list | None = None) -> bool:
    """The watch-list rule of watched_people for one person (placements: theirs, if read)."""
    if placements is None:
        placements = db.session.scalars(select(Placement).where(Placement.person_id == person.id)).all()
    if not placements:
        return WATCH_TAG in person.tag_list
    return any(p.kind == "quarantine" and is_active(p, day) for p in placements)


def household_placements(community_id: int, building: str, unit, room, day: date) -> list[Placement]:
    """Active quarantine placements of the residents of one household."""
    where = [Person.community_id == community_id, Person.building == building,
             Placement.kind == "quarantine", *active_filter(day)]
    for column, value in ((Person.unit, unit), (Person.room, room)):
        where.append(column == value if value else or_(column.is_(None), column == ""))
    return list(db.session.scalars(select(Placement).join(Person, Person.id == Placement.person_id)
                                   .where(*where).order_by(Placement.id)))
