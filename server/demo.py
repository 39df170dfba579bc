"""The demo community of DESIGN §1: 4 compounds, 33 buildings, ~7,300 residents, 7 gates,
2 sampling points and one user per role. Every ID number is valid and fictitious."""
import random
from datetime import date, timedelta

from sqlalchemy import select
from stdnum.cn import ric

from .auth.pins import hash_pin
from .extensions import db
from .ledgers.demo import seed_ledgers
from .models import Community, Site, User
from .residents.roster import RosterReport, upsert_people
from .rosters.demo import seed_rosters

COMMUNITY_CODE = "demo"
DEMO_PIN = "123456"
DEMO_USERS = (  # username, role, display name
    ("volunteer", "volunteer", "卡口志愿者"),
    ("clerk", "clerk", "采样录入员"),
    ("supervisor", "supervisor", "社区负责人"),
    ("admin", "admin", "系统管理员"),
)
COMPOUNDS = ("东苑", "西苑", "南苑", "北苑")
BUILDINGS_PER_COMPOUND = (9, 8, 8, 8)  # 33 buildings
UNITS, FLOORS, ROOMS_PER_FLOOR = 3, 12, 2  # 72 households a building
GATES = (("G1", "东苑南门", 0), ("G2", "东苑北门", 0), ("G3", "西苑正门", 1), ("G4", "西苑车行门", 1),
         ("G5", "南苑正门", 2), ("G6", "北苑正门", 3), ("G7", "北苑侧门", 3))
SAMPLING_POINTS = (("S1", "社区广场采样点"), ("S2", "北苑采样点"))
REGIONS = ("110105", "110101", "110102", "110108", "110106")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建国志红海燕雪梅晨曦子涵浩然宇轩欣怡思远"


def fictitious_id(rng: random.Random, seen: set) -> str:
    while True:
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 85))
        body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")  # it ignores the last char
        if number not in seen:
            seen.add(number)
            return number


def residents(rng: random.Random, target: int = 7300):
    """Roster rows, about `target` people in 33 buildings, a few in special groups."""
    seen: set[str] = set()
    households = [(c, f"{ci + 1}-{b + 1}", str(u + 1), f"{f + 1}{r + 1:02d}")
                  for ci, (c, count) in enumerate(zip(COMPOUNDS, BUILDINGS_PER_COMPOUND))
                  for b in range(count) for u in range(UNITS)
                  for f in range(FLOORS) for r in range(ROOMS_PER_FLOOR)]
    people = []
    while len(people) < target:
        compound, building, unit, room = households[len(people) * 7 % len(households)] \
            if len(people) >= len(households) else households[len(people)]
        tags = []
        roll = rng.random()
        if roll < 0.02:
            tags.append("elderly-alone")
        elif roll < 0.03:
            tags.append("disabled")
        elif roll < 0.035:
            tags.append("home-quarantine")
        people.append({
            "doc_type": "cn_ric", "doc_number": fictitious_id(rng, seen),
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "compound": compound, "building": building, "unit": unit, "room": room,
            "tags": ";".join(tags),
        })
    return people


def seed_demo(residents_count: int = 7300, seed: int = 20220506) -> dict:
    """Create the demo community unless it exists. Returns what was made."""
    if db.session.scalar(select(Community).where(Community.code == COMMUNITY_CODE)):
        return {"created": False}
    rng = random.Random(seed)
    community = Community(code=COMMUNITY_CODE, name="示范社区")
    db.session.add(community)
    for code, name, compound in GATES:
        db.session.add(Site(community=community, code=code, name=name, kind="gate",
                            compound=COMPOUNDS[compound]))
    for code, name in SAMPLING_POINTS:
        db.session.add(Site(community=community, code=code, name=name, kind="sampling_point"))
    pin_hash = hash_pin(DEMO_PIN)
    for username, role, display in DEMO_USERS:
        db.session.add(User(community=community, username=username, role=role,
                            display_name=display, pin_hash=pin_hash))
    db.session.flush()
    report = RosterReport()
    upsert_people(residents(rng, residents_count), community.id, report)
    seed_ledgers(community)
    seed_rosters(community, pin_hash)
    return {"created": True, "community": community.code, "residents": report.created,
            "sites": len(GATES) + len(SAMPLING_POINTS), "users": [u[0] for u in DEMO_USERS]}
