"""Image -> barcodes: zxing-cpp first, cheap fallbacks only when it finds nothing.

Format names follow the web BarcodeDetector API (``code_128``, ``qr_code``...),
so that the server and the phones talk about formats the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import zxingcpp

from .imageio import MAX_BYTES, MAX_PIXELS, load_grey

__all__ = ["Decoded", "decode_image", "zbar_status", "FORMATS", "MAX_BYTES", "MAX_PIXELS"]

_Z = zxingcpp.BarcodeFormat
# Web name -> the zxing-cpp format (a family: Code39 also covers Code 32, PZN
# and Full ASCII; ITF covers ITF-14; QRCode covers Model 1/2).
_ZXING_FORMATS: dict[str, zxingcpp.BarcodeFormat] = {
    "aztec": _Z.Aztec,
    "codabar": _Z.Codabar,
    "code_39": _Z.Code39,
    "code_93": _Z.Code93,
    "code_128": _Z.Code128,
    "data_matrix": _Z.DataMatrix,
    "ean_8": _Z.EAN8,
    "ean_13": _Z.EAN13,
    "itf": _Z.ITF,
    "pdf417": _Z.PDF417,
    "qr_code": _Z.QRCode,
    "upc_a": _Z.UPCA,
    "upc_e": _Z.UPCE,
    "micro_qr_code": _Z.MicroQRCode,
    "rm_qr_code": _Z.RMQRCode,
    "maxi_code": _Z.MaxiCode,
    "databar": _Z.DataBar,
    "databar_expanded": _Z.DataBarExp,
    "databar_limited": _Z.DataBarLtd,
}
FORMATS = frozenset(_ZXING_FORMATS)

# zxing-cpp result format (its display name) -> web name. Variants report their own
# names ("Code 39 Extended", "ITF-14"); the web API knows only the family.
_FAMILY_OF: dict[str, str] = {}
for _web, _fmt in _ZXING_FORMATS.items():
    for _member in zxingcpp.barcode_formats_list(_fmt):
        _FAMILY_OF.setdefault(str(_member), _web)

# ZBar only where it is reliable. Never Code 39 (ZBar misreads Full-ASCII Code 39,
# returning "+A" for "a"), never PDF417 (ZBar's decoder is partial) and ZBar has no
# Data Matrix reader at all. Web name -> pyzbar's ZBarSymbol name.
_ZBAR_SYMBOLS: dict[str, str] = {
    "ean_13": "EAN13",
    "ean_8": "EAN8",
    "upc_a": "UPCA",
    "upc_e": "UPCE",
    "code_128": "CODE128",
    "itf": "I25",
    "qr_code": "QRCODE",
}
_ZBAR_NAMES = {symbol: web for web, symbol in _ZBAR_SYMBOLS.items()}


@cache
def _pyzbar():
    """pyzbar's decoder, or None when Debian's libzbar0 is missing: ZBar is only a fallback
    (10 more right reads of 413 photos), so the app starts and scans with zxing-cpp alone.
    Imported on first use, not at start: pyzbar loads the shared library when imported."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError):  # ImportError: library not found; OSError: not loadable
        return None
    return pyzbar


def zbar_status() -> str | None:
    """None when the ZBar fallback works, else why it is off (for `checkpoint doctor`)."""
    if _pyzbar() is None:
        return "libzbar0 is not installed or cannot be loaded: the ZBar fallback is off"
    return None

# Fallbacks cost a second and a third decoder pass. On photos without a barcode
# the three passes take ~37 ms median at 640x480 but ~74 ms at 1024x768, over
# the 50 ms budget per frame. So fallbacks run only up to VGA size (plus a
# margin); the dataset photos that they rescue are all 640x480 or smaller.
FALLBACK_MAX_PIXELS = 350_000
# Upscaling helps small, old photos whose modules are 1-2 px wide; the result
# is capped so it never costs more than a large frame.
RESCALE_MAX_SIDE = 1600


@dataclass(frozen=True)
class Decoded:
    """One barcode found in an image."""

    format: str  # web BarcodeDetector name, e.g. "code_128"
    text: str  # normalised: CRLF -> LF, no trailing CR/LF


# The pipeline's steps, by name, so the benchmark can measure each one's worth
# (bench/decode.py). On the 413 dataset photos: zxing alone 348 right / 1 wrong;
# + ZBar on a sharpened image 358; + CLAHE 360, still 1 wrong.
STEPS: tuple[str, ...] = ("zxing", "zbar_sharpened", "zxing_clahe")
# Measured and left out: zxing on a 2x upscale found 1 more EAN-13 but read 2
# other EAN-13 photos wrong (checksum-valid, and accepted as tubes by classify).
# A wrong tube is worse than none, so it stays available to the benchmark only.
EXTRA_STEPS: tuple[str, ...] = ("zxing_rescaled",)


