"""The scheduler's state (server/scheduler/): one lease row per periodic job, a row per run, and
each scheduler process's heartbeat. No personal data."""
from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class SchedulerJob(db.Model):
    """A periodic job: when it last started (due again one interval later), and who holds it
    now (the lease)."""

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The scheduler running it and until when its claim holds: a scheduler that dies mid-run
    # lets its lease lapse and another one takes the job over.
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchedulerRun(db.Model):
    """One run of a job (kept a few days): what the board and `checkpoint doctor` show."""

    __table_args__ = (Index("ix_scheduler_run_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(String(500))


class SchedulerHeartbeat(db.Model):
    """A scheduler process: it beats every tick; silent means nothing periodic runs."""

    owner: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(120))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
