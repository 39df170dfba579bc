"""A person computes its own look-up hash (Person.lookup_hash): set with its document, followed
when the document is corrected, and the one a sync or roster look-up finds it by."""
from server.extensions import db
from server.models import Person
from server.privacy import vault
from server.residents.roster import upsert_people, RosterReport


def test_a_new_person_is_found_by_the_hash_of_its_document(app, world):
    person = Person(community_id=world["a"]["community"].id, doc_number="e1234 5678", doc_type="passport",
                    name="Anna", in_roster=True)
    db.session.add(person)
    db.session.commit()
    assert person.doc_hash == vault().lookup_hash("passport", "E12345678") == Person.lookup_hash("passport", "E12345678")
    assert db.session.scalar(db.select(Person).where(
        Person.doc_hash == Person.lookup_hash("passport", "E12345678"))) == person


def test_a_corrected_document_moves_the_hash_with_it(app, world):
    person = Person(community_id=world["a"]["community"].id, doc_type="passport", doc_number="E12345678")
    db.session.add(person)
    db.session.commit()
    person.doc_number = "E12345679"
    assert person.doc_hash == Person.lookup_hash("passport", "E12345679")
    person.doc_type = "other"
    assert person.doc_hash == Person.lookup_hash("other", "E12345679")


def test_the_roster_import_finds_the_person_sync_added(app, world):
    community = world["a"]["community"]
    walked_in = Person(community_id=community.id, doc_type="passport", doc_number="E12345678", in_roster=False)
    db.session.add(walked_in)
    db.session.commit()
    report = RosterReport()
    upsert_people([{"doc_type": "passport", "doc_number": "E12345678", "name": "Anna", "building": "1"}],
                  community.id, report)
    db.session.commit()
    assert (report.created, report.updated) == (0, 1)
    assert walked_in.in_roster and walked_in.name == "Anna"
