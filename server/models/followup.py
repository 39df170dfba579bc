"""The evening review's ledgers: problems to fix (复盘整改), work groups, and special groups'
needs and home visits (特殊人群台账)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy import Encrypted
from .accounts import User
from .base import UTCDateTime, utcnow
from .people import Person

WORK_GROUPS = ("data_checking", "reporting", "sampling", "data_summary", "home_service", "gate_control")
NEEDS = ("medicine", "groceries", "door_sampling", "other")
# Roster tags (server/roster.py TAG_ALIASES) of the special groups the ledger follows.
SPECIAL_GROUPS = ("elderly-alone", "disabled", "chronic", "pregnant")


class Problem(db.Model):
    """A problem found on a day's review, owned by a worker, open until fixed."""

    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="problem_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the local day of the review it came from
    description: Mapped[str] = mapped_column(Encrypted)  # free text: encrypted like names
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    fix: Mapped[str | None] = mapped_column(Encrypted)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class WorkGroupMember(db.Model):
    """A user in a work group from `since` until `until` (NULL: still in it), so a past day's
    review shows who was in which group that day."""

    __table_args__ = (
        CheckConstraint("work_group IN ('data_checking', 'reporting', 'sampling', 'data_summary', "
                        "'home_service', 'gate_control')", name="work_group_name"),
        Index("uq_work_group_member_current", "user_id", "work_group", unique=True,
              sqlite_where=text("until IS NULL"), postgresql_where=text("until IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    work_group: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class CareNeed(db.Model):
    """What a person of a special group needs (medicine, groceries, door-to-door sampling...)."""

    __table_args__ = (
        CheckConstraint("need IN ('medicine', 'groceries', 'door_sampling', 'other')", name="care_need_kind"),
        Index("uq_care_need_current", "person_id", "need", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    need: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Encrypted)  # may name an illness: personal data
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class CareVisit(db.Model):
    """A home visit to a person of a special group: who went, when, what was done."""

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    need: Mapped[str | None] = mapped_column(String(20))
    done: Mapped[str] = mapped_column(Encrypted)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visitor: Mapped[User] = relationship(foreign_keys=[visitor_id])
