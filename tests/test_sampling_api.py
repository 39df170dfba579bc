"""Sampling records through the sync API: pools never over-filled, surprises flagged, never lost."""
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Box, Flag, InboxRecord, Sample, Tube
from server.sampling import tubes as tube_rules
from tests.conftest import BACKENDS
from tests.records import (SHANGHAI, batch, box_handover, box_pack, person, sample, sample_void,
                           tube_open, tube_reopen, tube_seal, valid_id)

TUBE, OTHER_TUBE = "T20220506001", "T20220506002"


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def statuses(answer):
    return [r["status"] for r in answer.get_json()["results"]]


def sync(client, headers, device_id, records):
    response = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def slots_of(barcode):
    return db.session.execute(select(Sample.slot).join(Tube).where(
        Tube.barcode == barcode, Sample.voided_at.is_(None)).order_by(Sample.id)).scalars().all()


@pytest.fixture
def point(world):
    return world["a"]["point"].id


@pytest.fixture
def phone(client, world, device_token):
    """A clerk's phone of community a: send(records) -> results."""
    def make(name="phone 1"):
        headers, device_id = device_token(world["a"]["clerk"], device_name=name)
        return lambda records: sync(client, headers, device_id, records)
    return make


def test_a_tube_filled_from_two_phones_holds_at_most_its_capacity(phone, point):
    first, second = phone("phone 1"), phone("phone 2")
    first([tube_open(point, TUBE)])
    one = first([sample(point, TUBE, person(valid_id(n))) for n in range(7)])
    two = second([sample(point, TUBE, person(valid_id(n))) for n in range(100, 106)])
    assert [r["status"] for r in one + two] == ["accepted"] * 13
    assert [r["warnings"] for r in two] == [[]] * 3 + [["tube_over_capacity"]] * 3
    assert sorted(s for s in slots_of(TUBE) if s) == list(range(1, 11))
    assert slots_of(TUBE).count(None) == 3  # kept, not dropped
    assert count(Flag, Flag.kind == "tube_over_capacity") == 3


def test_a_phone_racing_for_a_taken_slot_gets_the_next_free_one(phone, point, monkeypatch):
    """The other phone's insert committed between our read of free slots and our insert."""
    send = phone()
    send([tube_open(point, TUBE, capacity=3)] + [sample(point, TUBE, person(valid_id(n))) for n in range(2)])
    stale = iter([[1, 2, 3]])  # what we read before the other phone's slots 1 and 2 committed
    real = tube_rules.free_slots
    monkeypatch.setattr(tube_rules, "free_slots", lambda tube: next(stale, None) or real(tube))
    answer = send([sample(point, TUBE, person(valid_id(5))), sample(point, TUBE, person(valid_id(6)))])
    assert [r["warnings"] for r in answer] == [[], ["tube_over_capacity"]]
    assert slots_of(TUBE) == [1, 2, 3, None]


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="set CHECKPOINT_TEST_DATABASE_URL for PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite serialises writers
def test_two_phones_really_racing_on_postgresql_never_overfill(app, client, world, device_token, point):
    phones = [device_token(world["a"]["clerk"], device_name=f"phone {i}") for i in range(4)]
    sync(client, *phones[0], [tube_open(point, TUBE)])
    results, errors = [], []

    def fill(headers, device_id, offset):
        try:
            with app.app_context():
                results.extend(sync(app.test_client(), headers, device_id,
                                    [sample(point, TUBE, person(valid_id(offset + n))) for n in range(5)]))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=fill, args=(*p, 50 * i)) for i, p in enumerate(phones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and [r["status"] for r in results] == ["accepted"] * 20
    slots = slots_of(TUBE)
    assert len(slots) == 20 and sorted(s for s in slots if s) == list(range(1, 11))


def test_the_same_person_in_two_tubes_the_same_day_is_flagged(phone, point):
    send = phone()
    someone = person(valid_id(1))
    answer = send([tube_open(point, TUBE), sample(point, TUBE, someone),
                   tube_open(point, OTHER_TUBE), sample(point, OTHER_TUBE, someone)])
    assert statuses_of(answer) == ["accepted"] * 4
    assert answer[3]["warnings"] == ["person_sampled_twice_today"]
    assert count(Sample) == 2
    yesterday = datetime.now(SHANGHAI) - timedelta(days=1)
    third = send([tube_open(point, "T20220505009", recorded_at=yesterday),
                  sample(point, "T20220505009", someone, recorded_at=yesterday)])
    assert third[1]["warnings"] == []


def test_the_same_person_twice_in_one_tube_is_kept_once_and_flagged(phone, point):
    send = phone()
    answer = send([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1))),
                   sample(point, TUBE, person(valid_id(1)))])
    assert answer[2]["status"] == "accepted" and answer[2]["warnings"] == ["person_in_tube_twice"]
    assert slots_of(TUBE) == [1] and count(InboxRecord) == 3


