"""Households under quarantine and the worker's day: every temperature reading kept (the
resident's and the worker's, never overwritten), household needs (meals, rubbish, medicine)
as tasks with due times, and grids (网格) of buildings with their leader."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..privacy import Encrypted
from .base import TEMPERATURE_RANGE, UTCDateTime, in_list, utcnow

NEED_KINDS = ("meal", "rubbish", "medicine", "other")
READING_SOURCES = ("self", "worker")


class TemperatureReading(db.Model):
    """One temperature taken for a placement, as it was given. TemperatureReport keeps the
    slot's current value for the missed-report check; this table keeps every reading."""
    __table_args__ = (
        CheckConstraint(TEMPERATURE_RANGE, name="reading_temperature"),
        CheckConstraint(in_list("source", READING_SOURCES), name="reading_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(10))
    temperature_c: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    source: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The sync record it came in (a reading entered offline on the worker's phone).
    record_id: Mapped[str | None] = mapped_column(String(36))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HouseholdNeed(db.Model):
    """Something a quarantined household needs at a time (a meal, the rubbish taken out,
    medicine): a task for the building's worker, done or not."""
    __table_args__ = (
        UniqueConstraint("community_id", "building", "unit", "room", "kind", "due_at"),
        CheckConstraint(in_list("kind", NEED_KINDS), name="need_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    # The household: a Person's building, unit and room ("" when the roster has none).
    building: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Encrypted)  # may name an illness or a medicine
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The last sync record that marked it done or not done (offline from the worker's phone).
    done_record_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Grid(db.Model):
    """A grid (网格): buildings grouped under a grid leader, who sees their tasks."""
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GridBuilding(db.Model):
    """A building of a grid; a building is in one grid at most."""
    __table_args__ = (UniqueConstraint("community_id", "building"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    building: Mapped[str] = mapped_column(String(20))
