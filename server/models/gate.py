"""One row per passage through a gate (出入登记)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy import Encrypted
from .base import TEMPERATURE_RANGE, UTCDateTime, in_list, utcnow
from .people import Person

DIRECTIONS = ("in", "out")


class GateEntry(db.Model):
    __table_args__ = (
        CheckConstraint(in_list("direction", DIRECTIONS), name="gate_direction"),
        CheckConstraint(f"temperature_c IS NULL OR {TEMPERATURE_RANGE}", name="gate_temperature_range"),
        # A day of one community (dashboard, export) or of one gate (its log).
        Index("ix_gate_entry_community_recorded_at", "community_id", "recorded_at"),
        Index("ix_gate_entry_site_recorded_at", "site_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    # Looked up through the (…, recorded_at) indexes above, which also serve these alone.
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    fever: Mapped[bool] = mapped_column(default=False)
    vehicle_plate: Mapped[str | None] = mapped_column(String(12))
    turned_back: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Encrypted)
    # An unidentified visitor's name and phone, when given.
    visitor_name: Mapped[str | None] = mapped_column(Encrypted)
    visitor_phone: Mapped[str | None] = mapped_column(Encrypted)
    # The record id of the first measurement when this is a re-measurement.
    remeasure_of: Mapped[str | None] = mapped_column(String(36))
    # The volunteer sent the person to be sampled (the gate showed a status: issue 18).
    sent_to_sample: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()
