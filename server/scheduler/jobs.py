"""The periodic jobs `checkpoint scheduler` runs. Each takes the time it runs at, does its work
in its own transaction(s) and returns a one-line summary for the run log.

Intervals (seconds) come from SCHEDULER_INTERVALS (config, or CHECKPOINT_SCHEDULER_INTERVALS as
"name=seconds,..."); a job with interval 0 is off."""
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import delete, text

from ..database import writing
from ..extensions import db
from ..ledgers.quarantine import raise_missed
from ..models import RateLimitBucket, SchedulerHeartbeat, SchedulerRun
from ..supervisor.uploads import sweep

DEFAULT_INTERVALS = {
    # Slots close at 12:00 and 22:00 local time; a missed report is due an hour later
    # (QUARANTINE_MISSED_DEADLINE_MINUTES), so a check every 5 minutes leaves 55 of them.
    "quarantine-missed": 300,
    "expire-uploads": 600,  # uploads live an hour at most (server/supervisor/uploads.py)
    "rate-limit-sweep": 3600,  # expired login/scan counters
    "scheduler-log-sweep": 3600,  # run log and heartbeats older than a week
    "sqlite-optimize": 6 * 3600,  # the planner's statistics (SQLite only)
}
KEEP_RUNS_DAYS = 7


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], str]
    per_host: bool = False  # works on this machine's files: each machine runs its own
    sqlite_only: bool = False


def quarantine_missed(now: datetime) -> str:
    """What `checkpoint check-quarantine` does, without anybody running it."""
    with writing():
        flags = raise_missed(now)
        db.session.commit()
    return f"{len(flags)} missed reports flagged"


def expire_uploads(now: datetime) -> str:
    return f"{sweep()} expired upload files deleted"


def rate_limit_sweep(now: datetime) -> str:
    with writing():
        gone = db.session.execute(delete(RateLimitBucket).where(
            RateLimitBucket.expires_at <= time.time())).rowcount
        db.session.commit()
    return f"{gone} expired rate-limit counters deleted"


def scheduler_log_sweep(now: datetime) -> str:
    limit = now - timedelta(days=KEEP_RUNS_DAYS)
    with writing():
        runs = db.session.execute(delete(SchedulerRun).where(SchedulerRun.started_at < limit)).rowcount
        beats = db.session.execute(delete(SchedulerHeartbeat).where(
            SchedulerHeartbeat.beat_at < limit)).rowcount
        db.session.commit()
    return f"{runs} old runs and {beats} old heartbeats deleted"


def sqlite_optimize(now: datetime) -> str:
    """Keep the planner's statistics current as the tables grow (ANALYZE ran once, in migration
    0800). analysis_limit samples each index, so this stays cheap on a big file."""
    new_enough = sqlite3.sqlite_version_info >= (3, 46, 0)
    with writing():
        db.session.execute(text("PRAGMA analysis_limit=1000"))
        # 0x10002: analyse every table that needs it, not only those this connection used
        # (SQLite 3.46+); older versions get the sampled ANALYZE that optimize would run.
        db.session.execute(text("PRAGMA optimize=0x10002" if new_enough else "ANALYZE"))
        db.session.commit()
    return "PRAGMA optimize" if new_enough else f"ANALYZE (SQLite {sqlite3.sqlite_version})"


JOBS = (
    Job("quarantine-missed", quarantine_missed),
    Job("expire-uploads", expire_uploads, per_host=True),
    Job("rate-limit-sweep", rate_limit_sweep),
    Job("scheduler-log-sweep", scheduler_log_sweep),
    Job("sqlite-optimize", sqlite_optimize, sqlite_only=True),
)


def intervals() -> dict[str, float]:
    return {**DEFAULT_INTERVALS, **(current_app.config.get("SCHEDULER_INTERVALS") or {})}


def active_jobs() -> list[tuple[Job, float]]:
    """(job, interval) of every job this deployment runs."""
    sqlite = db.engine.dialect.name == "sqlite"
    every = intervals()
    return [(job, every[job.name]) for job in JOBS
            if every.get(job.name, 0) > 0 and (sqlite or not job.sqlite_only)]
