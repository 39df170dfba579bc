"""Work groups (工作专班): who is in data checking, reporting, sampling, data summary, home
service and gate control. Membership has a start and an end, so a past day shows who was in
which group that day. Functions flush and audit; the view commits."""
from datetime import date

from ..access import scoped
from ..audit import audit
from ..exports import day_bounds
from ..extensions import db
from ..models import User, WorkGroupMember, utcnow
from ..models.followup import WORK_GROUPS


def assign(community_id: int, user_id: int, group: str) -> WorkGroupMember | None:
    """Put a user of the community into a group (nothing when they are in it already)."""
    if group not in WORK_GROUPS or db.session.scalar(scoped(User, community_id).where(
            User.id == user_id, User.active.is_(True))) is None:
        return None
    current = db.session.scalar(scoped(WorkGroupMember, community_id).where(
        WorkGroupMember.user_id == user_id, WorkGroupMember.work_group == group,
        WorkGroupMember.until.is_(None)))
    if current is not None:
        return current
    member = WorkGroupMember(community_id=community_id, user_id=user_id, work_group=group, since=utcnow())
    db.session.add(member)
    db.session.flush()
    audit("assign_work_group", target=f"user:{user_id}", group=group)
    return member


def remove(member: WorkGroupMember) -> None:
    if member.until is None:
        member.until = utcnow()
        db.session.flush()
        audit("remove_work_group", target=f"user:{member.user_id}", group=member.work_group)


def current_members(community_id: int) -> dict[str, list[WorkGroupMember]]:
    rows = db.session.scalars(scoped(WorkGroupMember, community_id).where(WorkGroupMember.until.is_(None))
                              .order_by(WorkGroupMember.since))
    return _by_group(rows)


def members_on(community_id: int, day: date) -> dict[str, list[WorkGroupMember]]:
    """Members of each group at any time during the local day."""
    start, end = day_bounds(day)
    rows = db.session.scalars(scoped(WorkGroupMember, community_id).where(
        WorkGroupMember.since < end,
        (WorkGroupMember.until.is_(None)) | (WorkGroupMember.until >= start))
        .order_by(WorkGroupMember.since))
    return _by_group(rows)


def _by_group(rows) -> dict[str, list[WorkGroupMember]]:
    groups: dict[str, list[WorkGroupMember]] = {g: [] for g in WORK_GROUPS}
    for member in rows:
        if all(m.user_id != member.user_id for m in groups[member.work_group]):
            groups[member.work_group].append(member)
    return groups

