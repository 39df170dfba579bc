"""camera.js's misread guard, run with node: which camera reads become scans."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent / "js" / "read_guard.mjs"
NODE = shutil.which("node") or "/usr/bin/node"


def frame(at, text=None, fmt="code_128", deliberate=False):
    """What the detector saw at `at` ms (no text: a frame without a code)."""
    return {"read": {"text": text, "format": fmt} if text else None, "at": at, "deliberate": deliberate}


def counted(tmp_path, frames, **options):
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    path = tmp_path / "frames.json"
    path.write_text(json.dumps({"options": options, "frames": frames}))
    done = subprocess.run([NODE, str(RUNNER), str(path)], capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


def test_a_1d_code_counts_on_its_second_identical_read(tmp_path):
    assert counted(tmp_path, [frame(0, "TB0001"), frame(60, "TB0001")]) == [None, "TB0001"]


def test_a_misread_between_two_reads_restarts_the_count(tmp_path):
    frames = [frame(0, "TB0001"), frame(60, "TB0007"), frame(120, "TB0001"), frame(180, "TB0001")]
    assert counted(tmp_path, frames) == [None, None, None, "TB0001"]


def test_a_qr_code_counts_at_once_and_a_photo_too(tmp_path):
    frames = [frame(0, "CP1:abc", "qr_code"), frame(10, "TB0002", deliberate=True)]
    assert counted(tmp_path, frames) == ["CP1:abc", "TB0002"]


def test_the_same_code_is_ignored_for_two_seconds(tmp_path):
    frames = [frame(at, "TB0001") for at in (0, 60, 120, 1900)] + [frame(2000)] + \
        [frame(at, "TB0001") for at in (2100, 2160)]
    assert counted(tmp_path, frames) == [None, "TB0001", None, None, None, None, "TB0001"]


def test_a_first_read_goes_stale(tmp_path):
    assert counted(tmp_path, [frame(0, "TB0001"), frame(5000, "TB0001")]) == [None, None]


def test_until_gone_a_code_held_still_counts_once_however_long_it_stays(tmp_path):
    held = [frame(at, "CP1:abc", "qr_code") for at in range(0, 10_000, 60)]
    assert counted(tmp_path, held, untilGone=True) == ["CP1:abc"] + [None] * (len(held) - 1)
    # The timed rule (the default) counts it again every 2 s.
    assert counted(tmp_path, held).count("CP1:abc") == 5


def test_until_gone_a_code_counts_again_once_it_was_out_of_view_for_two_seconds(tmp_path):
    frames = [frame(0, "CP1:abc", "qr_code"), frame(500, "CP1:abc", "qr_code"), frame(600),
              frame(2400, "CP1:abc", "qr_code"),  # back within 2 s of the last sight: ignored
              frame(4500, "CP1:abc", "qr_code"),  # 2.1 s after: a new read
              frame(4560, "CP1:xyz", "qr_code")]  # another code counts at once
    assert counted(tmp_path, frames, untilGone=True) == ["CP1:abc", None, None, None, "CP1:abc", "CP1:xyz"]
