"""offline/rules_cases.json through the phone's rules (offline/client/rules.js, ID-card numbers
through scanner/client/classify.js) with node: the phone and the server agree on every case."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES_PATH = ROOT / "offline" / "rules_cases.json"
CASES = json.loads(CASES_PATH.read_text("utf-8"))
NODE = shutil.which("node") or "/usr/bin/node"


@pytest.fixture(scope="module")
def js_results():
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_rules.mjs"), str(CASES_PATH)],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["note"] for c in CASES])
def test_the_phone_gives_each_cases_verdict(js_results, index):
    case, got = CASES[index], js_results[index]
    assert got["ok"] == case["ok"]
    if case["ok"] and "normalised" in case:
        assert got["normalised"] == case["normalised"]
