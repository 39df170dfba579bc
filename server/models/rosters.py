"""Duty rosters (值班排班): the shifts of a gate, who is rostered on each, and who actually
signed in at the gate (presence). Passages (GateEntry) are the other half of presence."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import UTCDateTime, utcnow
from .community import Site


class DutyShift(db.Model):
    """One shift at one gate: from `starts_at` to `ends_at` (UTC), needing `needed` people."""

    __table_args__ = (
        CheckConstraint("needed BETWEEN 1 AND 10", name="duty_shift_needed"),
        CheckConstraint("ends_at > starts_at", name="duty_shift_order"),
        Index("ix_duty_shift_site_starts_at", "site_id", "starts_at", unique=True),
        Index("ix_duty_shift_community_starts_at", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    needed: Mapped[int] = mapped_column(default=2)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()


class DutyAssignment(db.Model):
    """A person rostered on a shift. Removing keeps the row (removed_at); a swap removes one
    and adds the other with `swapped_from` pointing at the row it replaced."""

    __table_args__ = (
        Index("uq_duty_assignment_current", "shift_id", "user_id", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shift.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    swapped_from: Mapped[int | None] = mapped_column(ForeignKey("duty_assignment.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    shift: Mapped[DutyShift] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class GateSignIn(db.Model):
    """A user's phone opened the gate screen of `site_id` online (at most one row per user,
    gate and half hour): the login half of actual presence."""

    __table_args__ = (Index("ix_gate_sign_in_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
