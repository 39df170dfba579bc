"""The district generator of the page benchmarks (bench/district.py), at a tiny size."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from bench.district import SUPERVISOR_PIN, generate
from server.extensions import db
from server.models import GateEntry, LabResult, Person, Sample, Tube


def test_tiny_district_is_consistent_and_shows_on_the_supervisor_pages(app, client):
    now = datetime.now(timezone.utc)
    report = generate(app, residents=300, samples=700, gates=400, days=30, now=now, log=lambda *_: None)
    assert report["rows"]["sample"] == 700
    assert db.session.scalar(select(func.count()).select_from(Sample)) == 700
    assert db.session.scalar(select(func.count()).select_from(GateEntry)) == 400
    assert db.session.scalar(select(func.count()).select_from(Person)) == 300
    # Pools of ten at most, every sample's person in the sample's community.
    per_tube = db.session.scalars(select(func.count()).select_from(Sample).group_by(Sample.tube_id)).all()
    assert max(per_tube) == 10
    assert db.session.scalar(select(func.count()).select_from(Sample).join(Person, Person.id == Sample.person_id)
                             .where(Person.community_id != Sample.community_id)) == 0
    # Finished rounds have results; today's round is still in the field.
    assert db.session.scalar(select(func.count()).select_from(LabResult)) > 0
    assert db.session.scalar(select(func.count()).select_from(Tube).where(Tube.status == "open")) > 0
    # Personal data decrypts with the app's key.
    person = db.session.get(Person, 1)
    assert person.doc_number.startswith("110105") and person.name
    # ... and the person is found by their document as sync and the pages look people up.
    assert person.doc_hash == Person.lookup_hash(person.doc_type, person.doc_number)

    response = client.post("/login", data={"username": "supervisor-d001", "pin": SUPERVISOR_PIN})
    assert response.status_code == 302
    board = client.get("/supervisor/board").get_data(as_text=True)
    assert "T0000000" in board  # generated tube barcodes waiting on the board
    assert client.get("/supervisor/coverage").status_code == 200
