"""Every shared case through scanner/client/classify.js with node: the twins agree."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES_PATH = ROOT / "scanner" / "cases.json"
RUNNER = ROOT / "tests" / "js" / "run_classify.mjs"
NODE = shutil.which("node") or "/usr/bin/node"


def run_js(cases_path: Path) -> list[dict]:
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    done = subprocess.run(
        [NODE, str(RUNNER), str(cases_path)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


CASES = json.loads(CASES_PATH.read_text("utf-8"))


@pytest.fixture(scope="module")
def js_results():
    return run_js(CASES_PATH)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["note"] for c in CASES])
def test_case(js_results, index):
    case, got = CASES[index], js_results[index]
    assert (got["kind"], got["valid"], got["code"], got["text"]) == (
        case["kind"],
        case["valid"],
        case["code"],
        case["normalised"],
    )
    assert got["info"] == case.get("info", {})


def test_future_rule_uses_the_injected_day(tmp_path):
    number = "11010120000615123"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    number += "10X98765432"[sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11]
    path = tmp_path / "cases.json"
    path.write_text(
        json.dumps([{"text": number, "today": "2000-06-15"}, {"text": number, "today": "2000-06-14"}])
    )
    on_the_day, day_before = run_js(path)
    assert on_the_day["valid"] is True
    assert (day_before["valid"], day_before["code"]) == (False, "invalid_id_number")


def born_on(day: str) -> str:
    """A valid ID number (checksum, Beijing region) of someone born on `day` (YYYY-MM-DD)."""
    body = f"110105{day.replace('-', '')}123"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def classify_at(instant: str, zone: str | None, phone_zone: str, days: list[str]) -> list[tuple[bool, str | None]]:
    """classify() of a number born on each day, at `instant`, on a page in `zone` (None: no
    page, as under node), on a phone whose own clock is set to `phone_zone`."""
    if not Path(NODE).exists():
        pytest.fail("node is not installed (make setup installs it)")
    done = subprocess.run(
        [NODE, str(ROOT / "tests" / "js" / "run_classify_day.mjs"),
         json.dumps({"instant": instant, "zone": zone, "numbers": [born_on(d) for d in days]})],
        capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "TZ": phone_zone})
    return [(r["valid"], r["code"]) for r in json.loads(done.stdout)]


REFUSED = (False, "invalid_id_number")


def test_a_baby_born_today_in_shanghai_is_accepted_by_a_phone_left_on_utc():
    # 01:00 on 2 December in Shanghai; the phone's own date still says 1 December.
    assert classify_at("2026-12-01T17:00:00Z", "Asia/Shanghai", "UTC", ["2026-12-02", "2026-12-03"]) == [
        (True, None), REFUSED]


def test_tomorrow_by_the_phones_own_date_is_still_the_future_in_shanghai():
    # 23:30 on 2 December in Shanghai; a phone set to Kiribati is on 3 December already.
    assert classify_at("2026-12-02T15:30:00Z", "Asia/Shanghai", "Pacific/Kiritimati",
                       ["2026-12-02", "2026-12-03"]) == [(True, None), REFUSED]


def test_without_a_page_zone_the_phones_own_day_is_used():
    assert classify_at("2026-12-01T17:00:00Z", None, "UTC", ["2026-12-01", "2026-12-02"]) == [(True, None), REFUSED]
