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


@pytest.mark.parametrize("lang, words", [("zh", "{}–{} 位字母或数字"), ("en", "{}–{} letters or digits")])
def test_the_phone_says_the_document_lengths_the_server_checks(tmp_path, lang, words):
    """The server refuses a passport number too short; the phone's sentence for it gives the
    lengths of rules.json, not numbers written into the message by hand."""
    from offline.protocol import RecordError
    from offline.rules import OTHER_DOC_LENGTH
    from server.sync.identify import check_document

    if not Path(NODE).exists():
        pytest.fail("node is not installed (make setup installs it)")
    with pytest.raises(RecordError) as refused:
        check_document("passport", "A1", field="person")
    errors = tmp_path / "errors.json"
    errors.write_text(json.dumps([refused.value.as_dict()]))
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_record_errors.mjs"), lang, str(errors)],
                          capture_output=True, text=True, timeout=60, check=True)
    [sentence] = json.loads(done.stdout)
    assert words.format(*OTHER_DOC_LENGTH) in sentence
    assert "{} to {} letters or digits".format(*OTHER_DOC_LENGTH) in refused.value.message
