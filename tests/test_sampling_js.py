"""static/js/sampling-state.js under node: the phone masks people as the server does, and
fills slots by the server's rule (lowest free), across a reload."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.privacy import mask_doc_number, mask_name

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "/usr/bin/node"
NAMES = ["张三明", "李四", "王", "欧阳小明", "Anna Smith"]
NUMBERS = ["11010519491231002X", "E12345678", "AB123", "H1234567"]


@pytest.fixture(scope="module")
def js():
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_sampling_state.mjs"),
                           json.dumps({"names": NAMES, "numbers": NUMBERS})],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_phone_masks_like_the_server(js):
    assert js["names"] == [mask_name(n) for n in NAMES]
    assert js["numbers"] == [mask_doc_number(n) for n in NUMBERS]
    assert js["numbers"][0] == "1101**********002X"


def test_a_voided_slot_goes_to_the_next_person_and_survives_a_reload(js):
    assert js["slots"] == [["a", 1], ["c", 3], ["d", 2]]
    assert js["current"] == "T1"
