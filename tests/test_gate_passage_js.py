"""static/js/gate-passage.js under node: what a scan, a tap and a fever do to the passage at the
gate, and the rule that a temperature is never saved on someone else's record."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "/usr/bin/node"


def run(payload):
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_gate_passage.mjs"), json.dumps(payload)],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def desk(*ops):
    return run({"ops": [list(op) for op in ops]})


def people(result):
    return [(r.get("person", {}).get("doc_number"), r.get("temperature_c")) for r in result["records"]]


def test_a_normal_passage_is_the_scan_and_one_tap():
    result = desk(("scan", "A"), ("preset", "36.5"))
    assert result["steps"] == ["load", "save:saved"]
    assert result["records"] == [{"id": "r1", "site_id": 1, "direction": "in", "temperature_c": 36.5,
                                  "person": {"doc_type": "cn_ric", "doc_number": "A"}}]
    assert result["passage"] is None


def test_a_second_scan_never_takes_the_first_ones_temperature():
    # A has no temperature yet: the screen asks, B waits, and A's reading stays A's.
    result = desk(("scan", "A"), ("scan", "B"), ("preset", "37.0"), ("answer", True), ("preset", "36.6"),
                  ("preset", "36.8"))
    assert result["steps"][:3] == ["load", "ask", "ignored"]  # no reading while the question is open
    assert people(result) == [("A", 36.6), ("B", 36.8)]


def test_a_complete_passage_is_saved_when_the_next_person_is_scanned():
    result = desk(("scan", "A"), ("key", "3"), ("key", "6"), ("key", "9"), ("scan", "B"))
    assert result["steps"][-1] == "save:saved"
    assert people(result) == [("A", 36.9)]
    assert result["passage"] == "B" and result["temp"] == ""


def test_dropping_the_unsaved_passage_is_the_volunteers_choice():
    result = desk(("scan", "A"), ("scan", "B"), ("answer", False), ("preset", "36.4"))
    assert people(result) == [("B", 36.4)]


def test_a_failed_scan_does_not_hand_the_passage_to_the_next_person():
    result = desk(("scan", "A"), ("fail",), ("preset", "36.4"), ("answer", True), ("preset", "36.5"))
    assert result["steps"][1:3] == ["ask", "ignored"]
    assert people(result) == [("A", 36.5)]


def test_a_reading_taken_before_the_scan_belongs_to_the_person_scanned_next():
    result = desk(("preset", "36.3"), ("scan", "A"))
    assert result["steps"] == ["set", "save:saved"]
    assert people(result) == [("A", 36.3)]


def test_fever_re_measured_still_feverish_is_turned_back_and_linked():
    result = desk(("scan", "A"), ("key", "3"), ("key", "8"), ("key", "2"), ("save",), ("scan", "B"),
                  ("remeasure",), ("key", "3"), ("key", "8"), ("key", "0"), ("save",))
    first, second = result["records"]
    assert first["temperature_c"] == 38.2 and "turned_back" not in first
    assert result["steps"][5] == "wait"  # B waits while the fever needs a decision
    assert second == {"id": "r2", "site_id": 1, "direction": "in", "temperature_c": 38.0,
                      "person": {"doc_type": "cn_ric", "doc_number": "A"}, "turned_back": True,
                      "reason": "fever", "remeasure_of": "r1"}
    assert result["alert"] == {"id": "r2", "pending": False} and result["passage"] == "B"


def test_a_normal_re_measure_lets_the_person_pass():
    result = desk(("scan", "A"), ("key", "3"), ("key", "7"), ("key", "5"), ("save",), ("remeasure",),
                  ("preset", "36.9"))
    assert result["records"][1]["remeasure_of"] == "r1" and "turned_back" not in result["records"][1]
    assert result["alert"] is None


def test_turning_back_a_fever_at_once_records_the_turn_back():
    result = desk(("scan", "A"), ("key", "3"), ("key", "9"), ("key", "1"), ("save",), ("turnBack",))
    assert result["records"][1] == {"id": "r2", "site_id": 1, "direction": "in",
                                    "person": {"doc_type": "cn_ric", "doc_number": "A"}, "turned_back": True,
                                    "reason": "fever", "remeasure_of": "r1"}
    assert result["alert"] is None


def test_the_same_person_scanned_twice_is_one_passage():
    result = desk(("scan", "A"), ("scan", "A"), ("preset", "36.5"))
    assert result["steps"][1] == "same" and people(result) == [("A", 36.5)]


def test_random_shifts_never_put_a_temperature_on_someone_elses_record():
    result = run({"fuzz": 3000, "seed": 11})
    assert result["records"] > 5000  # the shifts really saved passages
    assert result["violations"] == []


def test_sent_to_be_sampled_goes_with_its_passage_and_its_re_measure_only():
    result = desk(("scan", "A"), ("sent",), ("key", "3"), ("key", "8"), ("key", "2"), ("save",),
                  ("remeasure",), ("preset", "36.6"), ("scan", "B"), ("preset", "36.5"))
    first, again, other = result["records"]
    assert first["sent_to_sample"] is True and again["sent_to_sample"] is True  # the re-measure keeps it
    assert again["remeasure_of"] == first["id"]
    assert "sent_to_sample" not in other  # the next person starts without it
