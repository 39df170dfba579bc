"""Tests for scanner.idcard: reading the number on photos of an ID card's front."""

from __future__ import annotations

import csv
import io
import os
import statistics
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from scanner import idcard
from scanner.idcard import IdCardError, IdCardReading, get_engine, read_id_card

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared/datasets/idcards-synthetic"


def _manifest(dataset: Path) -> list[dict[str, str]]:
    with (dataset / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _dataset_or_skip() -> Path:
    if (DATASET / "manifest.csv").is_file():
        return DATASET
    reason = f"ID-card dataset not found at {DATASET}"
    if os.environ.get("CI"):
        pytest.fail(reason + " (required when CI is set)")
    print(reason)
    pytest.skip(reason)


def test_synthetic_dataset_reads_right_and_never_wrong():
    dataset = _dataset_or_skip()
    rows = _manifest(dataset)
    assert len(rows) == 50
    right, wrong, none, times = [], [], [], []
    for row in rows:
        reading = read_id_card((dataset / row["file"]).read_bytes())
        if reading is None:
            none.append(row["file"])
            continue
        times.append(reading.ms)
        if reading.number == row["expected_id"]:
            right.append(row["file"])
            assert reading.birth_date == (
                f"{row['expected_id'][6:10]}-{row['expected_id'][10:12]}-{row['expected_id'][12:14]}"
            )
            assert reading.sex == ("M" if int(row["expected_id"][16]) % 2 else "F")
            # A name, when offered, is the one on the card.
            assert reading.name in (None, row["expected_name"]), row["file"]
        else:
            wrong.append((row["file"], reading.number, row["expected_id"]))
    print(f"idcard dataset: right {len(right)}, wrong {len(wrong)}, none {len(none)}; "
          f"median {statistics.median(times) if times else float('nan'):.0f} ms")
    assert wrong == [], f"wrong numbers offered: {wrong}"
    assert len(right) >= 48, f"only {len(right)}/50 read right; none for {none}"


def test_not_an_image_raises():
    with pytest.raises(IdCardError, match="not"):
        read_id_card(b"this is not an image at all")
    with pytest.raises(IdCardError):
        read_id_card(b"")
    with pytest.raises(IdCardError):
        read_id_card(b"\xff\xd8\xff\xe0" + b"\x00" * 64)  # truncated JPEG header
    with pytest.raises(ValueError):  # IdCardError is a ValueError
        read_id_card(np.zeros((0, 0, 3), np.uint8))


def test_plain_gray_image_has_no_card():
    import cv2

    gray = np.full((720, 1280, 3), 128, np.uint8)
    assert read_id_card(gray) is None
    ok, jpeg = cv2.imencode(".jpg", gray)
    assert ok
    assert read_id_card(jpeg.tobytes()) is None


def test_png_bytes_via_pillow_and_array_inputs():
    dataset = _dataset_or_skip()
    from PIL import Image

    row = _manifest(dataset)[0]
    with Image.open(dataset / row["file"]) as im:
        rgb = np.asarray(im.convert("RGB"))
        buf = io.BytesIO()
        im.save(buf, format="PNG")
    reading = read_id_card(buf.getvalue())
    assert isinstance(reading, IdCardReading)
    assert reading.number == row["expected_id"]
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    assert read_id_card(bgr).number == row["expected_id"]


def test_two_cards_in_one_photo_is_ambiguous():
    dataset = _dataset_or_skip()
    import cv2

    a, b = (cv2.imread(str(dataset / f)) for f in ("syn_00.jpg", "syn_02.jpg"))
    assert a.shape == b.shape  # each is read alone in the dataset test
    assert read_id_card(np.hstack([a, b])) is None  # two valid numbers: offer neither


def test_engine_loaded_once_and_shared_across_threads():
    first = get_engine()
    assert get_engine() is first
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_engine())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(e is first for e in seen)


def test_import_does_not_load_engine():
    code = (
        "import sys; import scanner.idcard as m; "
        "assert m._engine is None; assert 'rapidocr' not in sys.modules; "
        "assert 'onnxruntime' not in sys.modules; assert 'flask' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("公民身份号码 110101199003071234", set()),  # bad check character
        ("110101199003074514", {"110101199003074514"}),
        ("11010119900307451 4", {"110101199003074514"}),  # space inside
        ("IlO1O1199003074514", {"110101199003074514"}),  # I/l→1, O→0
        ("11010519491231002x", {"11010519491231002X"}),  # x→X
        ("1101011990030745140", set()),  # 19 digits: never guess
        ("l110101199003074514", {"110101199003074514"}),  # stray letter before: dropped
        ("110101199003074514I", {"110101199003074514"}),  # stray letter after: dropped
        ("号码 ０１10101199003074514", set()),  # full-width digits count as digits
        ("１１０１０１１９９００３０７４５１４", {"110101199003074514"}),  # full-width
        ("a 110101199003074514 and 11010519491231002X", {"110101199003074514", "11010519491231002X"}),
        ("110101199002304514", set()),  # 30 February
        ("999999199003071234", set()),  # unknown region
        ("410105195307140611", {"410105195307140611"}),  # county code from 1983, born 1953
    ],
)
def test_numbers_in_text(text, expected):
    assert idcard._numbers_in(text) == expected


def test_future_birth_date_is_rejected():
    from stdnum.cn import ric

    body = "11010120990101123"
    number = body + ric.calc_check_digit(body + "0")
    assert not idcard._valid(number)
