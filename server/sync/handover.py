"""Last-resort hand-over: records a phone could not sync, brought in as a file.

When a phone cannot reach the server for long (an untrusted certificate, an outage), its user
exports the records waiting on it as one file encrypted to this instance's hand-over public key
(offline/client/handover.js); a supervisor uploads it and its records go through the same
idempotent ingest as POST /api/v1/sync. The phone keeps its records: when it syncs later, each
is a `duplicate`, so nothing is stored twice.

Encryption (WebCrypto on the phone, `cryptography` here): ECDH P-256 between an ephemeral key
made for the file and HANDOVER_KEY (a P-256 private key in the instance config beside
DATA_KEY; `checkpoint init` writes it, `checkpoint doctor` checks it), HKDF-SHA256 of the shared
secret (info names the format and the key id), AES-256-GCM over the payload with the format as
additional data. Only this server can open a file; anyone holding the file learns nothing but
its size and record count.

Attribution: each group of records in the file names its device and user and carries that
device's bearer token, checked against the token's stored hash (expiry ignored: the phone may
have been cut off for longer than a token lives; revocation is not). The device's user must
belong to the importing supervisor's community.
"""
import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from offline.ingest import ingest, read
from offline.protocol import EnvelopeError, parse_envelope

from ..auth.tokens import token_digest
from ..database import start_writing
from ..extensions import db
from ..models import Device, User, utcnow
from .device_state import update_device
from .records import DatabaseInbox, Syncer

FORMAT = "checkpoint-handover-1"
MAX_GROUPS = 20


class HandoverError(Exception):
    """The file cannot be used at all (message for the supervisor)."""


def new_handover_key() -> str:
    """A fresh P-256 private key: PKCS#8 DER in base64 (one line of the instance config)."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode()


def load_private_key(value) -> ec.EllipticCurvePrivateKey:
    """HANDOVER_KEY as a key; ValueError when it is not a P-256 private key."""
    try:
        key = serialization.load_der_private_key(base64.b64decode(str(value).strip(), validate=True), None)
    except Exception as error:  # malformed base64 or DER: one message
        raise ValueError("HANDOVER_KEY is not a base64 PKCS#8 private key") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("HANDOVER_KEY is not a P-256 key")
    return key


def _private_key() -> ec.EllipticCurvePrivateKey:
    value = current_app.config.get("HANDOVER_KEY")
    if not value:
        raise HandoverError("no_key")
    return load_private_key(value)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text) -> bytes:
    if not isinstance(text, str) or len(text) > 20_000_000:
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _point(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def key_id(public: ec.EllipticCurvePublicKey) -> str:
    return hashlib.sha256(_point(public)).hexdigest()[:16]


def public_key_answer() -> dict:
    """What phones keep to encrypt a hand-over file: the public key as a JWK and its id."""
    public = _private_key().public_key()
    numbers = public.public_numbers()
    return {"format": FORMAT, "kid": key_id(public),
            "jwk": {"kty": "EC", "crv": "P-256", "x": _b64url(numbers.x.to_bytes(32, "big")),
                    "y": _b64url(numbers.y.to_bytes(32, "big"))}}


def _aes_key(private: ec.EllipticCurvePrivateKey, ephemeral: ec.EllipticCurvePublicKey, kid: str) -> bytes:
    shared = private.exchange(ec.ECDH(), ephemeral)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"{FORMAT}:{kid}".encode()).derive(shared)


def open_file(raw: bytes) -> dict:
    """The decrypted payload of a hand-over file; HandoverError(code) when it cannot be."""
    private = _private_key()
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HandoverError("not_handover") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise HandoverError("not_handover")
    if envelope.get("kid") != key_id(private.public_key()):
        raise HandoverError("other_key")
    try:
        epk = envelope["epk"]
        ephemeral = ec.EllipticCurvePublicNumbers(
            int.from_bytes(_unb64url(epk["x"]), "big"), int.from_bytes(_unb64url(epk["y"]), "big"),
            ec.SECP256R1()).public_key()
        iv, ciphertext = _unb64url(envelope["iv"]), _unb64url(envelope["ct"])
        plain = AESGCM(_aes_key(private, ephemeral, envelope["kid"])).decrypt(iv, ciphertext, FORMAT.encode())
        payload = json.loads(plain.decode("utf-8"))
    except (KeyError, TypeError, ValueError, InvalidTag, RecursionError, UnicodeDecodeError):
        raise HandoverError("damaged") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("devices"), list) \
            or not payload["devices"] or len(payload["devices"]) > MAX_GROUPS:
        raise HandoverError("damaged")
    return payload


def seal_file(payload: dict, answer: dict) -> bytes:
    """A hand-over file as a phone makes it (for tests and the CLI's own checks)."""
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(_unb64url(answer["jwk"]["x"]), "big"),
                                            int.from_bytes(_unb64url(answer["jwk"]["y"]), "big"),
                                            ec.SECP256R1())
    server = numbers.public_key()
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), server)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=f"{FORMAT}:{answer['kid']}".encode()).derive(shared)
    iv = os.urandom(12)
    ct = AESGCM(key).encrypt(iv, json.dumps(payload).encode(), FORMAT.encode())
    pub = ephemeral.public_key().public_numbers()
    return json.dumps({"format": FORMAT, "kid": answer["kid"],
                       "epk": {"kty": "EC", "crv": "P-256", "x": _b64url(pub.x.to_bytes(32, "big")),
                               "y": _b64url(pub.y.to_bytes(32, "big"))},
                       "iv": _b64url(iv), "ct": _b64url(ct)}).encode()


