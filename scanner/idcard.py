"""Read the resident ID number (and the name) from a photo of a Chinese ID card's front.

Pure Python: never imports Flask or ``server``. The OCR engine (RapidOCR on ONNX Runtime,
with the models bundled in the ``rapidocr`` wheel) is heavy, so it is loaded lazily, once per
process, by :func:`get_engine`; importing this module does not load it.

Only a number that passes GB 11643 is ever offered: MOD 11-2 check character and a real,
past birth date (``stdnum.cn.ric``), and a region code known to ``stdnum``'s table and in use
at some time between the birth year and now (see :func:`_region_in_use`). When several
distinct valid numbers are read from one photo, nothing is offered (ambiguous).

Inputs: encoded image bytes (JPEG, PNG, ...; EXIF orientation applied) or a numpy array in
OpenCV's BGR / BGRA / gray layout.
"""

from __future__ import annotations

import io
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
from stdnum.cn import ric

from .idnumber import check_id_number

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
_NAME = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{0,13}[\u4e00-\u9fff]$")
_NOT_NAME = re.compile(r"^(性别)?[男女]|民族|出生|住址|公民|身份|号码|[0-9]")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")


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


def model_paths() -> dict[str, Path]:
    """RapidOCR's settings -> the bundled ONNX model file each one needs."""
    models = _models_dir()
    return {
        "Det.model_path": models / "PP-OCRv6_det_small.onnx",
        "Rec.model_path": models / "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }


def missing_models() -> list[str]:
    """Model files that are not there (checked without loading the engine)."""
    return [str(p) for p in model_paths().values() if not p.is_file()]


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

            paths = model_paths()
            missing = missing_models()
            if missing:
                raise RuntimeError(
                    "RapidOCR models missing (reinstall the rapidocr wheel): " + ", ".join(missing)
                )
            params: dict[str, Any] = {k: str(v) for k, v in paths.items()}
            params.update({
                "Global.log_level": "error",
                # The 0/180 classifier costs ~50 ms a photo and makes upside-down and
                # sideways cards read (20/20 and 10/10 against 0/20 and 6/10 without it).
                "Global.use_cls": True,
                "Global.max_side_len": MAX_SIDE,
            })
            engine = RapidOCR(params=params)
            # Build the ONNX sessions now rather than inside the first request (the warm-up
            # run would build them too; these private loaders just make it certain).
            for loader in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
                getattr(engine, loader, lambda: None)()
            _warm_up(engine)
            _engine = engine
    return _engine


def _warm_up(engine: Any) -> None:
    """One small OCR run through det, cls and rec: ONNX Runtime's first run is slow (about
    +0.5-1 s), better paid at load time than by the first photo."""
    img = np.full((160, 480, 3), 255, np.uint8)
    cv2.putText(img, "110101199003074514", (10, 90), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 2)
    engine(img)


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
    if _looks_like_opencv_image(bytes(buf[:16])):
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # applies the EXIF orientation
        if img is not None:
            return img
    # Other formats, and bytes that are no image at all: Pillow identifies them quietly
    # (OpenCV logs an error line to stderr for each undecodable buffer).
    return _decode_with_pillow(bytes(data))


def _looks_like_opencv_image(head: bytes) -> bool:
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def _decode_with_pillow(data: bytes) -> np.ndarray:
    """Formats OpenCV cannot read. Pillow's decompression-bomb guard stays on: its error
    (and its warning, when warnings are errors) becomes IdCardError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise IdCardError(f"image too large: {e}") from None
    except UnidentifiedImageError:
        raise IdCardError("not an image: unrecognised or corrupt data") from None
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

def _valid(number: str) -> bool:
    return check_id_number(number).valid


def _numbers_in(text: str) -> set[str]:
    """Valid ID numbers in one OCR'd text line, after fixing common OCR confusions."""
    raw = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    fixed = raw.translate(_CONFUSIONS)  # one character for one: positions still match
    found = set()
    for m in _CANDIDATE_RUN.finditer(fixed):
        a, b = m.span()
        # A letter read next to the number (a label character taken for "l" or "I") is
        # dropped; a digit that OCR read is never dropped. Anything but 18 characters then
        # means OCR added or lost one, and guessing which could offer a wrong number.
        while b - a > 18 and not raw[a].isdigit():
            a += 1
        while b - a > 18 and not raw[b - 1].isdigit():
            b -= 1
        run = fixed[a:b]
        if len(run) == 18 and _NUMBER.fullmatch(run) and _valid(run):
            found.add(run)
    return found


Line = tuple[str, np.ndarray]  # OCR'd text and its box: 4 (x, y) corners in image pixels


def _clean_name(text: str) -> str | None:
    text = re.sub(r"[\s:：]", "", unicodedata.normalize("NFKC", text))
    m = _NAME.search(text)
    return m.group() if m else None


class _CardFrame:
    """Card coordinates: u along the text lines, v down the card, from ``origin``.

    Anchored on the birth-date line and the number line below it when both were read (which
    works whatever the photo's rotation), else the image axes (an upright card).
    """

    def __init__(self, lines: list[Line], number: str) -> None:
        self.origin = np.zeros(2)
        self.right, self.down = np.array([1.0, 0.0]), np.array([0.0, 1.0])
        self.date_box: np.ndarray | None = None
        self.date_to_number = 0.0
        number_box = next((b for t, b in lines if number in _numbers_in(t)), None)
        birth = ric.get_birth_date(number)
        for text, box in lines:
            m = _DATE.search(unicodedata.normalize("NFKC", text).replace(" ", ""))
            if m is None or number_box is None:
                continue
            if tuple(int(g) for g in m.groups()) != (birth.year, birth.month, birth.day):
                continue
            # Line direction: the long side of the number's box; "down" is across it,
            # pointing from the date line to the number line.
            e1, e2 = number_box[1] - number_box[0], number_box[2] - number_box[1]
            along = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
            if np.hypot(*along) < 1:
                continue
            along = along / np.hypot(*along)
            down = np.array([-along[1], along[0]])
            dist = float((number_box.mean(axis=0) - box.mean(axis=0)) @ down)
            if abs(dist) < 1:
                continue
            if dist < 0:
                down, dist = -down, -dist
            self.down = down
            self.right = np.array([down[1], -down[0]])
            self.origin = box.mean(axis=0)
            self.date_box, self.date_to_number = box, dist
            break

    def bounds(self, box: np.ndarray) -> tuple[float, float, float, float]:
        """(u0, v0, u1, v1) of a box in card coordinates."""
        rel = box - self.origin
        u, v = rel @ self.right, rel @ self.down
        return float(u.min()), float(v.min()), float(u.max()), float(v.max())


def _name_after_label(lines: list[Line], frame: _CardFrame) -> set[str]:
    """Text after the 姓名 label: in the same box, else the nearest box to its right."""
    names = set()
    for i, (text, box) in enumerate(lines):
        m = _NAME_LABEL.search(text)
        if m is None:
            continue
        rest = _clean_name(text[m.end():])
        if rest:
            names.add(rest)
            continue
        u0, v0, u1, v1 = frame.bounds(box)
        vc, h = (v0 + v1) / 2, max(v1 - v0, 1.0)
        best = None
        for j, (other, other_box) in enumerate(lines):
            a0, b0, _, b1 = frame.bounds(other_box)
            gap = a0 - u1
            if j == i or gap < -0.5 * h or gap > 8 * h or abs((b0 + b1) / 2 - vc) > 0.6 * h:
                continue
            if best is None or gap < best[0]:
                best = (gap, other)
        if best is not None and (name := _clean_name(best[1])):
            names.add(name)
    return names


def _name_by_layout(lines: list[Line], frame: _CardFrame) -> set[str]:
    """When the (faint) 姓名 label was not read: the top line of the value column, found
    from the birth-date line (the name sits two lines above it, left-aligned with it)."""
    if frame.date_box is None:
        return set()
    du0, dv0, _, dv1 = frame.bounds(frame.date_box)
    h, dist = max(dv1 - dv0, 1.0), frame.date_to_number
    found = []
    for text, box in lines:
        u0, v0, u1, v1 = frame.bounds(box)
        vc = (v0 + v1) / 2
        if not (-0.85 * dist <= vc <= -0.25 * dist) or abs(u0 - du0) > 1.5 * h:
            continue
        if _NAME_LABEL.search(text) or _NOT_NAME.search(text):
            continue
        if name := _clean_name(text):
            found.append((vc, name))
    if not found:
        return set()
    found.sort()
    top_v = found[0][0]
    return {name for vc, name in found if vc - top_v < 0.5 * h}


def _find_name(lines: list[Line], number: str) -> str | None:
    frame = _CardFrame(lines, number)
    names = _name_after_label(lines, frame) or _name_by_layout(lines, frame)
    return names.pop() if len(names) == 1 else None


def _ocr_lines(img: np.ndarray) -> list[Line]:
    engine = get_engine()
    with _ocr_lock:
        out = engine(img)
    txts = getattr(out, "txts", None) or ()
    boxes = getattr(out, "boxes", None)
    if boxes is None:
        return []
    return [(t, np.asarray(b, dtype=float).reshape(-1, 2)) for t, b in zip(txts, boxes)]


# --------------------------------------------------------------------------- main entry

def _sharpened(img: np.ndarray) -> np.ndarray:
    """Second look: small photos upscaled 2x, then an unsharp mask (helps blur and tiny text)."""
    if max(img.shape[:2]) < 1000:
        img = cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    blurred = cv2.GaussianBlur(img, (0, 0), 2)
    return cv2.addWeighted(img, 1.8, blurred, -0.8, 0)


def _passes(img: np.ndarray) -> Iterator[np.ndarray]:
    """Images to try, cheapest first; the second only runs when the first gave no number.

    Measured on the synthetic set degraded further (blur sigma 4, or 1/4 scale): the
    sharpened second look reads 19-21 of 25 against 11-15 with one look; CLAHE contrast
    equalisation (tried instead) rescued fewer (13-18) and a third look did not pay.
    """
    yield img
    yield _sharpened(img)


def read_id_card(data: bytes | np.ndarray) -> IdCardReading | None:
    """Read an ID card front photo; return the reading, or ``None`` when no single valid
    number was read. Raises :class:`IdCardError` when ``data`` is not an image."""
    t0 = time.perf_counter()
    img = _cap(_decode(data))
    numbers: set[str] = set()
    lines: list[Line] = []
    for candidate in _passes(img):
        lines = _ocr_lines(candidate)
        for text, _ in lines:
            numbers |= _numbers_in(text)
        if numbers:
            break
    if len(numbers) != 1:
        return None
    number = numbers.pop()
    info = check_id_number(number).info
    return IdCardReading(
        number=number,
        name=_find_name(lines, number),
        birth_date=info["birth_date"],
        sex=info["sex"],
        ms=round((time.perf_counter() - t0) * 1000, 1),
    )
