"""Something for the demo's evening review and ledgers: work groups for the demo users, a few
special-group needs and one open problem. Idempotent: a second run adds nothing."""
from datetime import timedelta

from sqlalchemy import func, select

from ..clock import local_today
from ..extensions import db
from ..models import CareNeed, Community, Person, Problem, SpecialContact, User, WorkGroupMember
from .workgroups import assign

DEMO_GROUPS = {"volunteer": ("gate_control", "helper"), "clerk": ("sampling", "member"),
               "supervisor": ("data_summary", "lead")}
DEMO_NEEDS = (("elderly-alone", "door_sampling", "行动不便，需上门采样"),
              ("elderly-alone", "medicine", "降压药每周一次"),
              ("disabled", "groceries", "每三天送菜"))
DEMO_PROBLEM = "北苑采样点下午排队过长，需增加一个采样台"
# Categories the roster import does not bring: two people each, so every default shows.
DEMO_CATEGORIES = ("empty-nest", "widowed-alone", "chronic", "pregnant", "hardship")
DEMO_GUARDIAN = ("女儿", "陈晓梅", "13800138000")


def seed_review_demo(community: Community) -> dict:
    """Add the demo's work groups, needs and open problem unless already there. Flushes."""
    made = {"work_groups": 0, "needs": 0, "problems": 0}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.community_id == community.id))}
    for username, (group, role) in DEMO_GROUPS.items():
        user = users.get(username)
        if user and not _exists(WorkGroupMember, WorkGroupMember.user_id == user.id):
            assign(community.id, user.id, group, role)
            made["work_groups"] += 1
    if not _exists(CareNeed, CareNeed.community_id == community.id):
        for n, (tag, need, note) in enumerate(DEMO_NEEDS):
            person = db.session.scalars(select(Person).where(
                Person.community_id == community.id, Person.tags.like(f"%{tag}%"))
                .order_by(Person.id).offset(n).limit(1)).first()
            if person is not None:
                db.session.add(CareNeed(community_id=community.id, person_id=person.id, need=need, note=note))
                made["needs"] += 1
    made["categories"] = _seed_categories(community)
    owner = users.get("clerk") or next(iter(users.values()), None)
    if owner and not _exists(Problem, Problem.community_id == community.id):
        day = local_today()
        db.session.add(Problem(community_id=community.id, day=day - timedelta(days=1), description=DEMO_PROBLEM,
                               owner_id=owner.id, due_on=day + timedelta(days=1)))
        made["problems"] += 1
    db.session.flush()
    return made


def _seed_categories(community: Community) -> int:
    """Two untagged residents in each category the roster does not bring, and a daughter's
    contact for the first elderly person living alone; nothing when done before."""
    cid = community.id
    if _exists(Person, Person.community_id == cid, Person.tags.like(f"%{DEMO_CATEGORIES[0]}%")):
        return 0
    plain = db.session.scalars(select(Person).where(
        Person.community_id == cid, Person.in_roster.is_(True), Person.tags == "")
        .order_by(Person.id).offset(5).limit(2 * len(DEMO_CATEGORIES))).all()
    for n, person in enumerate(plain):
        person.tags = DEMO_CATEGORIES[n // 2]
    elder = db.session.scalars(select(Person).where(
        Person.community_id == cid, Person.tags.like("%elderly-alone%")).order_by(Person.id).limit(1)).first()
    if elder is not None and not _exists(SpecialContact, SpecialContact.person_id == elder.id):
        relation, name, phone = DEMO_GUARDIAN
        db.session.add(SpecialContact(community_id=cid, person_id=elder.id, relation=relation, name=name,
                                      phone=phone))
    return len(plain)


def _exists(model, *where) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(model).where(*where)))
