"""Community ledgers: buildings assigned to workers (网格), home quarantine and health
monitoring (居家隔离 / 健康监测) with twice-daily temperature reports, and door sensors (门磁)."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy import Encrypted
from .accounts import User
from .base import TEMPERATURE_RANGE, UTCDateTime, in_list, utcnow
from .people import Person

PLACEMENT_KINDS = ("quarantine", "monitoring")
SLOTS = ("morning", "evening")


class BuildingAssignment(db.Model):
    """One worker (楼长 / 网格员) per building; a worker may hold several buildings."""
    __table_args__ = (UniqueConstraint("community_id", "building"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    building: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Placement(db.Model):
    """A resident under home quarantine or health monitoring from start_date to end_date
    (local dates, both included). Ending early moves end_date; extending moves it later."""
    __table_args__ = (
        CheckConstraint(in_list("kind", PLACEMENT_KINDS), name="placement_kind"),
        CheckConstraint("end_date >= start_date", name="placement_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Encrypted)
    # What the supervisor wrote when ending early or extending, one line each, encrypted:
    # the audit trail keeps only the dates.
    notes: Mapped[str | None] = mapped_column(Encrypted)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    ended_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    person: Mapped[Person] = relationship()


class TemperatureReport(db.Model):
    """One slot of one day of a placement: reported (temperature_c set) or missed (flag_id set
    by the missed-report check; a late report fills the temperature in)."""
    __table_args__ = (
        UniqueConstraint("placement_id", "day", "slot"),
        CheckConstraint(in_list("slot", SLOTS), name="report_slot"),
        CheckConstraint(f"temperature_c IS NULL OR {TEMPERATURE_RANGE}", name="report_temperature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(10))
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "self" (the resident's signed link) or "worker" (entered from the worker's tasks).
    source: Mapped[str | None] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))


class Integration(db.Model):
    """A partner system (the property platform) that posts signed events."""
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The HMAC key must be usable to verify signatures, so it is encrypted, not hashed.
    secret: Mapped[str] = mapped_column(Encrypted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DoorSensor(db.Model):
    """A door sensor of the property platform and the household it watches."""
    __table_args__ = (UniqueConstraint("community_id", "sensor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    sensor_id: Mapped[str] = mapped_column(String(80))
    building: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))


class DoorEvent(db.Model):
    """Every accepted event; its (integration, event id) pair refuses replays."""
    __table_args__ = (UniqueConstraint("integration_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integration.id"))
    event_id: Mapped[str] = mapped_column(String(80))
    sensor_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))
