"""`checkpoint purge --before DATE` and the append-only audit trail."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from server.audit import audit
from server.extensions import db
from server.models import (AuditEvent, Box, CareNeed, CareVisit, DailyCount, Flag, GateEntry,
                           InboxRecord, LabResult, Person, Problem, Retest, Sample, SyncRejection, Tube)
from server.purge import PURGED_PAYLOAD
from tests.conftest import BACKENDS

NOW = datetime.now(timezone.utc)
OLD = NOW - timedelta(days=10)  # during the finished campaign
CUTOFF = (NOW - timedelta(days=5)).date()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def campaign(world, make_person, device_token):
    """A finished campaign (10 days ago) and today's work in community A."""
    a = world["a"]
    _headers, device_id = device_token(a["clerk"])
    resident = make_person(a["community"], name="张三明")
    visitor = make_person(a["community"], doc_number="110101199003074477", name="李访客",
                          phone="13912345678", created_at=OLD)
    today_visitor = make_person(a["community"], doc_number="310104198001011234", name="王今天")
    visitor.in_roster = today_visitor.in_roster = False  # identified at a gate, not residents
    box = Box(community_id=a["community"].id, site_id=a["point"].id, barcode="BOX1",
              created_at=OLD)
    tube = Tube(community_id=a["community"].id, site_id=a["point"].id, barcode="T0001",
                opened_at=OLD, status="resulted", result="positive", box=box)
    db.session.add_all([box, tube])
    db.session.flush()
    for slot, person in enumerate((resident, visitor), start=1):
        db.session.add(Sample(record_id=f"s{slot}", community_id=a["community"].id,
                              site_id=a["point"].id, tube_id=tube.id, person_id=person.id,
                              slot=slot, recorded_at=OLD))
    result = LabResult(community_id=a["community"].id, tube_barcode="T0001", tube_id=tube.id,
                       result="positive", reported_at=OLD, imported_at=OLD)
    db.session.add(result)
    db.session.flush()
    db.session.add(Retest(community_id=a["community"].id, lab_result_id=result.id,
                          person_id=resident.id, tube_id=tube.id, created_at=OLD))
    db.session.add_all([
        GateEntry(record_id="g-old", community_id=a["community"].id, site_id=a["gate"].id,
                  person_id=visitor.id, direction="in", temperature_c=Decimal("38.1"),
                  fever=True, recorded_at=OLD, visitor_name="李访客"),
        GateEntry(record_id="g-new", community_id=a["community"].id, site_id=a["gate"].id,
                  person_id=today_visitor.id, direction="in", recorded_at=NOW),
        Flag(community_id=a["community"].id, kind="fever", person_id=visitor.id,
             record_id="g-old", created_at=OLD),
        InboxRecord(id="g-old", device_id=device_id, user_id=a["clerk"].id,
                    community_id=a["community"].id, type="gate_entry", digest="0" * 64,
                    payload=json.dumps({"name": "李访客"}, ensure_ascii=False),
                    recorded_at=OLD, received_at=OLD),
        SyncRejection(record_id="r-old", device_id=device_id, community_id=a["community"].id,
                      code="invalid_id_number", message="bad", payload='{"doc": "1101"}',
                      received_at=OLD),
    ])
    # The special groups' ledger of the campaign: a need, a home visit, a reviewed problem;
    # today's visit stays.
    db.session.add_all([
        CareNeed(community_id=a["community"].id, person_id=resident.id, need="medicine",
                 note="降压药", created_at=OLD),
        CareVisit(community_id=a["community"].id, person_id=resident.id, visitor_id=a["clerk"].id,
                  visited_at=OLD, done="送药上门"),
        CareVisit(community_id=a["community"].id, person_id=resident.id, visitor_id=a["clerk"].id,
                  visited_at=NOW, done="今天上门"),
        Problem(community_id=a["community"].id, day=OLD.date(), description="排队过长",
                owner_id=a["clerk"].id, due_on=OLD.date()),
    ])
    audit("login", target=f"user:{a['clerk'].id}", user=a["clerk"])
    db.session.commit()
    return {"resident": resident.id, "visitor": visitor.id, "today_visitor": today_visitor.id,
            "community": a["community"].id, "gate": a["gate"].id, "point": a["point"].id}


def test_purge_deletes_the_campaigns_personal_data_and_keeps_daily_counts(runner, campaign):
    audit_before = count(AuditEvent)
    result = runner.invoke(args=["purge", "--before", CUTOFF.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Purged personal data recorded before {CUTOFF}" in result.output
    assert "gate_entries    1" in result.output and "people          1" in result.output
    db.session.expire_all()
    for model in (Sample, Tube, Box, LabResult, Retest, Flag, SyncRejection, CareNeed, Problem):
        assert count(model) == 0, model.__name__
    assert db.session.scalars(select(CareVisit.done)).all() == ["今天上门"]
    assert "care_visits     1" in result.output and "care_needs      1" in result.output
    assert db.session.scalars(select(GateEntry.record_id)).all() == ["g-new"]
    assert db.session.get(Person, campaign["visitor"]) is None
    assert db.session.get(Person, campaign["resident"]) is not None  # the roster stays
    assert db.session.get(Person, campaign["today_visitor"]) is not None  # still referenced
    assert db.session.get(InboxRecord, "g-old").payload == PURGED_PAYLOAD  # id kept for replays
    day = OLD.astimezone(timezone(timedelta(hours=8))).date()
    counts = {(row.kind, row.site_id): row.count for row in db.session.scalars(
        select(DailyCount).where(DailyCount.day == day))}
    assert counts == {("gate_entry", campaign["gate"]): 1, ("gate_fever", campaign["gate"]): 1,
                      ("sample", campaign["point"]): 2, ("tube", campaign["point"]): 1,
                      ("tube_positive", campaign["point"]): 1, ("retest", None): 1}
    assert count(AuditEvent) == audit_before + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "purge"))
    assert event.detail["before"] == CUTOFF.isoformat() and event.detail["samples"] == 2


