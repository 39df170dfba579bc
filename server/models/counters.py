"""Counters that hold no personal data: login throttling buckets and purged-campaign totals."""
from datetime import date

from sqlalchemy import Date, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RateLimitBucket(db.Model):
    """A fixed-window counter of the login limiter, shared by every worker through the database."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    # Unix time (seconds) when the window ends; a row past it counts as empty.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DailyCount(db.Model):
    """What `checkpoint purge` leaves of a finished campaign: anonymous counts per day."""

    __table_args__ = (UniqueConstraint("day", "community_id", "site_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    # gate_entry, gate_fever, gate_turned_back, sample, tube, positive_tube, retest, ...
    kind: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(default=0)
