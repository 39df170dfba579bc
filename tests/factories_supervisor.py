"""Row factories for the supervisor's tests: tubes, samples, boxes and lab files, written
straight to the database (the sampling handlers are not needed to reconcile rows)."""
import csv
import io
import uuid
from datetime import timedelta

from server.extensions import db
from server.models import Box, Sample, Tube, utcnow
from server.models import Person

_counter = {"person": 0}


def make_person(community, *, name=None, doc_number=None, phone="13912345678", **fields):
    """A person with a unique (fictitious, not checksum-valid) document number."""
    _counter["person"] += 1
    number = doc_number or f"P{uuid.uuid4().hex[:12].upper()}"
    person = Person(community_id=community.id, doc_type="other", doc_number=number,
                    name=name or f"王小{_counter['person']}", phone=phone, in_roster=True, **fields)
    db.session.add(person)
    db.session.flush()
    return person


def make_tube(community, site, barcode=None, *, people=0, status="sealed", opened_minutes_ago=60,
              sealed_minutes_ago=50, capacity=10, box=None, sampled_minutes_ago=55, **fields):
    """A tube holding `people` new people (or a list of Person) in slots 1..n."""
    now = utcnow()
    tube = Tube(community_id=community.id, site_id=site.id, barcode=barcode or f"T{uuid.uuid4().hex[:10]}",
                capacity=capacity, status=status, opened_at=now - timedelta(minutes=opened_minutes_ago),
                sealed_at=None if status == "open" else now - timedelta(minutes=sealed_minutes_ago),
                box=box, **fields)
    db.session.add(tube)
    members = people if isinstance(people, list) else [make_person(community) for _ in range(people)]
    for slot, person in enumerate(members, start=1):
        make_sample(tube, person, slot=slot if slot <= capacity else None, minutes_ago=sampled_minutes_ago)
    db.session.flush()
    return tube


def make_sample(tube, person, *, slot=None, site=None, minutes_ago=55, voided=False):
    sample = Sample(record_id=str(uuid.uuid4()), community_id=tube.community_id,
                    site_id=site.id if site else tube.site_id, tube=tube, person=person,
                    slot=slot, recorded_at=utcnow() - timedelta(minutes=minutes_ago),
                    voided_at=utcnow() if voided else None)
    db.session.add(sample)
    db.session.flush()
    return sample


def make_box(community, site, barcode=None, *, handed_over=False, minutes_ago=30):
    box = Box(community_id=community.id, site_id=site.id, barcode=barcode or f"B{uuid.uuid4().hex[:8]}",
              created_at=utcnow() - timedelta(minutes=minutes_ago),
              handed_over_at=utcnow() if handed_over else None)
    db.session.add(box)
    db.session.flush()
    return box


def lab_csv(rows, header=("tube", "result", "reported_at"), encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