def test_purging_twice_adds_nothing_and_keeps_the_counts(runner, campaign):
    runner.invoke(args=["purge", "--before", CUTOFF.isoformat()])
    again = runner.invoke(args=["purge", "--before", CUTOFF.isoformat()])
    assert again.exit_code == 0 and "gate_entries    0" in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(DailyCount.count)).where(
        DailyCount.kind == "gate_entry")) == 1


def test_purge_refuses_a_bad_date_and_changes_nothing(runner, campaign):
    result = runner.invoke(args=["purge", "--before", "2022-13-01"])
    assert result.exit_code != 0 and "--before" in result.output and "YYYY-MM-DD" in result.output
    assert count(GateEntry) == 2


def one_audited_reveal(world):
    audit("reveal", target="person:1", user=world["a"]["supervisor"])
    db.session.commit()


def assert_refused(*statements):
    """Each statement is refused by the audit trail's triggers (and rolled back)."""
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_audit_trail_cannot_be_changed_or_deleted(app, world):
    one_audited_reveal(world)
    assert_refused("UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event")
    event = db.session.scalar(select(AuditEvent))
    event.target = "person:2"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.target)).all() == ["person:1"]



# The triggers each backend must hold on audit_event after the whole migration chain. A later
# migration that rebuilds the table (SQLite's batch mode copies it and drops its triggers)
# without creating them again fails here.
AUDIT_TRIGGERS = {
    "sqlite": {"audit_event_no_update", "audit_event_no_delete"},
    "postgresql": {"audit_event_append_only", "audit_event_no_truncate"},
}


def test_the_audit_triggers_survive_every_migration(app):
    if db.engine.dialect.name == "sqlite":
        names = db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")).all()
    else:
        names = db.session.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'D'")).all()
    assert set(names) == AUDIT_TRIGGERS[db.engine.dialect.name]


# TRUNCATE is PostgreSQL's (SQLite's DELETE FROM meets the row trigger, tested above).
@pytest.mark.parametrize("database_url", BACKENDS[1:], indirect=True)
def test_truncating_the_audit_trail_is_refused(app, world):
    one_audited_reveal(world)
    assert_refused("TRUNCATE audit_event", 'TRUNCATE "user" CASCADE')
    assert db.session.scalars(select(AuditEvent.target)).all() == ["person:1"]


def test_purge_deletes_ended_quarantine_ledgers_and_old_door_events(runner, world, make_person):
    """Placements that ended before the cutoff go with their reports; a running one stays;
    door events before the cutoff go; the roster resident stays."""
    from server.models import (DoorEvent, Integration, Placement, TemperatureReport)

    a = world["a"]["community"]
    resident = make_person(a, name="赵隔离", building="1-1")
    old_day, today = OLD.date(), NOW.date()
    old = Placement(community_id=a.id, person_id=resident.id, kind="quarantine", reason="密接",
                    start_date=old_day - timedelta(days=13), end_date=old_day, created_at=OLD)
    running = Placement(community_id=a.id, person_id=resident.id, kind="monitoring",
                        start_date=today, end_date=today + timedelta(days=13))
    integration = Integration(community_id=a.id, key_id="int_test", name="物业", secret="s" * 32)
    db.session.add_all([old, running, integration])
    db.session.flush()
    missed = Flag(community_id=a.id, kind="quarantine_report_missed", person_id=resident.id,
                  created_at=OLD)
    db.session.add(missed)
    db.session.flush()
    db.session.add_all([
        TemperatureReport(community_id=a.id, placement_id=old.id, day=old_day, slot="morning",
                          temperature_c=Decimal("36.5"), reported_at=OLD, source="self"),
        TemperatureReport(community_id=a.id, placement_id=old.id, day=old_day, slot="evening",
                          flag_id=missed.id),
        TemperatureReport(community_id=a.id, placement_id=running.id, day=today, slot="morning",
                          temperature_c=Decimal("36.7"), reported_at=NOW, source="worker"),
        DoorEvent(community_id=a.id, integration_id=integration.id, event_id="e-old",
                  sensor_id="MC-1", action="open", occurred_at=OLD, received_at=OLD,
                  flag_id=missed.id),
        DoorEvent(community_id=a.id, integration_id=integration.id, event_id="e-new",
                  sensor_id="MC-1", action="open", occurred_at=NOW, received_at=NOW),
    ])
    db.session.commit()
    result = runner.invoke(args=["purge", "--before", CUTOFF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "placements      1" in result.output and "door_events     1" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(Placement.id)).all() == [running.id]
    assert [str(t) for t in db.session.scalars(select(TemperatureReport.temperature_c))] == ["36.7"]
    assert db.session.scalars(select(DoorEvent.event_id)).all() == ["e-new"]
    assert count(Flag) == 0 and db.session.get(Person, resident.id) is not None
    assert db.session.scalar(select(DailyCount.count).where(
        DailyCount.kind == "placement_quarantine")) == 1
