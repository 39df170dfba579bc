"""A batch is planned before the write lock, from look-ups that another phone's sync may change
before ours writes. These tests put that other sync exactly there -- after our plan, before our
write -- and check that our results are those of a batch applied after it: the look-ups are
checked again under the lock (or the database refuses a key taken meanwhile) and the batch is
planned again. Counted: how often a plan was found stale."""
import pytest
from sqlalchemy import func, select

from server.api import sync as sync_view
from server.extensions import db
from server.models import Flag, Sample, Tube
from server.sync.reads import Lookups
from tests.conftest import BACKENDS
from tests.records import batch, person, sample, tube_open, tube_seal, valid_id

TUBE, OTHER = "T20261201001", "T20261201002"


@pytest.fixture
def meanwhile(monkeypatch):
    """later(fn): fn runs once, inside our next sync, between its plan and its write (after
    the check under the lock with after_check=True). `stale`: whether each sync's plan was
    found stale under the lock (ours is the last: fn's own sync checks first)."""
    pending, stale = {}, []
    start_writing, holds = sync_view.start_writing, Lookups.holds

    def between(**how):
        start_writing(**how)
        if "plan" in pending:
            pending.pop("plan")()

    def counted(self):
        answer = holds(self)
        stale.append(not answer)
        if "check" in pending:
            pending.pop("check")()
        return answer

    def later(fn, after_check=False):
        pending["check" if after_check else "plan"] = fn

    monkeypatch.setattr(sync_view, "start_writing", between)
    monkeypatch.setattr(Lookups, "holds", counted)
    return later, stale


@pytest.fixture
def phones(client, world, device_token):
    def send(headers_device, records):
        headers, device_id = headers_device
        response = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]
    first = device_token(world["a"]["clerk"], "phone 1")
    second = device_token(world["a"]["clerk"], "phone 2")
    return (lambda records: send(first, records)), (lambda records: send(second, records))


def _slots(barcode):
    return db.session.scalars(select(Sample.slot).join(Tube).where(
        Tube.barcode == barcode, Sample.voided_at.is_(None)).order_by(Sample.id)).all()


def test_a_slot_taken_between_our_plan_and_our_write(phones, meanwhile, world, make_person):
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    ours([tube_open(point, TUBE)] + [sample(point, TUBE, person(valid_id(n))) for n in range(8)])
    later(lambda: theirs([sample(point, TUBE, person(valid_id(50)))]))  # takes slot 9
    answer = ours([sample(point, TUBE, person(valid_id(n))) for n in (60, 61)])
    assert stale[-1] is True
    assert [r["warnings"] for r in answer] == [[], ["tube_over_capacity"]]
    assert _slots(TUBE) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None]


@pytest.mark.parametrize("in_roster", [True, False])
def test_a_person_sampled_elsewhere_between_our_plan_and_our_write(
        phones, meanwhile, world, make_person, in_roster):
    """A resident: their samples are looked up again under the lock. Someone outside the
    roster: both syncs add them, the database's unique key on the person refuses ours."""
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    someone = person(valid_id(7))
    if in_roster:
        make_person(world["a"]["community"], doc_number=valid_id(7))
    theirs([tube_open(point, OTHER)])
    ours([tube_open(point, TUBE)])
    later(lambda: theirs([sample(point, OTHER, someone)]))
    answer = ours([sample(point, TUBE, someone)])
    assert stale[-1] is in_roster
    assert answer[0]["warnings"] == ["person_sampled_twice_today"]
    assert _slots(TUBE) == [1] and _slots(OTHER) == [1]


def test_a_tube_sealed_between_our_plan_and_our_write(phones, meanwhile, world):
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    ours([tube_open(point, TUBE)])
    later(lambda: theirs([tube_seal(point, TUBE)]))
    answer = ours([sample(point, TUBE, person(valid_id(1)))])
    assert stale[-1] is True
    assert answer[0]["warnings"] == ["tube_already_sealed"]
    assert db.session.scalar(select(Tube.status).where(Tube.barcode == TUBE)) == "sealed"


def test_a_tube_opened_between_our_plan_and_our_write(phones, meanwhile, world):
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    later(lambda: theirs([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1)))]))
    answer = ours([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(2)))])
    assert stale[-1] is True
    assert [r["warnings"] for r in answer] == [[], []]
    assert db.session.scalar(select(func.count()).select_from(Tube)) == 1
    assert _slots(TUBE) == [1, 2]
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="set CHECKPOINT_TEST_DATABASE_URL for PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: we hold the lock
def test_a_key_taken_after_our_check_fails_the_write_and_the_batch_is_planned_again(
        phones, meanwhile, world):
    """On PostgreSQL nothing stops another request between our check and our insert: the
    unique keys do (the tube's barcode here, a slot, a record id), and the batch is planned
    again inside our transaction."""
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    later(lambda: theirs([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1)))]),
          after_check=True)
    answer = ours([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(2)))])
    assert stale[-1] is False  # the check passed: the insert found the key taken
    assert [r["warnings"] for r in answer] == [[], []]
    assert db.session.scalar(select(func.count()).select_from(Tube)) == 1
    assert _slots(TUBE) == [1, 2]


def test_nothing_changed_meanwhile_means_one_plan(phones, meanwhile, world):
    (ours, theirs), (later, stale) = phones, meanwhile
    point = world["a"]["point"].id
    theirs([tube_open(point, OTHER)])
    later(lambda: theirs([sample(point, OTHER, person(valid_id(5)))]))  # another tube, another person
    answer = ours([tube_open(point, TUBE)] + [sample(point, TUBE, person(valid_id(n))) for n in range(3)])
    assert stale[-1] is False
    assert [r["warnings"] for r in answer] == [[]] * 4
