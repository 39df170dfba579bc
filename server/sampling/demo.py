"""A day of pooled sampling written straight as rows (tubes, samples, boxes): for the demo,
tests and benchmarks that need a realistic day without going through the phones."""
import random
import uuid
from datetime import date, time, timedelta

from sqlalchemy import select

from ..clock import local_at
from ..demo import GIVEN, SURNAMES, fictitious_id
from ..extensions import db
from ..models import Box, Community, Person, Sample, Site, Tube

TUBES_PER_BOX = 20


def tube_barcode(day: date, number: int) -> str:
    return f"T{day:%y%m%d}{number:05d}"


def generate_sampling_day(community: Community, day: date, tubes: int = 100, *, site: Site | None = None,
                          seed: int = 0, start_hour: int = 7) -> list[Tube]:
    """`tubes` full tubes (capacity people each) sealed, boxed and handed over on `day`.

    People are taken from the community's roster, created when the roster is too small; every
    person is sampled once. Flushes; the caller commits."""
    rng = random.Random(seed)
    if site is None:
        site = db.session.scalar(select(Site).where(
            Site.community_id == community.id, Site.kind == "sampling_point").order_by(Site.id))
    if site is None:
        raise ValueError("The community has no sampling point.")
    capacity = site.tube_capacity
    people = _people(community, tubes * capacity, rng)
    clock = local_at(day, time(start_hour))
    made, box = [], None
    for n in range(tubes):
        if n % TUBES_PER_BOX == 0:
            box = Box(community_id=community.id, site_id=site.id,
                      barcode=f"B{day:%y%m%d}{n // TUBES_PER_BOX + 1:03d}-{site.code}", created_at=clock)
            db.session.add(box)
        tube = Tube(community_id=community.id, site_id=site.id, barcode=tube_barcode(day, n + 1),
                    capacity=capacity, status="handed_over", opened_at=clock, box=box)
        db.session.add(tube)
        for slot in range(1, capacity + 1):
            clock += timedelta(seconds=rng.randint(15, 40))
            tube.samples.append(Sample(
                record_id=str(uuid.uuid4()), community_id=community.id, site_id=site.id,
                person=people[n * capacity + slot - 1], slot=slot, recorded_at=clock))
        tube.sealed_at = clock + timedelta(seconds=20)
        if n % TUBES_PER_BOX == TUBES_PER_BOX - 1 or n == tubes - 1:
            box.handed_over_at = clock + timedelta(minutes=10)
            box.courier = "物流"
        made.append(tube)
    db.session.flush()
    return made


def _people(community: Community, count: int, rng: random.Random) -> list[Person]:
    people = list(db.session.scalars(select(Person).where(Person.community_id == community.id)
                                      .order_by(Person.id).limit(count)))
    seen = {p.doc_number for p in people} if len(people) < count else set()
    while len(people) < count:
        number = fictitious_id(rng, seen)
        person = Person(community_id=community.id, doc_type="cn_ric", doc_number=number,
                        name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        phone=f"139{rng.randrange(10**8):08d}", building=f"{rng.randint(1, 9)}",
                        unit=str(rng.randint(1, 3)), room=f"{rng.randint(1, 12)}0{rng.randint(1, 2)}",
                        in_roster=True)
        db.session.add(person)
        people.append(person)
    return people
