"""End of a campaign: delete its personal data, keep anonymous daily counts (DESIGN §4).

Everything recorded before the cutoff goes: gate entries, samples, tubes, boxes, lab results,
retests, flags (with their encrypted notes), rejected records, special groups' needs and home
visits, reviewed problems, residents' self-registrations,
quarantine placements that ended before the cutoff with their temperature reports (and
older reports), door-sensor events, the payloads of received records (their ids and digests stay,
so a late replay is still a `duplicate`), and people who are not in the roster and are no
longer referenced. Residents of the roster stay: the roster is the community's ledger, not
campaign data. The audit trail is append-only and holds no personal data and no free text
(ids, kinds, counts and dates only: migration 1100 removed the notes it once copied); a purge
event is added to it. Backups are the operator's to purge (README)."""
from collections import Counter
from datetime import date, datetime

from sqlalchemy import delete, exists, or_, select, update

from .audit import audit
from .clock import day_bounds, local_day
from .extensions import db
from .models import (Box, CareNeed, CareVisit, DailyCount, DoorEvent, Flag, GateEntry,
                     InboxRecord, LabResult, Person, Placement, Problem, Registration, Retest,
                     Sample, SyncRejection, TemperatureReport, Tube)

PURGED_PAYLOAD = '{"purged": true}'


def cutoff_of(before: date) -> datetime:
    """Midnight of `before` where the campaign ran, in UTC."""
    return day_bounds(before)[0]


def purge(before: date) -> dict[str, int]:
    """Delete personal data recorded before the date; return what was done, by kind.
    Flushes; the caller commits."""
    cutoff = cutoff_of(before)
    counts = Counter()

    for at, community, site, fever, back in db.session.execute(select(
            GateEntry.recorded_at, GateEntry.community_id, GateEntry.site_id, GateEntry.fever,
            GateEntry.turned_back).where(GateEntry.recorded_at < cutoff)):
        counts[(local_day(at), community, site, "gate_entry")] += 1
        counts[(local_day(at), community, site, "gate_fever")] += int(bool(fever))
        counts[(local_day(at), community, site, "gate_turned_back")] += int(bool(back))
    old_tubes = select(Tube.id).where(Tube.opened_at < cutoff)
    for at, community, site in db.session.execute(select(
            Sample.recorded_at, Sample.community_id, Sample.site_id).where(
            Sample.voided_at.is_(None), or_(Sample.recorded_at < cutoff,
                                            Sample.tube_id.in_(old_tubes)))):
        counts[(local_day(at), community, site, "sample")] += 1
    for at, community, site, result in db.session.execute(select(
            Tube.opened_at, Tube.community_id, Tube.site_id, Tube.result).where(
            Tube.opened_at < cutoff)):
        counts[(local_day(at), community, site, "tube")] += 1
        counts[(local_day(at), community, site, "tube_positive")] += int(result == "positive")
    for at, community in db.session.execute(select(Retest.created_at, Retest.community_id).where(
            or_(Retest.created_at < cutoff, Retest.tube_id.in_(old_tubes)))):
        counts[(local_day(at), community, None, "retest")] += 1
    for start, community, kind in db.session.execute(select(
            Placement.start_date, Placement.community_id, Placement.kind).where(
            Placement.end_date < before)):
        counts[(start, community, None, f"placement_{kind}")] += 1
    _add_daily_counts(counts)

    old_results = select(LabResult.id).where(or_(LabResult.tube_id.in_(old_tubes),
                                                 LabResult.imported_at < cutoff))
    done = {}
    old_placements = select(Placement.id).where(Placement.end_date < before)
    done["temperature_reports"] = _delete(TemperatureReport, or_(
        TemperatureReport.day < before, TemperatureReport.placement_id.in_(old_placements)))
    done["placements"] = _delete(Placement, Placement.end_date < before)
    done["door_events"] = _delete(DoorEvent, DoorEvent.occurred_at < cutoff)
    old_flags = select(Flag.id).where(or_(Flag.created_at < cutoff, Flag.tube_id.in_(old_tubes)))
    for model in (TemperatureReport, DoorEvent):  # newer rows keep, without the old Flag
        db.session.execute(update(model).where(model.flag_id.in_(old_flags)).values(flag_id=None),
                           execution_options={"synchronize_session": False})
    done["flags"] = _delete(Flag, or_(Flag.created_at < cutoff, Flag.tube_id.in_(old_tubes)))
    done["retests"] = _delete(Retest, or_(Retest.created_at < cutoff,
                                          Retest.tube_id.in_(old_tubes),
                                          Retest.lab_result_id.in_(old_results)))
    done["lab_results"] = _delete(LabResult, LabResult.id.in_(old_results))
    done["samples"] = _delete(Sample, or_(Sample.recorded_at < cutoff,
                                          Sample.tube_id.in_(old_tubes)))
    done["tubes"] = _delete(Tube, Tube.opened_at < cutoff)
    done["boxes"] = _delete(Box, Box.created_at < cutoff,
                            ~exists().where(Tube.box_id == Box.id))
    done["gate_entries"] = _delete(GateEntry, GateEntry.recorded_at < cutoff)
    done["rejections"] = _delete(SyncRejection, SyncRejection.received_at < cutoff)
    done["inbox_payloads"] = db.session.execute(
        update(InboxRecord).where(or_(InboxRecord.recorded_at < cutoff,
                                      InboxRecord.received_at < cutoff))
        .values(payload=PURGED_PAYLOAD), execution_options={"synchronize_session": False}).rowcount
    # Special groups' needs and home visits carry notes about health and family: campaign data.
    done["care_visits"] = _delete(CareVisit, CareVisit.visited_at < cutoff)
    done["care_needs"] = _delete(CareNeed, CareNeed.created_at < cutoff)
    done["problems"] = _delete(Problem, Problem.day < before)
    # Self-registrations hold a name, a number and a phone, confirmed or not.
    done["registrations"] = _delete(Registration, Registration.created_at < cutoff)
    done["people"] = _delete(Person, Person.in_roster.is_(False), Person.created_at < cutoff,
                             *[~exists().where(column == Person.id) for column in (
                                 GateEntry.person_id, Sample.person_id, Retest.person_id,
                                 Flag.person_id, CareNeed.person_id, CareVisit.person_id,
                                 Placement.person_id, Registration.person_id)])
    done["daily_counts"] = sum(1 for value in counts.values() if value)
    audit("purge", before=before.isoformat(), **done)
    db.session.flush()
    return done


def compact_sqlite() -> bool:
    """Rewrite an SQLite file so that deleted rows do not linger in its free pages or its WAL.
    Run after the purge's commit (VACUUM cannot run inside a transaction)."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection  # no SQLAlchemy transaction around VACUUM
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return True


def _delete(model, *where) -> int:
    return db.session.execute(delete(model).where(*where),
                              execution_options={"synchronize_session": False}).rowcount


def _add_daily_counts(counts: Counter) -> None:
    """Add to the anonymous totals (a second purge of the same days adds, never replaces)."""
    for (day, community, site, kind), value in sorted(counts.items(), key=str):
        if not value:
            continue
        row = db.session.scalar(select(DailyCount).where(
            DailyCount.day == day, DailyCount.community_id == community, DailyCount.kind == kind,
            DailyCount.site_id.is_(None) if site is None else DailyCount.site_id == site))
        if row is None:
            db.session.add(DailyCount(day=day, community_id=community, site_id=site, kind=kind,
                                      count=value))
        else:
            row.count += value
    db.session.flush()
