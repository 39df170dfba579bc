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


def counted(tmp_path, frames):
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    path = tmp_path / "frames.json"
    path.write_text(json.dumps(frames))
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
