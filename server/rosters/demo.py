"""The demo community's duty rosters: eight duty volunteers and the demo volunteer on fixed
crews at the first two gates, 3×8 h shifts of 2 people this week and next; tomorrow's night
shift at the second gate is one person short (the board shows it) and the demo volunteer has
signed in at the second gate, where they are not rostered (unrostered duty). Idempotent."""
from datetime import timedelta

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import DutyAssignment, DutyShift, GateSignIn, Site, User, utcnow
from .schedule import assign, create_week, local_start, shift_day, week_shifts, week_start

# Staff names that no generated resident can carry (the privacy tests look for residents'
# names in the database file, where account names are stored as they are): surnames that
# server/demo.py's SURNAMES lacks. Two characters, as most names are: the gate's duty line
# ("值班 16:00–00:00 任杰、姜涛 → 接班 蔡斌、潘阳") then fits a 360 px screen.
DUTY_NAMES = ("蔡斌", "潘阳", "田甜", "任杰", "姜涛", "范琳", "方圆", "石磊")


def seed_rosters(community, pin_hash: str) -> dict:
    cid = community.id
    if db.session.scalar(select(DutyShift.id).where(DutyShift.community_id == cid).limit(1)):
        return {}
    supervisor = db.session.scalar(select(User).where(User.community_id == cid, User.role == "supervisor"))
    volunteer = db.session.scalar(select(User).where(User.community_id == cid, User.username == "volunteer"))
    duty = []
    for i, name in enumerate(DUTY_NAMES, start=1):
        username = f"duty{i:02d}"
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(community_id=cid, username=username, role="volunteer", display_name=name,
                        pin_hash=pin_hash)
            db.session.add(user)
        elif user.community_id != cid:
            return {}  # the name is taken elsewhere: no demo rosters rather than a wrong one
        duty.append(user)
    db.session.flush()
    gates = db.session.scalars(select(Site).where(Site.community_id == cid, Site.kind == "gate")
                               .order_by(Site.code).limit(2)).all()
    crews = {gates[0].id: [(volunteer, duty[0]), (duty[1], duty[2]), (duty[3], duty[4])],
             gates[1].id: [(duty[5], duty[6]), (duty[7], duty[0]), (duty[1], duty[3])]}
    tomorrow = local_today() + timedelta(days=1)
    shifts = 0
    for monday in sorted({week_start(local_today()), week_start(tomorrow)}):
        for gate in gates:
            shifts += create_week(gate, monday, "3x8", 2, 0, supervisor)
            db.session.flush()
            for shift in week_shifts(gate.id, monday):
                for user in crews[gate.id][local_start(shift).hour // 8]:
                    assign(shift, user.id, supervisor)
    short = db.session.scalars(select(DutyShift).where(DutyShift.site_id == gates[1].id)
                               .order_by(DutyShift.starts_at)).all()
    night = next(s for s in short if shift_day(s) == tomorrow and local_start(s).hour == 0)
    row = db.session.scalars(select(DutyAssignment).where(DutyAssignment.shift_id == night.id)
                             .order_by(DutyAssignment.id)).first()
    row.removed_at, row.removed_by = utcnow(), supervisor.id
    db.session.add(GateSignIn(community_id=cid, site_id=gates[1].id, user_id=volunteer.id, at=utcnow()))
    return {"shifts": shifts, "duty_volunteers": len(duty)}
