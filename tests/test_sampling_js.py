"""static/js/sampling-state.js under node: the phone masks people as the server does
(static/js/feedback.js), and fills slots by the server's rule (lowest free), across a reload."""
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.privacy import mask_doc_number, mask_name

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "/usr/bin/node"
NAMES = ["张三明", "李四", "王", "欧阳小明", "Anna Smith"]
NUMBERS = ["11010519491231002X", "E12345678", "AB123", "H1234567"]
# Either side of midnight in Shanghai and in New York (UTC+8 / UTC-5), and a DST change.
INSTANTS = ["2026-12-01T15:59:00Z", "2026-12-01T16:00:00Z", "2026-12-01T17:00:00Z",
            "2026-12-02T04:59:00Z", "2026-12-02T05:00:00Z", "2026-03-08T06:30:00Z"]
ZONES = ["Asia/Shanghai", "America/New_York", "UTC"]


@pytest.fixture(scope="module")
def js():
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    done = subprocess.run([NODE, str(ROOT / "tests" / "js" / "run_sampling_state.mjs"),
                           json.dumps({"names": NAMES, "numbers": NUMBERS,
                                       "instants": INSTANTS, "zones": ZONES})],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_phone_masks_like_the_server(js):
    assert js["names"] == [mask_name(n) for n in NAMES]
    assert js["numbers"] == [mask_doc_number(n) for n in NUMBERS]
    assert js["numbers"][0] == "1101**********002X"


def test_a_voided_slot_goes_to_the_next_person_and_survives_a_reload(js):
    assert js["slots"] == [["a", 1], ["c", 3], ["d", 2]]
    assert js["current"] == "T1"


def test_one_resident_by_code_and_by_document_is_one_person_through_the_roster_key(js):
    assert js["sameByKey"] == "qr" and js["otherKey"] is None
    assert js["elsewhereByKey"] == "T2"


def test_a_refused_sample_frees_its_slot_and_comes_back_when_corrected(js):
    assert js["note"] == ["r2", "refused", 2, "T2"]
    assert js["next"] == 2  # as on the server, where the refused record never took a slot
    assert js["afterRefusal"] == [["qr", 1], ["r3", 3], ["r4", 2]]
    assert js["corrected"] == [["qr", 1, "qr"], ["r3", 3, "r3"], ["r4", 2, "r4"], ["r2", 4, "r2b"]]
    assert js["notesAfterCorrection"] == 0 and js["knownAgain"] == "r2"


def test_a_duplicate_leaves_a_note_and_a_discard_removes_it(js):
    assert js["twiceNote"] == [["r3", "twice"]]
    assert js["afterDrop"] == [["qr", "r4", "r2"], 0]


def test_the_phones_today_is_the_day_in_the_servers_zone(js):
    """The screen's "today" (its tubes, a person sampled twice) is the day in the zone the
    page gives, as the server's clock counts it; not the phone's own date."""
    expected = [[iso, zone, datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).date().isoformat()]
                for iso in INSTANTS for zone in ZONES]
    assert js["days"] == expected
    assert ["2026-12-01T17:00:00Z", "Asia/Shanghai", "2026-12-02"] in js["days"]  # 01:00 there
