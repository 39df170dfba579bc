"""The evening review's ledgers: problems to fix (复盘整改), work groups, and special groups'
needs and home visits (特殊人群台账)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy import Encrypted
from .accounts import User
from .base import UTCDateTime, in_list, utcnow
from .people import Person

# The six groups every community started with (their codes stay on the migrated rows).
WORK_GROUPS = ("data_checking", "reporting", "sampling", "data_summary", "home_service", "gate_control")
WORK_GROUP_NAMES = {"data_checking": "数据核对", "reporting": "上报", "sampling": "采样",
                    "data_summary": "数据汇总", "home_service": "上门服务", "gate_control": "卡口值守"}
WORK_GROUP_ROLES = ("lead", "helper", "member")
NEEDS = ("medicine", "groceries", "door_sampling", "other")
PROBLEM_STATUSES = ("open", "closed")


class Problem(db.Model):
    """A problem found on a day's review, owned by a worker, open until fixed."""

    __table_args__ = (CheckConstraint(in_list("status", PROBLEM_STATUSES), name="problem_status"),)

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


class WorkGroup(db.Model):
    """A work group (工作专班) of a community, named by it; `code` is set on the six groups
    every community started with."""

    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    code: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkGroupMember(db.Model):
    """A user in a work group as its lead, a helper or a member, from `since` until `until`
    (NULL: still in it), so a past day's review shows who was in which group that day. With
    `day` set, the user is in the group on that local day only (members by day)."""

    __table_args__ = (
        CheckConstraint(in_list("role", WORK_GROUP_ROLES), name="work_group_member_role"),
        Index("uq_work_group_member_standing", "user_id", "group_id", unique=True,
              sqlite_where=text("until IS NULL AND day IS NULL"),
              postgresql_where=text("until IS NULL AND day IS NULL")),
        Index("uq_work_group_member_day", "user_id", "group_id", "day", unique=True,
              sqlite_where=text("until IS NULL AND day IS NOT NULL"),
              postgresql_where=text("until IS NULL AND day IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("work_group.id"), index=True)
    work_group: Mapped[str | None] = mapped_column(String(20))  # the old fixed code, kept on old rows
    role: Mapped[str] = mapped_column(String(10), default="member")
    day: Mapped[date | None] = mapped_column(Date)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    group: Mapped[WorkGroup] = relationship()


class CareNeed(db.Model):
    """What a person of a special group needs (medicine, groceries, door-to-door sampling...)."""

    __table_args__ = (
        CheckConstraint(in_list("need", NEEDS), name="care_need_kind"),
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
