"""Work groups (工作专班): the community names its groups (the six usual ones to start with:
data checking, reporting, sampling, data summary, home service, gate control), each with a
lead, helpers and members, standing or for one day. Membership has a start and an end, so a
past day shows who was in which group that day. Functions flush and audit; the view commits."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from offline.text import clean_note
from ..access import scoped
from ..audit import audit
from ..clock import day_bounds
from ..extensions import db
from ..models import User, WorkGroup, WorkGroupMember, utcnow
from ..models.followup import WORK_GROUP_NAMES, WORK_GROUP_ROLES, WORK_GROUPS

ROLE_ORDER = {role: i for i, role in enumerate(WORK_GROUP_ROLES)}


class WorkGroupError(ValueError):
    """A group or member that cannot be saved; the message says why."""


def groups(community_id: int, *, active_only: bool = True) -> list[WorkGroup]:
    """The community's groups in their order; the six usual ones are stored the first time a
    community without any asks (a community made after migration 1200)."""
    rows = db.session.scalars(scoped(WorkGroup, community_id).order_by(WorkGroup.position, WorkGroup.id)).all()
    if not rows:
        rows = [WorkGroup(community_id=community_id, name=WORK_GROUP_NAMES[code], code=code, position=i)
                for i, code in enumerate(WORK_GROUPS)]
        db.session.add_all(rows)
        db.session.flush()
    return [g for g in rows if g.active or not active_only]


def find_group(community_id: int, ref: str) -> WorkGroup | None:
    """A group of the community by id or by the old fixed code."""
    ref = (ref or "").strip()
    for group in groups(community_id):
        if ref == str(group.id) or (group.code and ref == group.code):
            return group
    return None


def _clean_name(name: str) -> str:
    name = clean_note(name or "").strip()
    if not name or len(name) > 40:
        raise WorkGroupError(_l("Give the group a name of at most 40 characters."))
    return name


def add_group(community_id: int, name: str) -> WorkGroup:
    name = _clean_name(name)
    existing = groups(community_id, active_only=False)
    if any(g.name == name for g in existing):
        raise WorkGroupError(_l("The community has a group of this name already."))
    group = WorkGroup(community_id=community_id, name=name, position=len(existing))
    db.session.add(group)
    db.session.flush()
    audit("work_group_added", target=f"work_group:{group.id}")
    return group


def rename_group(group: WorkGroup, name: str, active: bool) -> None:
    name = _clean_name(name)
    if db.session.scalar(select(func.count()).select_from(WorkGroup).where(
            WorkGroup.community_id == group.community_id, WorkGroup.name == name, WorkGroup.id != group.id)):
        raise WorkGroupError(_l("The community has a group of this name already."))
    group.name, group.active = name, active
    audit("work_group_changed", target=f"work_group:{group.id}", active=active)


def assign(community_id: int, user_id: int, group_ref: str, role: str = "member",
           day: date | None = None) -> WorkGroupMember | None:
    """Put a user of the community into a group as lead, helper or member, standing or for one
    day; None when the user or group is not the community's. Already in it: their role is
    updated (nothing added)."""
    group = find_group(community_id, str(group_ref))
    if group is None or role not in WORK_GROUP_ROLES or db.session.scalar(scoped(User, community_id).where(
            User.id == user_id, User.active.is_(True))) is None:
        return None
    current = db.session.scalar(scoped(WorkGroupMember, community_id).where(
        WorkGroupMember.user_id == user_id, WorkGroupMember.group_id == group.id,
        WorkGroupMember.day.is_(None) if day is None else WorkGroupMember.day == day,
        WorkGroupMember.until.is_(None)))
    if current is not None:
        if current.role != role:
            current.role = role
            audit("work_group_role", target=f"user:{user_id}", group=group.id, role=role)
        return current
    member = WorkGroupMember(community_id=community_id, user_id=user_id, group_id=group.id, role=role,
                             day=day, since=utcnow())
    db.session.add(member)
    db.session.flush()
    audit("assign_work_group", target=f"user:{user_id}", group=group.id, role=role,
          day=day.isoformat() if day else None)
    return member


def remove(member: WorkGroupMember) -> None:
    if member.until is None:
        member.until = utcnow()
        db.session.flush()
        audit("remove_work_group", target=f"user:{member.user_id}", group=member.group_id)


def current_members(community_id: int, today: date) -> dict[WorkGroup, list[WorkGroupMember]]:
    """Standing members now, and those in for `today` (members of other days are not shown)."""
    rows = db.session.scalars(scoped(WorkGroupMember, community_id).where(
        WorkGroupMember.until.is_(None),
        WorkGroupMember.day.is_(None) | (WorkGroupMember.day >= today))
        .order_by(WorkGroupMember.since))
    return _by_group(community_id, rows)


def members_on(community_id: int, day: date) -> dict[WorkGroup, list[WorkGroupMember]]:
    """Members of each group at any time during the local day (standing, or for that day)."""
    start, end = day_bounds(day)
    rows = db.session.scalars(scoped(WorkGroupMember, community_id).where(
        WorkGroupMember.since < end,
        (WorkGroupMember.until.is_(None)) | (WorkGroupMember.until >= start),
        WorkGroupMember.day.is_(None) | (WorkGroupMember.day == day))
        .order_by(WorkGroupMember.since))
    return _by_group(community_id, rows)


def _by_group(community_id: int, rows) -> dict[WorkGroup, list[WorkGroupMember]]:
    found: dict[WorkGroup, list[WorkGroupMember]] = {g: [] for g in groups(community_id)}
    by_id = {g.id: g for g in found}
    for member in rows:
        group = by_id.get(member.group_id)
        if group is None:
            continue  # a group switched off
        if all(m.user_id != member.user_id or m.day != member.day for m in found[group]):
            found[group].append(member)
    for members in found.values():
        members.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.day or date.min))
    return found
