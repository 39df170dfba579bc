"""`checkpoint scheduler`: a long-running process that runs the periodic jobs (jobs.py) on time.

Each tick (SCHEDULER_TICK_SECONDS) it writes its heartbeat (shown on the supervisor board, in
/api/v1/health and by `checkpoint doctor`) and runs every job that is due. Any number of
schedulers may run, on one machine or several: a job runs only under a lease taken in the
database (an UPDATE that succeeds for one scheduler only), which also stamps its start: it is due
again one interval later, for all of them. A scheduler that dies mid-job lets its lease lapse (SCHEDULER_LEASE_SECONDS)
and another one takes the job over; the jobs' own uniqueness (one Flag per missed slot) makes a
rare second run harmless. SIGTERM and SIGINT stop it after the job in hand."""
import logging
import os
import secrets
import signal
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..database import writing
from ..extensions import db
from ..models import SchedulerHeartbeat, SchedulerJob, SchedulerRun, utcnow
from .jobs import active_jobs

log = logging.getLogger("checkpoint.scheduler")


def job_key(job) -> str:
    return f"{job.name}@{socket.gethostname()}"[:120] if job.per_host else job.name


class Scheduler:
    def __init__(self, app, tick: float | None = None):
        self.app = app
        self.tick = float(tick or app.config["SCHEDULER_TICK_SECONDS"])
        self.lease = timedelta(seconds=app.config["SCHEDULER_LEASE_SECONDS"])
        self.host = socket.gethostname()[:120]
        self.owner = f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"[:120]
        self.stopping = threading.Event()

    # ---- the loop --------------------------------------------------------------------------

    def run_forever(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        log.info("scheduler %s started (tick %.1f s)", self.owner, self.tick)
        while not self.stopping.is_set():
            self.run_once()
            self.stopping.wait(self.tick)
        with self.app.app_context():
            self._safely(self._stopped)
        log.info("scheduler %s stopped", self.owner)

    def run_once(self) -> list[str]:
        """One tick: heartbeat, then every due job this scheduler wins. Returns the jobs run."""
        ran = []
        with self.app.app_context():
            if not self._safely(self._beat):
                return ran  # the database is away: try again next tick
            for job, interval in active_jobs():
                if self.stopping.is_set():
                    break
                if self._safely(self._run_if_due, job, interval):
                    ran.append(job.name)
        return ran

    def _safely(self, fn, *args):
        try:
            return fn(*args)
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("scheduler: database unavailable (%s): retrying next tick",
                        type(error).__name__)
            return None

    # ---- heartbeat ---------------------------------------------------------------------------

    def _beat(self) -> bool:
        now = utcnow()
        with writing():
            beat = db.session.get(SchedulerHeartbeat, self.owner)
            if beat is None:
                db.session.add(SchedulerHeartbeat(owner=self.owner, host=self.host, pid=os.getpid(),
                                                  started_at=now, beat_at=now))
            else:
                beat.beat_at = now
            db.session.commit()
        return True

    def _stopped(self) -> None:
        with writing():
            beat = db.session.get(SchedulerHeartbeat, self.owner)
            if beat is not None:
                beat.stopped_at = beat.beat_at = utcnow()
            db.session.commit()

    # ---- one job -------------------------------------------------------------------------------

    def _run_if_due(self, job, interval: float) -> bool:
        key = job_key(job)
        started = utcnow()
        if not self._claim(key, started, interval):
            return False
        run = SchedulerRun(job=key, owner=self.owner, started_at=started)
        with writing():
            db.session.add(run)
            db.session.commit()
            run_id = run.id
        try:
            summary, ok = job.run(started), True
        except Exception as error:  # a job's bug must not stop the other jobs or the heartbeat
            db.session.rollback()
            log.exception("scheduler: job %s failed", key)
            summary, ok = f"{type(error).__name__}: {error}"[:500], False
        finished = utcnow()
        with writing():
            db.session.execute(update(SchedulerRun).where(SchedulerRun.id == run_id).values(
                finished_at=finished, ok=ok, summary=summary))
            # Due again one interval after it started (a failed job too: no hot retry loop).
            db.session.execute(update(SchedulerJob).where(
                SchedulerJob.name == key, SchedulerJob.lease_owner == self.owner).values(
                lease_owner=None, lease_until=None))
            db.session.commit()
        log.info("scheduler: %s %s in %.2f s: %s", key, "done" if ok else "FAILED",
                 (finished - started).total_seconds(), summary)
        return True

    def _claim(self, key: str, now: datetime, interval: float) -> bool:
        """Take the job's lease if it is due and nobody holds it: one UPDATE, which the
        database lets succeed for one scheduler only."""
        with writing():
            if db.session.get(SchedulerJob, key) is None:
                try:
                    with db.session.begin_nested():
                        db.session.add(SchedulerJob(name=key))
                except IntegrityError:  # another scheduler made the row first
                    pass
            due_since = now - timedelta(seconds=interval)
            taken = db.session.execute(update(SchedulerJob).where(
                SchedulerJob.name == key,
                or_(SchedulerJob.last_started_at.is_(None), SchedulerJob.last_started_at <= due_since),
                or_(SchedulerJob.lease_until.is_(None), SchedulerJob.lease_until < now),
            ).values(last_started_at=now, lease_owner=self.owner,
                     lease_until=now + self.lease)).rowcount
            db.session.commit()
        return taken == 1


# ---- what the board, health and doctor show ---------------------------------------------------

def last_heartbeat() -> datetime | None:
    """When any scheduler last beat (stopped ones included: a stop is silence too)."""
    return db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)).where(
        SchedulerHeartbeat.stopped_at.is_(None)))


def status(app, now: datetime | None = None) -> dict:
    """{"status": "ok"|"silent"|"never", "last_beat": datetime or None, "silent_after": s}:
    "never" when no scheduler ever ran here, "silent" when none beat recently."""
    now = now or utcnow()
    limit = app.config["SCHEDULER_SILENT_SECONDS"]
    beat = last_heartbeat()
    if beat is not None and (now - beat).total_seconds() <= limit:
        state = "ok"
    elif beat is None and not db.session.scalar(select(func.count()).select_from(SchedulerHeartbeat)):
        state = "never"
    else:
        state = "silent"
    if beat is None:  # only stopped schedulers: their last beat says when it went quiet
        beat = db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))
    return {"status": state, "last_beat": beat, "silent_after": limit}
