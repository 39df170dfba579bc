"""The roster index links a resident's personal code and document through an opaque person key,
so that a phone offline recognises one person scanned both ways, and knows the community's codes;
nothing in it gives back a document number or a row id."""
from server.extensions import db
from server.residents.personal_codes import new_token
from server.api.phoneindex import code_hash, slot
from tests.records import valid_id

WITH_CODE = valid_id(21)
WITHOUT_CODE = valid_id(22)
REGISTERED = valid_id(23)  # self-registered: has a code, is not in the roster
OTHER = valid_id(24)  # another community's resident with a code


def keyed(body: dict, message: str) -> str:
    """A code's hash ("code:<token>") or a document's slot ("cn_ric:<number>")."""
    key = bytes.fromhex(body["key"])
    kind, text = message.split(":", 1)
    return code_hash(key, text) if kind == "code" else slot(key, body["bits"], kind, text)


def test_code_and_document_of_one_person_share_one_opaque_key(client, world, device_token, make_person):
    a, b = world["a"]["community"], world["b"]["community"]
    coded = make_person(a, doc_number=WITH_CODE, name="张三明", personal_code=new_token())
    make_person(a, doc_number=WITHOUT_CODE, name="李四")
    registered = make_person(a, doc_number=REGISTERED, name="王五", personal_code=new_token())
    registered.in_roster = False
    other = make_person(b, doc_number=OTHER, name="赵六", personal_code=new_token())
    db.session.commit()
    headers, _device = device_token(world["a"]["clerk"])
    answer = client.get("/api/v1/roster-index", headers=headers)
    body, text = answer.get_json(), answer.get_data(as_text=True)
    key = body["key"]

    code_of = {p: keyed(body, f"code:{p.personal_code}") for p in (coded, registered, other)}
    doc_of = {n: keyed(body, f"cn_ric:{n}") for n in (WITH_CODE, WITHOUT_CODE, REGISTERED, OTHER)}
    # One key per person, reached from the code and from the document's slot alike.
    assert [body["codes"][code_of[coded]]] == body["documents"][doc_of[WITH_CODE]]
    assert [body["codes"][code_of[registered]]] == body["documents"][doc_of[REGISTERED]]
    assert body["codes"][code_of[coded]] != body["codes"][code_of[registered]]
    # Only this community's codes; a person without a code needs no link.
    assert set(body["codes"]) == {code_of[coded], code_of[registered]}
    assert set(body["documents"]) == {doc_of[WITH_CODE], doc_of[REGISTERED]}
    # A self-registered person is not a resident of the roster: their entry holds only their
    # status for the gate (never sampled), no name, no address.
    assert set(body["entries"]) == {doc_of[WITH_CODE], doc_of[WITHOUT_CODE], doc_of[REGISTERED]}
    assert body["entries"][doc_of[REGISTERED]] == [{"resident": False, "status": ["no_recent_sample"]}]

    # The person key is opaque: no number, no token, no row id, and not one of the look-up hashes.
    person_keys = set(body["codes"].values())
    for secret in (WITH_CODE, REGISTERED, WITH_CODE[-8:], coded.personal_code, registered.personal_code):
        assert secret not in text
    assert all(len(k) == 16 and k not in (str(coded.id), str(registered.id)) for k in person_keys)
    assert not person_keys & (set(body["entries"]) | set(body["codes"]) | set(body["documents"]))
    # Keys stay the same from one download to the next (a phone keeps them for a day).
    again = client.get("/api/v1/roster-index", headers=headers).get_json()
    assert again["codes"] == body["codes"] and again["documents"] == body["documents"]
    # Another community's phone gets other keys for everything.
    theirs = client.get("/api/v1/roster-index", headers=device_token(world["b"]["clerk"])[0]).get_json()
    assert theirs["key"] != key and set(theirs["codes"].values()).isdisjoint(person_keys)
