"""Residents' self-registrations waiting for a worker to confirm them."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Registration


def pending_count(community_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.community_id == community_id, Registration.status == "pending")) or 0
