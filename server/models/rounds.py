"""Sampling rounds (全员核酸第 N 轮): one to three local days in which a community samples
everyone of a scope once; coverage counts by round while one covers the day."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

MAX_ROUND_DAYS = 3


class SamplingRound(db.Model):
    __tablename__ = "sampling_round"
    __table_args__ = (
        CheckConstraint("end_day >= start_day", name="round_days"),
        Index("ix_sampling_round_community_days", "community_id", "start_day", "end_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))  # "第5轮": not personal data
    start_day: Mapped[date] = mapped_column(Date)  # local days (server/clock.py), inclusive
    end_day: Mapped[date] = mapped_column(Date)
    # The scope: empty lists mean the whole community / every resident of the roster.
    compounds: Mapped[list] = mapped_column(JSON, default=list)
    buildings: Mapped[list] = mapped_column(JSON, default=list)
    groups: Mapped[list] = mapped_column(JSON, default=list)  # roster tags
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Frozen at closing (progress per day, per building): a later roster change or a purge of
    # samples does not rewrite a closed round's figures.
    figures: Mapped[dict | None] = mapped_column(JSON)
