"""POST /api/v1/scan: a photo in, the codes on it out (DESIGN §5). Photos are never kept.

The phone sends a photo here when its own decoder found nothing (or for an ID card's front).
The body is read into memory, decoded and dropped; nothing about it is logged or stored.
"""
import time

from flask import current_app, g, jsonify, request

from offline.protocol import MAX_INT

from scanner import ScanError, classify, decode_image
from scanner.errors import ImageTooLarge
from scanner.idcard import IdCardError, read_id_card  # the OCR engine loads on first use
from scanner.imageio import MAX_BYTES, check_image
from ..access import scoped
from ..clock import local_today
from ..database import reads_first
from ..extensions import db, limiter
from ..models import Site
from . import bp
from ..auth.tokens import token_digest
from .auth import token_required

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
# What a field accepts, as on the phone (scanner/client/camera.js FIELD_FORMATS).
FIELD_FORMATS = {
    "tube": ("code_128", "code_39", "itf", "codabar"),
    "person": ("qr_code",),
}


def _device_key() -> str:
    # The limiter runs before the view: key on the token itself (a device), so one
    # busy phone cannot starve the others behind the same NAT address.
    header = request.headers.get("Authorization", "")
    return "scan:" + token_digest(header.partition(" ")[2].strip())


def _scan_limit() -> str:
    return current_app.config["SCAN_RATE_LIMIT"]


def _error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/scan")
@reads_first  # writes nothing: no write lock while the limiter writes its count
@token_required
@limiter.limit(_scan_limit, key_func=_device_key)
def scan():
    """Decode the barcodes (or, with ?mode=idcard, the ID number) on one photo."""
    started = time.perf_counter()
    mode = request.args.get("mode", "barcode")
    if mode not in ("barcode", "idcard"):
        return _error(400, "invalid_request", "mode must be barcode or idcard.")
    field = request.args.get("field")
    if field is not None and field not in FIELD_FORMATS:
        return _error(400, "invalid_request", "field must be tube or person.")
    site, problem = _site()
    if problem:
        return problem
    data, problem = _image_bytes()
    if problem:
        return problem
    try:
        if mode == "idcard":
            body = _read_id_card(data)
        else:
            codes = decode_image(data, FIELD_FORMATS.get(field))
            pattern = site.tube_pattern if site else None
            body = {"codes": [_code(c.format, c.text, pattern) for c in codes]}
    except ImageTooLarge as error:
        return _error(413, "too_large", str(error))
    except ScanError as error:
        return _error(400, "not_an_image", str(error))
    body["ms"] = round((time.perf_counter() - started) * 1000)
    return jsonify(body)


def _code(fmt: str, text: str, tube_pattern: str | None) -> dict:
    verdict = classify(text, tube_pattern, today=local_today())
    return {"format": fmt, "text": verdict.text, "kind": verdict.kind, "valid": verdict.valid}


def _site():
    """The ?site_id= site of the user's community (its tube pattern classifies), or None."""
    raw = request.args.get("site_id")
    if raw is None:
        return None, None
    if not raw.isascii() or not raw.isdigit():
        return None, _error(400, "invalid_request", "site_id must be a number.")
    if not 0 < int(raw) <= MAX_INT:  # PostgreSQL refuses to even compare a bigger number
        return None, _error(404, "unknown_site", "No such site in your community.")
    site = db.session.scalar(scoped(Site, g.user.community_id).where(Site.id == int(raw)))
    if site is None:
        return None, _error(404, "unknown_site", "No such site in your community.")
    return site, None


def _image_bytes():
    """The photo from a raw image body or a multipart field `image`, at most MAX_BYTES."""
    too_large = _error(413, "too_large", f"The image is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    if (request.content_length or 0) > MAX_BYTES + 64 * 1024:  # multipart adds a little
        return None, too_large
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            return None, _error(400, "not_an_image", "Send the photo in the multipart field `image`.")
        data = upload.stream.read(MAX_BYTES + 1)
    elif request.mimetype in IMAGE_TYPES:
        data = request.get_data(cache=False)
    else:
        return None, _error(400, "not_an_image",
                            "Send a JPEG or PNG photo (Content-Type image/jpeg or image/png).")
    if len(data) > MAX_BYTES:
        return None, too_large
    if not data:
        return None, _error(400, "not_an_image", "The photo is empty.")
    return data, None


def _read_id_card(data: bytes) -> dict:
    """The ID number (and name) on a card's front, only when it passes GB 11643."""
    check_image(data)  # byte and pixel limits before the OCR's own decoder sees the bytes
    try:
        reading = read_id_card(data)
    except IdCardError as error:
        raise ScanError("The file is not a readable image.") from error
    if reading is None:
        return {"codes": []}
    verdict = classify(reading.number, today=local_today())
    if verdict.kind != "id_number" or not verdict.valid:
        return {"codes": []}  # the reader and the classifier disagree: offer nothing
    body = {"codes": [{"format": "ocr", "text": verdict.text, "kind": "id_number", "valid": True}],
            "birth_date": reading.birth_date, "sex": reading.sex}
    if reading.name:
        body["name"] = reading.name
    return body
