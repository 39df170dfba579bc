"""Personal QR codes: ``CP1:<token>``, a random token signed by the server.

The token is 16 random bytes and a 12-byte HMAC of them, both base64url (38 characters,
the shape scanner.classify accepts). It holds no personal data: a photo of someone's code
tells nothing about them, and a made-up code fails the signature before any look-up.
Person.personal_code stores the token; the signature lets the sync endpoint refuse forged
codes without a query. The key is derived from SECRET_KEY: rotating SECRET_KEY voids every
printed code (they would have to be issued again).
"""
import base64
import hashlib
import hmac
import io
import secrets

import segno
from flask import current_app

from scanner.classify import PERSONAL_CODE_PREFIX

RANDOM_BYTES = 16
SIGNATURE_BYTES = 12
TOKEN_LENGTH = 38  # base64url of 16 bytes (22 chars) + of 12 bytes (16 chars)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(random_part: str) -> str:
    # A key of its own, derived from SECRET_KEY, so that this HMAC can never be
    # confused with a session signature made with the same secret.
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"checkpoint personal code v1",
                   hashlib.sha256).digest()
    return _b64(hmac.new(key, random_part.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES])


def new_token() -> str:
    """A fresh signed token (random: two people never share one)."""
    random_part = _b64(secrets.token_bytes(RANDOM_BYTES))
    return random_part + _signature(random_part)


def token_from_code(code: str) -> str | None:
    """The token of a scanned ``CP1:`` payload when its signature is ours, else None."""
    if not isinstance(code, str) or not code.startswith(PERSONAL_CODE_PREFIX):
        return None
    token = code[len(PERSONAL_CODE_PREFIX):]
    if len(token) != TOKEN_LENGTH:
        return None
    random_part, signature = token[:22], token[22:]
    if not hmac.compare_digest(signature.encode("ascii", "replace"),
                               _signature(random_part).encode()):
        return None
    return token


def payload(token: str) -> str:
    """What the QR code carries."""
    return PERSONAL_CODE_PREFIX + token


def ensure_code(person) -> str:
    """The person's token, issued now if they have none (flushes nothing; the view commits)."""
    if not person.personal_code:
        person.personal_code = new_token()
    return person.personal_code


def _qr(token: str):
    # Error correction M: still reads with a scratch or a crease, and stays small
    # enough (version 3) for a cheap phone camera at arm's length.
    return segno.make_qr(payload(token), error="m")


def qr_svg_data_uri(token: str, scale: int = 6) -> str:
    """An inline SVG image of the code (pages' CSP allows data: images)."""
    return _qr(token).svg_data_uri(scale=scale, border=4)


def qr_png_data_uri(token: str, scale: int = 10) -> str:
    """A PNG of the code for "save as image" (phones' galleries do not take SVG)."""
    out = io.BytesIO()
    _qr(token).save(out, kind="png", scale=scale, border=4)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
