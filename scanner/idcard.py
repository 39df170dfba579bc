"""Read the resident ID number (and the name) from a photo of a Chinese ID card's front.

Pure Python: never imports Flask or ``server``. The OCR engine (RapidOCR on ONNX Runtime,
with the models bundled in the ``rapidocr`` wheel) is heavy, so it is loaded lazily, once per
process, by :func:`get_engine`; importing this module does not load it.

Only a number that passes GB 11643 (``stdnum.cn.ric``: check character, real birth date,
known region code) and whose birth date is not in the future is ever offered. When several
distinct valid numbers are read from one photo, nothing is offered (ambiguous).
"""

from __future__ import annotations

import datetime
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import cv2
import numpy as np
from stdnum.cn import ric

__all__ = ["IdCardError", "IdCardReading", "read_id_card", "get_engine", "MAX_SIDE"]

#: Long side (px) an image is scaled down to before OCR.
MAX_SIDE = 1600

# Characters OCR commonly reads in place of digits / the check character. Applied only to
# candidate runs, and a result is only accepted when the GB 11643 checksum passes.
_CONFUSIONS = str.maketrans({
    "O": "0", "o": "0", "D": "0", "Q": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "!": "1",
    "x": "X", "×": "X", "╳": "X",
})
_SPACES = re.compile(r"[\s\u3000_\-·.,，。]+")
_CANDIDATE_RUN = re.compile(r"[0-9X]+")
_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_NAME_LABEL = re.compile(r"姓\s*名")
_NAME = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff·]{0,13}[\u4e00-\u9fff]")


class IdCardError(ValueError):
    """The input cannot be read as an image."""


@dataclass(frozen=True)
class IdCardReading:
    number: str
    name: str | None
    birth_date: str  # ISO YYYY-MM-DD, from the number
    sex: str  # "M" or "F", from the number (odd 17th digit: male)
    ms: float  # time spent reading, in milliseconds


# --------------------------------------------------------------------------- engine

_engine: Any = None
_engine_lock = threading.Lock()
# RapidOCR keeps per-call settings on the instance; run one photo at a time per process.
_ocr_lock = threading.Lock()


def _models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def get_engine() -> Any:
    """Return the process-wide RapidOCR engine, building it on first use (thread-safe).

    Model paths are given explicitly (the ONNX files bundled in the ``rapidocr`` wheel), so
    RapidOCR never tries to download anything. Raises ``RuntimeError`` when a model is missing.
    """
    global _engine
    if _engine is not None:
        return _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr import RapidOCR

            models = _models_dir()
            paths = {
                "Det.model_path": models / "PP-OCRv6_det_small.onnx",
                "Rec.model_path": models / "PP-OCRv6_rec_small.onnx",
                "Cls.model_path": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
            }
            missing = [str(p) for p in paths.values() if not p.is_file()]
            if missing:
                raise RuntimeError(
                    "RapidOCR models missing (reinstall the rapidocr wheel): " + ", ".join(missing)
                )
            params: dict[str, Any] = {k: str(v) for k, v in paths.items()}
            params.update({
                "Global.log_level": "error",
                "Global.use_cls": False,
                "Global.max_side_len": MAX_SIDE,
            })
            engine = RapidOCR(params=params)
            # Build the ONNX sessions now rather than inside the first request.
            engine._load_det_model()
            engine._load_rec_model()
            _engine = engine
    return _engine


# --------------------------------------------------------------------------- image input

def _decode(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """Return a BGR uint8 image (arrays are taken as OpenCV's BGR/BGRA/gray)."""
    if isinstance(data, np.ndarray):
        img = data
        if img.size == 0:
            raise IdCardError("empty image array")
        if img.dtype != np.uint8:
            if np.issubdtype(img.dtype, np.floating) and img.max(initial=0) <= 1.0:
                img = img * 255.0
            img = np.clip(img, 0, 255).astype(np.uint8)
        if img.ndim == 2:
            return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        if img.ndim == 3 and img.shape[2] == 1:
            return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2BGR)
        if img.ndim == 3 and img.shape[2] == 3:
            return img
        if img.ndim == 3 and img.shape[2] == 4:
            return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
        raise IdCardError(f"unsupported image array shape {img.shape}")

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise IdCardError(f"expected image bytes or a numpy array, got {type(data).__name__}")
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size == 0:
        raise IdCardError("empty body: not an image")
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # applies the EXIF orientation
    if img is not None:
        return img
    return _decode_with_pillow(bytes(data))


def _decode_with_pillow(data: bytes) -> np.ndarray:
    import io
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                im = ImageOps.exif_transpose(im).convert("RGB")
                rgb = np.asarray(im)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise IdCardError(f"not a readable image: {e}") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise IdCardError(f"not a readable image: {e}") from None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _cap(img: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    h, w = img.shape[:2]
    long_side = max(h, w)
    if long_side <= max_side:
        return img
    f = max_side / long_side
    return cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)


# --------------------------------------------------------------------------- text parsing

