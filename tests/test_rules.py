"""One rule per input: offline/rules_cases.json through the server's validators (sync's
document and phone rules, the gate's plate, the temperature), and the roster import refusing
exactly what sync refuses. tests/test_rules_js.py runs the same cases through the phone."""
import json
import re
from pathlib import Path

import pytest

from offline.protocol import RecordError
from offline.rules import OTHER_DOC_LENGTH, PHONE_DIGITS, is_other_document, is_phone, normalise_phone
from offline.temperature import parse_temperature
from server.gate.records import normalise_plate
from server.sync.identify import check_document
from server.residents.roster import parse_row

ROOT = Path(__file__).resolve().parents[1]
CASES = json.loads((ROOT / "offline" / "rules_cases.json").read_text("utf-8"))
VALID_ID = "11010519491231002X"


def server_verdict(case) -> tuple[bool, str | None]:
    check = {"document": lambda: check_document(case["doc_type"], case["text"])[1],
             "phone": lambda: normalise_phone(case["text"]) if is_phone(normalise_phone(case["text"])) else None,
             "plate": lambda: normalise_plate(case["text"]),
             "temperature": lambda: str(parse_temperature(case["value"]))}[case["rule"]]
    try:
        value = check()
    except RecordError:
        return False, None
    return value is not None, value


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_the_server_gives_each_cases_verdict(case):
    ok, normalised = server_verdict(case)
    assert ok == case["ok"]
    if ok and "normalised" in case:
        assert normalised == case["normalised"]


ROSTER_CASES = [c for c in CASES if c["rule"] in ("document", "phone")]


@pytest.mark.parametrize("case", ROSTER_CASES, ids=[c["note"] for c in ROSTER_CASES])
def test_the_roster_import_refuses_what_sync_refuses(case):
    row = {"building": "1", "name": "张三", "doc_type": "身份证", "doc_number": VALID_ID}
    if case["rule"] == "document":
        row.update(doc_type=case["doc_type"], doc_number=case["text"])
    else:
        row["phone"] = case["text"]
    person, error = parse_row(row)
    assert (error is None) == case["ok"], error
    if case["ok"] and case["rule"] == "document":
        assert person["doc_number"] == case["normalised"]
    if not case["ok"]:
        assert re.match(r"invalid (ID|passport|hk_mo_permit|tw_permit|other|phone) num", error)


def test_the_lengths_the_messages_say_are_the_ones_the_patterns_allow():
    """Messages say "5–30 letters or digits" from rules.json's other_length, the check uses its
    other_pattern (and likewise for phones): the two must not drift apart."""
    assert [n for n in range(1, 70) if is_other_document("A1" * (n // 2) + "B" * (n % 2))] == \
        list(range(OTHER_DOC_LENGTH[0], OTHER_DOC_LENGTH[1] + 1))
    assert [n for n in range(1, 70) if is_phone("1" * n)] == list(range(PHONE_DIGITS[0], PHONE_DIGITS[1] + 1))
    assert [n for n in range(1, 70) if is_phone("+" + "1" * n)] == list(range(PHONE_DIGITS[0], PHONE_DIGITS[1] + 1))


def test_a_roster_row_with_a_passport_too_short_for_a_phone_is_refused_with_its_line(app, tmp_path):
    from server.residents.roster import import_roster
    table = ("building,name,doc_type,doc_number,phone\n"
             f"1,张三,身份证,{VALID_ID},13800001234\n"
             "1,李四,护照,A1,13800001235\n"
             "2,王五,护照,E12345678,12\n").encode()
    report = import_roster(table, "roster.csv", community_id=1)
    assert report.errors == [(3, "invalid passport number: 5 to 30 letters or digits"),
                             (4, "invalid phone number: 5 to 20 digits, optionally after a +")]
    assert report.created == 0


def test_the_phone_gets_the_rules_file_and_keeps_it_offline(client):
    answer = client.get("/client/offline/rules-data.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    module = answer.get_data(as_text=True)
    assert module.startswith("export default ") and module.rstrip().endswith(";")
    served = json.loads(module.removeprefix("export default ").rstrip().removesuffix(";"))
    assert served == json.loads((ROOT / "offline" / "client" / "rules.json").read_text("utf-8"))
    text = client.get("/sw.js").get_data(as_text=True)
    manifest = json.loads(re.search(r'\{"version".*?\]\}', text).group(0))
    assert {"/client/offline/rules-data.js", "/client/offline/rules.js"} <= set(manifest["urls"])