def test_an_invalid_id_number_is_rejected(phone, point):
    answer = phone()([tube_open(point, TUBE),
                      sample(point, TUBE, person("110105194912310021"))])
    assert answer[1]["status"] == "rejected"
    assert answer[1]["error"]["code"] == "invalid_id_number"
    assert count(Sample) == 0


@pytest.mark.parametrize("barcode", ["t-1", "11010519491231002X", "CP1:abcdefghijklmnopq", ""])
def test_an_invalid_tube_barcode_is_rejected(phone, point, barcode):
    answer = phone()([tube_open(point, barcode), sample(point, barcode, person(valid_id(1)))])
    assert [r["error"]["code"] for r in answer] == ["invalid_tube_barcode"] * 2
    assert count(Tube) == 0 and count(Sample) == 0


def test_the_site_tube_pattern_decides_what_a_tube_is(phone, world, point):
    world["a"]["point"].tube_pattern = r"BJ[0-9]{6}"
    db.session.commit()
    answer = phone()([tube_open(point, "BJ123456"), tube_open(point, TUBE)])
    assert statuses_of(answer) == ["accepted", "rejected"]


def test_a_sample_into_a_tube_never_opened_opens_it_and_is_flagged(phone, point):
    answer = phone()([sample(point, TUBE, person(valid_id(1)))])
    assert answer[0]["warnings"] == ["tube_not_opened"]
    tube = db.session.scalar(select(Tube))
    assert (tube.barcode, tube.status, tube.capacity) == (TUBE, "open", 10)


def test_a_sample_into_a_tube_sealed_by_another_phone_is_kept_and_flagged(phone, point):
    first, second = phone("phone 1"), phone("phone 2")
    first([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1))), tube_seal(point, TUBE)])
    answer = second([sample(point, TUBE, person(valid_id(2)))])
    assert answer[0]["warnings"] == ["tube_already_sealed"]
    assert slots_of(TUBE) == [1, 2]


def test_a_tube_used_at_another_sampling_point_is_flagged(phone, world, make_site, point):
    other = make_site(world["a"]["community"], code="S2", kind="sampling_point").id
    send = phone()
    send([tube_open(point, TUBE)])
    answer = send([tube_open(other, TUBE), sample(other, TUBE, person(valid_id(1)))])
    assert [r["warnings"] for r in answer] == [["tube_reused_other_site"]] * 2


def test_a_site_of_another_community_is_forbidden(phone, world):
    answer = phone()([tube_open(world["b"]["point"].id, TUBE)])
    assert answer[0]["error"]["code"] == "forbidden_site"


def test_void_frees_the_slot_and_a_moved_person_lands_in_the_other_tube(phone, point):
    send = phone()
    samples = [sample(point, TUBE, person(valid_id(n))) for n in range(3)]
    send([tube_open(point, TUBE), *samples, tube_open(point, OTHER_TUBE)])
    answer = send([sample_void(samples[1]["id"], reason="moved"),
                   sample(point, OTHER_TUBE, person(valid_id(1))),
                   sample(point, TUBE, person(valid_id(9)))])
    assert [r["warnings"] for r in answer] == [[], [], []]
    voided = db.session.scalar(select(Sample).where(Sample.record_id == samples[1]["id"]))
    assert (voided.slot, voided.void_reason, voided.voided_at is not None) == (None, "moved", True)
    assert slots_of(TUBE) == [1, 3, 2]  # the next person took the freed slot 2
    assert slots_of(OTHER_TUBE) == [1]
    assert statuses_of(send([sample_void(samples[1]["id"], reason="moved")])) == ["accepted"]


