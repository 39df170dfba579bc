"""The "at most capacity per tube" race: 20 phones add to a tube holding 9 at the same moment.
The application's own capacity check is left out (each adder just claims the first slot it saw
free); the database's unique (tube, slot) index alone must leave exactly 10 slotted, the rest
kept as overflow (slot NULL, flagged by the board)."""
import threading

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import Sample, Tube, utcnow
from tests.records import valid_id

RACERS = 20


def test_twenty_racing_adds_to_a_tube_holding_nine_leave_exactly_ten_slotted(
        app, world, make_person):
    a = world["a"]
    community, point = a["community"].id, a["point"].id
    tube = Tube(community_id=community, site_id=point, barcode="T0000001", capacity=10,
                opened_at=utcnow())
    db.session.add(tube)
    people = [make_person(a["community"], doc_number=valid_id(n)).id for n in range(9 + RACERS)]
    for slot, person in enumerate(people[:9], start=1):
        db.session.add(Sample(record_id=f"first-{slot}", community_id=community, site_id=point,
                              tube_id=tube.id, person_id=person, slot=slot,
                              recorded_at=utcnow()))
    db.session.commit()
    tube_id, capacity = tube.id, tube.capacity
    start = threading.Barrier(RACERS)
    errors = []

    def add(person_id, n):
        # A writing request, as the sync endpoint runs it (on SQLite: BEGIN IMMEDIATE).
        with app.test_request_context("/api/v1/sync", method="POST"):
            session = Session(db.engine)
            try:
                start.wait(timeout=30)
                taken = set(session.scalars(select(Sample.slot).where(
                    Sample.tube_id == tube_id, Sample.slot.is_not(None))))
                free = [s for s in range(1, capacity + 1) if s not in taken]
                sample = dict(record_id=f"race-{n}", community_id=community, site_id=point,
                              tube_id=tube_id, person_id=person_id, recorded_at=utcnow())
                try:
                    session.add(Sample(slot=free[0] if free else None, **sample))
                    session.commit()
                except IntegrityError:  # another phone took that slot first: overflow
                    session.rollback()
                    session.add(Sample(slot=None, **sample))
                    session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                session.close()

    threads = [threading.Thread(target=add, args=(person, n))
               for n, person in enumerate(people[9:])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.session.rollback()  # end the test's own snapshot: see what the racers committed
    slots = db.session.scalars(select(Sample.slot).where(Sample.tube_id == tube_id)).all()
    assert sorted(s for s in slots if s is not None) == list(range(1, 11))
    assert slots.count(None) == RACERS - 1
    assert db.session.scalar(select(func.count()).select_from(Sample)) == 9 + RACERS