def _region_in_use(number: str, birth: datetime.date) -> bool:
    """The region code was a county's code at some time the number could have been assigned.

    ``ric.validate`` demands that the county existed in the *birth* year, but the code on a
    card is the county's code when the number was assigned (1984 onwards, or at birth if
    later): a person born in 1953 in today's 金水区 (code 410105 since 1983) holds a valid
    410105... number, which ``ric.validate`` rejects. So: accept a county code in use at any
    time from the birth year to this year (a superset of what ``ric.validate`` accepts).
    """
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(number[:6]) for k, v in props.items()}
    if "county" not in info or "province" not in info:
        return False
    first, last = birth.year, datetime.date.today().year
    for county in info["county"].split(","):
        if not county.startswith("["):
            return True
        start, end = county[1:].split("]")[0].split("-")
        if (not start or int(start) <= last) and (not end or int(end) >= first):
            return True
    return False


def _valid(number: str) -> bool:
    """GB 11643: 17 digits + check character (MOD 11-2), a real birth date not in the
    future, a known region code in use when the number could have been assigned."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if ric.calc_check_digit(number) != number[17]:
        return False
    try:
        birth = ric.get_birth_date(number)
    except Exception:  # stdnum raises InvalidComponent for impossible dates
        return False
    if not (datetime.date(1880, 1, 1) <= birth <= datetime.date.today()):
        return False
    return _region_in_use(number, birth)


def _numbers_in(text: str) -> set[str]:
    """Valid ID numbers in one OCR'd text line, after fixing common OCR confusions."""
    text = unicodedata.normalize("NFKC", text)
    squeezed = _SPACES.sub("", text).translate(_CONFUSIONS)
    found = set()
    for run in _CANDIDATE_RUN.findall(squeezed):
        # Exactly 18 characters: a longer run means OCR added a character, and guessing which
        # one could offer a wrong number.
        if len(run) == 18 and _NUMBER.fullmatch(run) and _valid(run):
            found.add(run)
    return found


def _box_geometry(box: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    pts = np.asarray(box, dtype=float)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return x0, y0, x1, y1


def _clean_name(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s:：]", "", text)
    m = _NAME.search(text)
    if m is None or len(m.group()) > 15:
        return None
    return m.group()


def _find_name(lines: list[tuple[str, tuple[float, float, float, float]]]) -> str | None:
    """Text after the 姓名 label: in the same box, else the nearest box to its right."""
    names = set()
    for i, (text, (x0, y0, x1, y1)) in enumerate(lines):
        m = _NAME_LABEL.search(text)
        if m is None:
            continue
        rest = _clean_name(text[m.end():])
        if rest:
            names.add(rest)
            continue
        cy, h = (y0 + y1) / 2, max(y1 - y0, 1.0)
        best = None
        for j, (other, (a0, b0, a1, b1)) in enumerate(lines):
            if j == i or a0 < x1 - 0.5 * h or abs((b0 + b1) / 2 - cy) > 0.6 * h:
                continue
            gap = a0 - x1
            if gap > 8 * h:
                continue
            if best is None or gap < best[0]:
                best = (gap, other)
        if best is not None:
            name = _clean_name(best[1])
            if name:
                names.add(name)
    return names.pop() if len(names) == 1 else None


def _ocr_lines(img: np.ndarray) -> list[tuple[str, tuple[float, float, float, float]]]:
    engine = get_engine()
    with _ocr_lock:
        out = engine(img)
    txts = getattr(out, "txts", None) or ()
    boxes = getattr(out, "boxes", None)
    if boxes is None:
        return []
    return [(t, _box_geometry(b)) for t, b in zip(txts, boxes)]


# --------------------------------------------------------------------------- main entry

def _passes(img: np.ndarray) -> Iterable[np.ndarray]:
    """Images to try, cheapest first; later ones only run when earlier ones found nothing."""
    yield img
    # Contrast-limited equalisation on lightness: helps dim/blurred/low-contrast photos.
    lab = cv2.cvtColor(img, cv2.COLOR_BGR2LAB)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    lab[:, :, 0] = clahe.apply(lab[:, :, 0])
    yield cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


def read_id_card(data: bytes | np.ndarray) -> IdCardReading | None:
    """Read an ID card front photo; return the reading, or ``None`` when no single valid
    number was read. Raises :class:`IdCardError` when ``data`` is not an image."""
    t0 = time.perf_counter()
    img = _cap(_decode(data))
    numbers: set[str] = set()
    lines: list[tuple[str, tuple[float, float, float, float]]] = []
    for candidate in _passes(img):
        lines = _ocr_lines(candidate)
        for text, _ in lines:
            numbers |= _numbers_in(text)
        if numbers:
            break
    if len(numbers) != 1:
        return None
    number = numbers.pop()
    return IdCardReading(
        number=number,
        name=_find_name(lines),
        birth_date=ric.get_birth_date(number).isoformat(),
        sex="M" if int(number[16]) % 2 else "F",
        ms=round((time.perf_counter() - t0) * 1000, 1),
    )