@dataclass
class GroupResult:
    """One device's records in the file: who, and the ingest's result for each (or why none)."""
    device_id: str
    device_name: str = ""
    username: str = ""
    problem: str | None = None  # refused: bad_device, other_community, revoked, malformed
    results: list = field(default_factory=list)  # [(record dict, Result)]

    def count(self, status: str) -> int:
        return sum(1 for _record, result in self.results if result.status == status)


def import_file(raw: bytes, community_id: int) -> list[GroupResult]:
    """Ingest every device group of the file for the supervisor's community; committed."""
    payload = open_file(raw)
    groups = []
    for group in payload["devices"]:
        groups.append(_import_group(group, community_id))
    return groups


def _import_group(group, community_id: int) -> GroupResult:
    if not isinstance(group, dict) or not isinstance(group.get("device_id"), str) \
            or not isinstance(group.get("token"), str):
        return GroupResult(device_id="?", problem="malformed")
    found = GroupResult(device_id=group["device_id"][:64])
    device = db.session.scalar(select(Device).options(joinedload(Device.user).joinedload(User.community))
                               .where(Device.id == group["device_id"]))
    if device is None or device.token_hash != token_digest(group["token"]) \
            or device.user_id != group.get("user_id"):
        found.problem = "bad_device"
        return found
    found.device_name, found.username = device.name, device.user.username
    if device.user.community_id != community_id:
        found.problem = "other_community"
        return found
    if device.revoked_at is not None or not device.user.active:
        found.problem = "revoked"
        return found
    try:
        envelope = parse_envelope({"device_id": device.id, "records": group.get("records")})
    except EnvelopeError:
        found.problem = "malformed"
        return found
    user = device.user
    limit = current_app.config["SYNC_MAX_RECORDS"]
    records = envelope.records
    for start in range(0, len(records), limit):
        chunk = records[start:start + limit]
        now = utcnow()
        who = Syncer(device.id, device.name, user.id, user.community_id,
                     Decimal(str(user.community.fever_threshold_c)))
        domain = DatabaseInbox(who, now)
        batch = read(chunk, domain)
        start_writing()
        results = ingest(db.session, batch, domain)
        update_device(who, _Envelope(chunk), results, now)
        db.session.commit()
        found.results.extend(zip(chunk, results))
    return found


@dataclass
class _Envelope:
    """What update_device reads of a sync request: a file says nothing of what the phone holds
    now (pending stays as the phone last said) nor of its app version."""
    records: list
    app_version: str | None = None
    pending: int | None = None
