"""Demo data of issue 18: a lab account, a two-day round (yesterday and today) with yesterday's
sampling in it, and one of yesterday's boxes received by the lab. Idempotent."""
from datetime import timedelta

from sqlalchemy import select

from ..auth.pins import hash_pin
from ..models import Box, Community, SamplingRound, Site, Tube, User, utcnow
from ..extensions import db

LAB_USER = ("lab", "lab", "检测机构接收员")


def seed_rounds_demo(community: Community, pin: str) -> None:
    """Flushes; the caller commits."""
    from ..demo_day import generate_sampling_day
    from .status import local_today

    lab = db.session.scalar(select(User).where(User.username == LAB_USER[0]))
    if lab is None:
        lab = User(community=community, username=LAB_USER[0], role=LAB_USER[1], display_name=LAB_USER[2],
                   pin_hash=hash_pin(pin))
        db.session.add(lab)
        db.session.flush()
    if db.session.scalar(select(SamplingRound.id).where(SamplingRound.community_id == community.id).limit(1)):
        return
    today = local_today()
    yesterday = today - timedelta(days=1)
    db.session.add(SamplingRound(community_id=community.id, name="第1轮全员核酸（演示）", start_day=yesterday,
                                 end_day=today, compounds=[], buildings=[], groups=[]))
    point = db.session.scalar(select(Site).where(Site.community_id == community.id,
                                                 Site.kind == "sampling_point").order_by(Site.id))
    if point is None:
        return
    if not db.session.scalar(select(Tube.id).where(Tube.community_id == community.id).limit(1)):
        generate_sampling_day(community, yesterday, tubes=6, site=point, seed=18)
        db.session.flush()
    box = db.session.scalar(select(Box).where(Box.community_id == community.id, Box.handed_over_at.is_not(None))
                            .order_by(Box.id))
    if box is not None and box.received_at is None:
        box.lab_user_id, box.received_at = lab.id, min(box.handed_over_at + timedelta(minutes=40), utcnow())
        for tube in db.session.scalars(select(Tube).where(Tube.box_id == box.id)):
            tube.received_at = box.received_at
    db.session.flush()
