"""Demo data of issue 18: a lab account, a two-day round (yesterday and today) with yesterday's
sampling in it, one of yesterday's boxes received by the lab and one not. Idempotent."""
import uuid
from datetime import time, timedelta

from sqlalchemy import select

from ..auth.pins import hash_pin
from ..clock import local_at, local_today
from ..extensions import db
from ..models import Box, Community, Person, Sample, SamplingRound, Site, Tube, User, utcnow

LAB_USER = ("lab", "lab", "检测机构接收员")


def seed_rounds_demo(community: Community, pin: str) -> None:
    """Flushes; the caller commits."""
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
    if point is not None:
        _sampled_yesterday(community, point, lab, yesterday)
    db.session.flush()


def _sampled_yesterday(community: Community, point: Site, lab: User, day) -> None:
    """Five tubes of ten residents on the round's first day (none of a special group: those wait
    for the door-to-door visit), in two boxes handed over: the lab received the first, the
    second is still on the road (the board's "not received by the lab")."""
    people = db.session.scalars(select(Person).where(Person.community_id == community.id,
                                                     Person.in_roster.is_(True), Person.tags == "")
                                .order_by(Person.id).limit(50)).all()
    clock = local_at(day, time(8))
    boxes = [Box(community_id=community.id, site_id=point.id, barcode=f"B{day:%y%m%d}R{n}", created_at=clock)
             for n in (1, 2)]
    db.session.add_all(boxes)
    for n in range(len(people) // 10):
        box = boxes[0] if n < 3 else boxes[1]
        tube = Tube(community_id=community.id, site_id=point.id, barcode=f"T{day:%y%m%d}R{n + 1:04d}",
                    status="handed_over", opened_at=clock, box=box)
        db.session.add(tube)
        for slot, person in enumerate(people[n * 10:(n + 1) * 10], 1):
            clock += timedelta(seconds=30)
            tube.samples.append(Sample(record_id=str(uuid.uuid4()), community_id=community.id, site_id=point.id,
                                       person=person, slot=slot, recorded_at=clock))
        tube.sealed_at = clock + timedelta(seconds=20)
    for box in boxes:
        box.handed_over_at, box.courier = clock + timedelta(minutes=10), "物流"
    received = min(clock + timedelta(minutes=50), utcnow())
    boxes[0].lab_user_id, boxes[0].received_at = lab.id, received
    for tube in boxes[0].tubes:
        tube.received_at = received
