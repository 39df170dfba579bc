"""Pooled sampling: tubes (10混1), the samples slotted into them, boxes, lab results, retests."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from offline.rules import TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN
from ..extensions import db
from ..privacy import Encrypted
from .base import UTCDateTime, between, in_list, utcnow
from .people import Person

# In the order a tube goes through them.
TUBE_STATUSES = ("open", "sealed", "packed", "handed_over", "resulted")
RESULTS = ("negative", "positive", "invalid")
# In the order a retest moves on (the list offers only the later ones).
RETEST_STATUSES = ("pending", "contacted", "retested", "closed")


class Box(db.Model):
    __table_args__ = (
        UniqueConstraint("community_id", "barcode"),
        # The board's boxes waiting for a courier, newest window only.
        Index("ix_box_waiting", "community_id", "created_at",
              sqlite_where=text("handed_over_at IS NULL"), postgresql_where=text("handed_over_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    barcode: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    courier: Mapped[str | None] = mapped_column(Encrypted)  # a person's name
    # The lab's receipt (issue 18): which lab account confirmed it, and when the box arrived.
    lab_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tubes: Mapped[list["Tube"]] = relationship(back_populates="box")


class Tube(db.Model):
    __table_args__ = (
        UniqueConstraint("community_id", "barcode"),
        CheckConstraint(in_list("status", TUBE_STATUSES), name="tube_status"),
        CheckConstraint(between("capacity", TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX), name="tube_capacity"),
        # The board's checks and the dashboard read one community's recent or open tubes:
        # without these they walk every tube the community ever had.
        Index("ix_tube_community_opened_at", "community_id", "opened_at"),
        Index("ix_tube_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))  # indexed above
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    barcode: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(default=10)
    status: Mapped[str] = mapped_column(String(12), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"), index=True)
    result: Mapped[str | None] = mapped_column(String(10))
    # Scanned by the lab on arrival (a tube may arrive without its box, or before it).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    box: Mapped[Box | None] = relationship(back_populates="tubes")
    samples: Mapped[list["Sample"]] = relationship(back_populates="tube", order_by="Sample.slot")


class Sample(db.Model):
    __table_args__ = (
        # The database itself caps a tube at its slots: two phones racing for slot 10 cannot
        # both win. Overflow samples are kept with slot NULL and flagged.
        Index("uq_sample_tube_slot", "tube_id", "slot", unique=True,
              sqlite_where=text("slot IS NOT NULL"), postgresql_where=text("slot IS NOT NULL")),
        Index("uq_sample_tube_person", "tube_id", "person_id", unique=True,
              sqlite_where=text("voided_at IS NULL"), postgresql_where=text("voided_at IS NULL")),
        # Slots count from 1 up to the largest capacity a tube may have.
        CheckConstraint(f"slot IS NULL OR {between('slot', 1, TUBE_CAPACITY_MAX)}", name="sample_slot_range"),
        # One community's samples of a day or of the board's look-back window.
        Index("ix_sample_community_recorded_at", "community_id", "recorded_at"),
        # A person's samples of a day (sync's "sampled today?" for a batch's people).
        Index("ix_sample_person_recorded_at", "person_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))  # indexed above
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    tube_id: Mapped[int] = mapped_column(ForeignKey("tube.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    slot: Mapped[int | None] = mapped_column()
    device_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Encrypted)  # typed by the clerk

    tube: Mapped[Tube] = relationship(back_populates="samples")
    person: Mapped[Person] = relationship()


class LabResult(db.Model):
    __table_args__ = (
        UniqueConstraint("community_id", "tube_barcode"),
        CheckConstraint(in_list("result", RESULTS), name="lab_result_value"),
        # The results page shows a community's latest imports (a year of them is ~15,000).
        Index("ix_lab_result_community_imported_at", "community_id", "imported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    tube_barcode: Mapped[str] = mapped_column(String(64))
    tube_id: Mapped[int | None] = mapped_column(ForeignKey("tube.id"), index=True)
    result: Mapped[str] = mapped_column(String(10))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Retest(db.Model):
    """单采复核: one member of a positive or invalid pool, followed to closure."""

    __table_args__ = (
        UniqueConstraint("lab_result_id", "person_id"),
        CheckConstraint(in_list("status", RETEST_STATUSES), name="retest_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    lab_result_id: Mapped[int] = mapped_column(ForeignKey("lab_result.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    tube_id: Mapped[int] = mapped_column(ForeignKey("tube.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    result: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
