"""Personal data at rest: authenticated encryption, keyed look-up hashes, display masks.

Document numbers, names and phones are stored only as AES-GCM ciphertext; equality look-ups
use an HMAC of the normalised document number so the database never needs the plaintext.
Keys come from the instance config, never from the database.
"""
import base64
import hmac
import os
import unicodedata

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from offline.text import without_bidi

NONCE_BYTES = 12
EXTENSION = "checkpoint.privacy"


class Vault:
    """Holds the keys of one app."""

    def __init__(self, data_key: str, hash_key: str):
        self._aead = AESGCM(_decode_key(data_key, "DATA_KEY"))
        self._hash_key = _decode_key(hash_key, "HASH_KEY")

    def encrypt(self, text: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, text.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None).decode("utf-8")

    def lookup_hash(self, doc_type: str, doc_number: str) -> str:
        """Keyed hash of a normalised document number: the only form used for look-ups."""
        message = f"{doc_type}:{normalise_doc_number(doc_number)}".encode()
        return hmac.digest(self._hash_key, message, "sha256").hex()  # one call into OpenSSL


def _decode_key(value, name) -> bytes:
    try:
        key = base64.b64decode(value or "", validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise RuntimeError(f"{name} must be 32 random bytes in base64; run `checkpoint init`.")
    return key


def init_app(app):
    app.extensions[EXTENSION] = Vault(app.config["DATA_KEY"], app.config["HASH_KEY"])


def vault() -> Vault:
    return current_app.extensions[EXTENSION]


def normalise_doc_number(number: str) -> str:
    """Full-width to ASCII, no spaces or dashes, upper case (so 'x' and 'X' hash alike)."""
    if number and number.isascii() and number.isalnum():  # what scanners send: skip the work
        return number.upper()
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


class Encrypted(TypeDecorator):
    """A text column stored as AES-GCM ciphertext with the app's DATA_KEY."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else vault().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else vault().decrypt(bytes(value))


def mask_doc_number(number: str | None) -> str:
    """1101**********1234: enough to tell people apart at a glance, not enough to use."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """张*明 for three characters or more, 张* for two (bidi controls stored before they were
    removed at input do not count)."""
    name = without_bidi(name or "")
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1) if len(name) == 2 else name
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """138****5678."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
