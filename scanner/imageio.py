"""Turn untrusted bytes or arrays into one 8-bit greyscale image, safely.

Kept apart from decode.py so that size limits and the handling of hostile files
live in one small module that the ID-card reader can reuse.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image

from .errors import ImageTooLarge, ScanError

__all__ = ["MAX_BYTES", "MAX_PIXELS", "load_grey", "check_image"]

# Callers (the HTTP endpoint) refuse bodies larger than this before reading them;
# decode_image checks it again so a direct call cannot bypass it.
MAX_BYTES = 10 * 1024 * 1024
# A 40-megapixel greyscale image is 40 MB in memory; phone cameras stay below it.
MAX_PIXELS = 40_000_000

# Only the formats a phone or a scanner produces: every other Pillow plugin is
# attack surface we do not need.
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")


def load_grey(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """Return a C-contiguous uint8 2-D array, or raise ScanError."""
    if isinstance(data, np.ndarray):
        return _array_to_grey(data)
    image = _open_checked(data)
    try:
        image.load()
        grey = _pil_to_grey(image)
    except Exception as exc:
        raise ScanError("The image is truncated or damaged.") from exc
    return np.ascontiguousarray(np.asarray(grey, dtype=np.uint8))


def check_image(data: bytes | bytearray | memoryview) -> tuple[int, int]:
    """(width, height) from the header, after the byte and pixel limits; pixels not decoded.

    For readers with their own decoder (the ID-card OCR): call this first so that a
    decompression bomb never reaches them. Raises ImageTooLarge or ScanError.
    """
    return _open_checked(data).size


def _open_checked(data) -> Image.Image:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ScanError("Expected image bytes or an image array.")
    if len(data) == 0:
        raise ScanError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(f"The image is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    # Pillow's parsers raise a zoo of exception types on hostile input (OSError,
    # SyntaxError, ValueError, struct.error, EOFError, IndexError...). The caller
    # must see exactly one type, so anything raised while parsing becomes ScanError.
    try:
        # Pillow warns on its own (higher) bomb threshold while opening; our limit
        # is lower and checked just below, so that warning would only be noise.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)), formats=_FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge("The image has too many pixels.") from exc
    except Exception as exc:
        raise ScanError("The file is not a readable image (JPEG, PNG, WebP, GIF or BMP).") from exc

    # The header gives the size without decoding the pixels: refuse bombs here.
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ScanError("The image has no pixels.")
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"The image has too many pixels ({width}×{height}).")
    return image


def _pil_to_grey(image: Image.Image) -> Image.Image:
    # Transparent pixels are often black underneath: put them on white paper,
    # as a printed label would be, instead of letting them turn dark.
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha:
        # Through LA (2 bytes a pixel), pasted onto white in place: the RGBA way (a copy, an
        # RGBA paper, the composite) peaked above 500 MB on a 40-megapixel transparent PNG.
        source = image if image.mode in ("RGBA", "LA") else image.convert("RGBA")
        grey, alpha = source.convert("LA").split()
        paper = Image.new("L", grey.size, 255)
        paper.paste(grey, mask=alpha)
        return paper
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float images: scale to 8 bits instead of clipping to white.
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        return Image.fromarray(((array - low) * scale).astype(np.uint8))
    return image.convert("L")


def _array_to_grey(array: np.ndarray) -> np.ndarray:
    # Arrays follow OpenCV's convention (greyscale, BGR or BGRA, uint8).
    if array.dtype != np.uint8 or array.size == 0:
        raise ScanError("Expected a non-empty uint8 image array.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        grey = array
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        grey = cv2.cvtColor(np.ascontiguousarray(array), code)
    else:
        raise ScanError("Expected a greyscale, BGR or BGRA image array.")
    if grey.shape[0] * grey.shape[1] > MAX_PIXELS:
        raise ImageTooLarge("The image has too many pixels.")
    return np.ascontiguousarray(grey)