def decode_image(data: bytes | np.ndarray, formats: Iterable[str] | None = None) -> list[Decoded]:
    """Decode every barcode in an image; ``[]`` when there is none.

    ``data`` is encoded image bytes or an OpenCV-style array (greyscale, BGR,
    BGRA). ``formats`` restricts decoding to web format names (all if None).
    Raises ScanError when ``data`` is not a readable image or is too large.
    """
    wanted = _check_formats(formats)
    grey = load_grey(data)
    return run_steps(grey, wanted, STEPS)


def run_steps(grey: np.ndarray, wanted: frozenset[str], steps: Sequence[str]) -> list[Decoded]:
    """Run ``steps`` in order on a greyscale image and stop at the first that finds codes.

    Stopping early matters for correctness, not only speed: every extra pass
    is another chance for a wrong read, so fallbacks only run on empty results.
    """
    for step in steps:
        found = run_step(grey, wanted, step)
        if found:
            return found
    return []


def run_step(grey: np.ndarray, wanted: frozenset[str], step: str) -> list[Decoded]:
    """One step of the pipeline; fallbacks are skipped on large images."""
    if step != "zxing" and grey.shape[0] * grey.shape[1] > FALLBACK_MAX_PIXELS:
        return []
    return _STEP_FUNCS[step](grey, wanted)


def _check_formats(formats: Iterable[str] | None) -> frozenset[str]:
    if formats is None:
        return FORMATS
    if isinstance(formats, str):  # a lone "qr_code" would iterate as letters
        formats = [formats]
    wanted = frozenset(formats)
    unknown = wanted - FORMATS
    if unknown:
        # A caller's mistake, not bad input from a user: not a ScanError.
        raise ValueError(f"unknown barcode formats: {', '.join(sorted(unknown))}")
    return wanted


def normalise(text: str) -> str:
    """CRLF -> LF and no trailing CR/LF, as scanners and the dataset agree."""
    return text.replace("\r\n", "\n").rstrip("\r\n")


def _unique(found: Iterable[Decoded]) -> list[Decoded]:
    # Several passes (rotations, inversions) can report one code twice. An empty
    # text (zxing-cpp gives one for binary payloads it cannot transcode) is no
    # use to anyone and would count as a read, so it is dropped.
    return [code for code in dict.fromkeys(found) if code.text]


def _zxing(grey: np.ndarray, wanted: frozenset[str]) -> list[Decoded]:
    selected = zxingcpp.BarcodeFormats([_ZXING_FORMATS[name] for name in sorted(wanted)])
    # Plain text mode keeps GS/RS separators and binary bytes as characters;
    # the default HRI mode rewrites them ("<GS>"), which no label holder types.
    results = zxingcpp.read_barcodes(grey, formats=selected, text_mode=zxingcpp.TextMode.Plain)
    out = []
    for result in results:
        family = _FAMILY_OF.get(str(result.format))
        if family in wanted:
            out.append(Decoded(family, normalise(result.text)))
    return _unique(out)


def _zbar_sharpened(grey: np.ndarray, wanted: frozenset[str]) -> list[Decoded]:
    pyzbar = _pyzbar()
    names = [_ZBAR_SYMBOLS[name] for name in sorted(wanted & _ZBAR_SYMBOLS.keys())]
    if pyzbar is None or not names:
        return []
    symbols = [pyzbar.ZBarSymbol[name] for name in names]
    # Unsharp mask: ZBar's edge detector needs steeper bar edges than ZXing's.
    blurred = cv2.GaussianBlur(grey, (0, 0), 2.0)
    sharp = cv2.addWeighted(grey, 1.5, blurred, -0.5, 0)
    out = []
    for symbol in pyzbar.decode(sharp, symbols=symbols):
        family = _ZBAR_NAMES.get(symbol.type)
        if family is None:
            continue
        try:
            text = symbol.data.decode("utf-8")
        except UnicodeDecodeError:
            text = symbol.data.decode("latin-1")
        out.append(Decoded(family, normalise(text)))
    return _unique(out)


def _zxing_clahe(grey: np.ndarray, wanted: frozenset[str]) -> list[Decoded]:
    # Local contrast equalisation rescues glare and shadow across a label.
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    return _zxing(clahe.apply(grey), wanted)


def _zxing_rescaled(grey: np.ndarray, wanted: frozenset[str]) -> list[Decoded]:
    height, width = grey.shape
    factor = min(2.0, RESCALE_MAX_SIDE / max(height, width))
    if factor <= 1.0:
        return []
    bigger = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return _zxing(bigger, wanted)


_STEP_FUNCS = {
    "zxing": _zxing,
    "zbar_sharpened": _zbar_sharpened,
    "zxing_clahe": _zxing_clahe,
    "zxing_rescaled": _zxing_rescaled,
}

if set(_STEP_FUNCS) != set(STEPS + EXTRA_STEPS):  # pragma: no cover - guards edits to the tables
    raise RuntimeError("STEPS and _STEP_FUNCS disagree")
