"""Every shared case through scanner/client/classify.js with node: the twins agree."""

import json
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
