"""The retest list: masked people with their address, phone on demand (audited), closure."""
from sqlalchemy import select

from server.extensions import db
from server.supervisor.labresults import apply_results, parse_results
from server.models import AuditEvent, Retest
from tests.factories_supervisor import lab_csv, make_person, make_tube

HTMX = {"HX-Request": "true"}


def positive_pool(world, code="a", barcode="TP1", size=10):
    side = world[code]
    people = [make_person(side["community"], name=f"欧阳小{n}", phone=f"1380000{n:04d}",
                          building="3", unit="2", room=f"{n}01") for n in range(size)]
    make_tube(side["community"], side["point"], barcode, people=people)
    parsed = parse_results(lab_csv([(barcode, "阳性", "")]), "lab.csv")
    apply_results(parsed.rows, side["community"].id)
    db.session.commit()
    return people


def test_retest_list_shows_masked_people_with_address_and_reveals_a_phone_audited(world, client, login):
    positive_pool(world)
    login(world["a"]["supervisor"])
    page = client.get("/supervisor/retests").get_data(as_text=True)
    assert page.count('class="status-pending"') == 10
    assert "欧**0" in page and "欧阳小0" not in page
    assert "3-2-101" in page and "138****0001" in page and "13800000001" not in page
    retest = db.session.scalar(select(Retest).order_by(Retest.id))
    answer = client.post(f"/supervisor/retests/{retest.id}/phone", headers=HTMX)
    assert answer.status_code == 200 and "13800000000" in answer.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal_phone"))
    assert event.target == f"person:{retest.person_id}" and event.user_id == world["a"]["supervisor"].id


def test_a_phone_revealed_before_htmx_loaded_shows_the_whole_list(world, client, login):
    # A slow phone's tap can submit the plain form before htmx takes it over.
    positive_pool(world)
    login(world["a"]["supervisor"])
    retest = db.session.scalar(select(Retest).order_by(Retest.id))
    page = client.post(f"/supervisor/retests/{retest.id}/phone").get_data(as_text=True)
    assert page.count('class="status-pending"') == 10
    assert "13800000000" in page and "13800000001" not in page and "138****0001" in page


def test_a_retest_is_followed_to_closure_forward_only_and_audited(world, client, login):
    positive_pool(world, size=2)
    login(world["a"]["supervisor"])
    retest = db.session.scalar(select(Retest).order_by(Retest.id))
    url = f"/supervisor/retests/{retest.id}"
    contacted = client.post(url, data={"status": "contacted"}, headers=HTMX).get_data(as_text=True)
    assert 'class="status-contacted"' in contacted and 'role="alert"' not in contacted
    no_result = client.post(url, data={"status": "closed"}, headers=HTMX).get_data(as_text=True)
    assert 'role="alert"' in no_result
    db.session.refresh(retest)
    assert retest.status == "contacted"
    client.post(url, data={"status": "retested"}, headers=HTMX)
    client.post(url, data={"status": "closed", "result": "negative"}, headers=HTMX)
    db.session.refresh(retest)
    assert (retest.status, retest.result) == ("closed", "negative")
    backwards = client.post(url, data={"status": "pending"})
    assert backwards.status_code == 400
    db.session.refresh(retest)
    assert retest.status == "closed"
    moves = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "retest_status")
                               .order_by(AuditEvent.id)).all()
    assert [(m["status_from"], m["status_to"]) for m in moves] == [
        ("pending", "contacted"), ("contacted", "retested"), ("retested", "closed")]
    open_list = client.get("/supervisor/retests").get_data(as_text=True)
    assert open_list.count('class="status-') == 1
    assert client.get("/supervisor/retests?show=all").get_data(as_text=True).count('class="status-') == 2


def test_closing_needs_a_result(world, client, login):
    positive_pool(world, size=1)
    login(world["a"]["supervisor"])
    retest = db.session.scalar(select(Retest))
    assert client.post(f"/supervisor/retests/{retest.id}", data={"status": "closed"}).status_code == 400
    db.session.refresh(retest)
    assert retest.status == "pending"


def test_community_b_retests_are_out_of_reach(world, client, login):
    positive_pool(world, code="b", barcode="TB9", size=3)
    login(world["a"]["supervisor"])
    assert "TB9" not in client.get("/supervisor/retests?show=all").get_data(as_text=True)
    other = db.session.scalar(select(Retest))
    assert client.post(f"/supervisor/retests/{other.id}/phone").status_code == 404
    assert client.post(f"/supervisor/retests/{other.id}", data={"status": "contacted"}).status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal_phone")) is None
