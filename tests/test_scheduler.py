"""`checkpoint scheduler` runs the periodic jobs with nobody at the keyboard (issue 13)."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from server.extensions import db
from server.clock import local_day
from server.ledgers.quarantine import place
from server.models import (Flag, SchedulerHeartbeat, SchedulerJob, SchedulerRun, TemperatureReport,
                           utcnow)
from server.scheduler import Scheduler
from tests.conftest import test_keys as instance_keys
from tests.records import valid_id

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT = str(Path(sys.executable).parent / "checkpoint")


def placed_since_yesterday(make_person, world):
    """A resident under home quarantine since yesterday who never reported: yesterday's slots
    (and today's morning one, after noon) closed without a temperature."""
    person = make_person(world["a"]["community"], doc_number=valid_id(51), building="3-1")
    placement = place(person, "quarantine", "密接", local_day(utcnow()) - timedelta(days=1), 14,
                      world["a"]["supervisor"])
    placement.created_at = utcnow() - timedelta(days=1, hours=12)
    db.session.commit()
    return placement


def scheduler_process(database_url, tmp_path, name):
    env = {**os.environ, **{f"CHECKPOINT_{k}": v for k, v in instance_keys().items()},
           "CHECKPOINT_DATABASE_URL": database_url,
           "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "instance"),
           # Short intervals through the settings an operator has, not a test hook.
           "CHECKPOINT_SCHEDULER_TICK_SECONDS": "0.2",
           "CHECKPOINT_SCHEDULER_INTERVALS": "quarantine-missed=0.5",
           "PYTHONUNBUFFERED": "1"}
    env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen([CHECKPOINT, "scheduler"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT), log


def wait_for(predicate, what, seconds=120):
    deadline = time.monotonic() + seconds
    while not predicate():
        db.session.rollback()  # see the other processes' commits
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_two_schedulers_flag_a_missed_report_once_with_nobody_running_a_command(
        app, world, make_person, database_url, tmp_path):
    placement = placed_since_yesterday(make_person, world)
    procs = [scheduler_process(database_url, tmp_path, name) for name in ("one", "two")]
    try:
        def missed():
            return db.session.scalars(select(Flag).where(
                Flag.kind == "quarantine_report_missed")).all()

        wait_for(missed, "a missed-report flag")

        def runs_by_owner():
            return dict(db.session.execute(select(SchedulerRun.owner, func.count()).where(
                SchedulerRun.job == "quarantine-missed", SchedulerRun.finished_at.is_not(None))
                .group_by(SchedulerRun.owner)).all())

        # Both schedulers took turns at the check, several times each after the flag.
        wait_for(lambda: len(runs_by_owner()) == 2 and min(runs_by_owner().values()) >= 3,
                 "both schedulers running the check")
        flags = missed()
        slots = db.session.scalars(select(TemperatureReport).where(
            TemperatureReport.placement_id == placement.id)).all()
        assert len(flags) == len(slots) >= 2  # one flag per missed slot, never two
        assert len({(f.detail["day"], f.detail["slot"]) for f in flags}) == len(flags)
        assert {s.flag_id for s in slots} == {f.id for f in flags}
        # The lease: the two never ran the check at the same time.
        runs = db.session.execute(select(SchedulerRun.started_at, SchedulerRun.finished_at).where(
            SchedulerRun.job == "quarantine-missed").order_by(SchedulerRun.started_at)).all()
        for (_start, end), (next_start, _end) in zip(runs, runs[1:]):
            assert end is not None and end <= next_start
        beating = db.session.scalars(select(SchedulerHeartbeat)).all()
        assert len(beating) == 2 and all(b.stopped_at is None for b in beating)
    finally:
        for proc, log in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=60) for proc, _log in procs]
        for _proc, log in procs:
            log.close()
    assert codes == [0, 0]  # a clean exit on SIGTERM
    db.session.rollback()
    assert all(b.stopped_at is not None for b in db.session.scalars(select(SchedulerHeartbeat)))


def test_health_and_board_show_the_schedulers_heartbeat(app, client, world, login):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "degraded" and body["db"] == "ok" and body["version"]
    assert body["scheduler"]["status"] == "never"
    assert "scheduler_never_ran" in {r["code"] for r in body["reasons"]}

    assert "quarantine-missed" in Scheduler(app, tick=1).run_once()
    db.session.rollback()
    body = client.get("/api/v1/health").get_json()
    assert body["scheduler"]["status"] == "ok" and body["scheduler"]["last_beat"]
    assert "scheduler" not in {r["code"].split("_")[0] for r in body.get("reasons", [])}
    login(world["a"]["supervisor"])
    assert "定时任务运行正常" in client.get("/supervisor/board").get_data(as_text=True)

    # The scheduler goes quiet (killed, machine off): both say so.
    for beat in db.session.scalars(select(SchedulerHeartbeat)):
        beat.beat_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "degraded" and body["scheduler"]["status"] == "silent"
    assert "scheduler_silent" in {r["code"] for r in body["reasons"]}
    board = client.get("/supervisor/board").get_data(as_text=True)
    assert "定时任务未运行" in board and "漏报的居家体温不会被标记" in board


def test_a_job_runs_again_only_after_its_interval(app):
    app.config["SCHEDULER_INTERVALS"] = {"quarantine-missed": 3600}
    first, second = Scheduler(app, tick=1), Scheduler(app, tick=1)
    assert "quarantine-missed" in first.run_once()
    assert "quarantine-missed" not in second.run_once()  # not due: the other ran it just now
    job = db.session.get(SchedulerJob, "quarantine-missed")
    job.last_started_at -= timedelta(hours=1, seconds=1)
    db.session.commit()
    assert "quarantine-missed" in second.run_once()


def test_a_lease_held_by_a_live_scheduler_is_respected_and_a_dead_ones_lapses(app):
    app.config["SCHEDULER_INTERVALS"] = {"quarantine-missed": 1}
    db.session.add(SchedulerJob(name="quarantine-missed", lease_owner="elsewhere:1:dead",
                                lease_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    scheduler = Scheduler(app, tick=1)
    assert "quarantine-missed" not in scheduler.run_once()
    db.session.get(SchedulerJob, "quarantine-missed").lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "quarantine-missed" in scheduler.run_once()


def test_expired_uploads_go_even_when_nobody_uploads_again(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    folder = tmp_path / "uploads"
    folder.mkdir()
    old, fresh = folder / "old.bin", folder / "fresh.bin"
    old.write_bytes(b"names and numbers")
    fresh.write_bytes(b"in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert "expire-uploads" in Scheduler(app, tick=1).run_once()
    assert not old.exists() and fresh.exists()