def test_a_sample_voided_in_an_earlier_batch_no_longer_counts(phone, point):
    """The void read back from the database, not from the batch: the person may be sampled
    again that day, in the same tube or another, without a warning."""
    send = phone()
    first = sample(point, TUBE, person(valid_id(1)))
    send([tube_open(point, TUBE), first, tube_open(point, OTHER_TUBE)])
    send([sample_void(first["id"], reason="wrong tube")])
    again = send([sample(point, OTHER_TUBE, person(valid_id(1)))])
    assert (statuses_of(again), again[0]["warnings"]) == (["accepted"], [])
    send([sample_void(again[0]["id"], reason="wrong tube again")])
    back = send([sample(point, TUBE, person(valid_id(1)))])
    assert (statuses_of(back), back[0]["warnings"]) == (["accepted"], [])
    assert (slots_of(TUBE), slots_of(OTHER_TUBE)) == ([1], [])


def test_a_void_of_a_sample_never_received_is_rejected_for_a_later_retry(phone):
    answer = phone()([sample_void("00000000-0000-4000-8000-000000000000")])
    assert answer[0]["error"]["field"] == "sample_record_id"


def test_seal_reopen_pack_and_handover_change_the_tubes_and_box(phone, point, world):
    send = phone()
    send([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1))), tube_seal(point, TUBE),
          tube_open(point, OTHER_TUBE), tube_seal(point, OTHER_TUBE)])
    tube = db.session.scalar(select(Tube).where(Tube.barcode == TUBE))
    assert tube.status == "sealed" and tube.sealed_at is not None

    assert statuses_of(send([tube_reopen(point, TUBE, reason="sealed by mistake")])) == ["accepted"]
    db.session.refresh(tube)
    assert (tube.status, tube.sealed_at) == ("open", None)
    reopened = db.session.scalar(select(Flag).where(Flag.kind == "tube_reopened"))
    # The clerk's reason is free text: in the flag's encrypted note, not its plain detail.
    assert reopened.note == "sealed by mistake" and "reason" not in reopened.detail
    assert reopened.tube_id == tube.id

    send([sample(point, TUBE, person(valid_id(2))), tube_seal(point, TUBE),
          box_pack(point, "BOX-0001", TUBE), box_pack(point, "BOX-0001", OTHER_TUBE)])
    box = db.session.scalar(select(Box))
    assert sorted(t.barcode for t in box.tubes) == [TUBE, OTHER_TUBE]
    assert {t.status for t in box.tubes} == {"packed"}
    send([box_handover(point, "BOX-0001", courier="王师傅")])
    db.session.refresh(box)
    assert box.courier == "王师傅" and box.handed_over_at is not None
    assert {t.status for t in box.tubes} == {"handed_over"}


def test_a_reopen_needs_a_reason(phone, point):
    answer = phone()([tube_open(point, TUBE), tube_reopen(point, TUBE, reason="")])
    assert answer[1]["error"]["field"] == "reason"


def statuses_of(results):
    return [r["status"] for r in results]


def test_the_tubes_page_lists_today_with_counts_masked_and_searchable(client, phone, point, world, login):
    phone()([tube_open(point, TUBE), sample(point, TUBE, person(valid_id(1), name="张三明")),
             tube_open(point, OTHER_TUBE), tube_seal(point, OTHER_TUBE),
             tube_reopen(point, OTHER_TUBE, reason="误封")])
    login(world["a"]["clerk"])
    page = client.get(f"/sampling/{point}/tubes").get_data(as_text=True)
    assert TUBE in page and OTHER_TUBE in page and "1/10" in page
    assert "张*明" in page and "张三明" not in page and valid_id(1) not in page
    assert "曾重新开管：误封" in page
    fragment = client.get(f"/sampling/{point}/tubes?q=002", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert OTHER_TUBE in text and TUBE not in text and "<html" not in text


def test_sampling_pages_stay_inside_the_community(client, world, login):
    login(world["a"]["clerk"])
    assert client.get(f"/sampling/{world['b']['point'].id}/tubes").status_code == 404
    assert client.get(f"/sampling/{world['a']['gate'].id}").status_code == 404
    assert client.get(f"/sampling/{world['a']['point'].id}").status_code == 200
    login(world["a"]["volunteer"])
    assert client.get(f"/sampling/{world['a']['point'].id}/tubes").status_code == 403
