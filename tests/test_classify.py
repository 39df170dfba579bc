"""Every shared case through scanner.classify (the JS twin runs the same table)."""

import datetime
import json
from pathlib import Path

import pytest

from scanner import classify
from scanner.classify import DEFAULT_TUBE_PATTERN, PERSONAL_CODE_PREFIX

CASES = json.loads((Path(__file__).resolve().parents[1] / "scanner" / "cases.json").read_text("utf-8"))


def test_the_table_covers_enough_cases():
    assert len(CASES) >= 40
    assert {c["kind"] for c in CASES} == {"tube", "id_number", "personal_code", "unknown"}


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_case(case):
    got = classify(case["text"], case.get("tube_pattern"))
    assert (got.kind, got.valid, got.code, got.text) == (
        case["kind"],
        case["valid"],
        case["code"],
        case["normalised"],
    )
    assert got.info == case.get("info", {})


def test_constants():
    assert PERSONAL_CODE_PREFIX == "CP1:"
    assert DEFAULT_TUBE_PATTERN == r"^[A-Z0-9]{8,20}$"


def test_birth_today_is_valid_and_tomorrow_is_not():
    # 110101 2000-06-15 with its check digit; "today" is injected.
    number = "110101200006151234"
    number = number[:17] + _check_char(number[:17])
    assert classify(number, today=datetime.date(2000, 6, 15)).valid
    late = classify(number, today=datetime.date(2000, 6, 14))
    assert (late.valid, late.code) == (False, "invalid_id_number")


def test_unknown_county_of_a_known_province_is_rejected_on_the_server():
    # The documented difference with the browser: stdnum knows 110199 is no county.
    number = "11019919900307123"
    number += _check_char(number)
    got = classify(number)
    assert (got.kind, got.valid, got.code) == ("id_number", False, "invalid_id_number")


def _check_char(first17: str) -> str:
    # GB 11643 written out here, independent of stdnum and of classify.js.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
