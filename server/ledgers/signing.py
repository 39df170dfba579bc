"""HMAC-SHA256 signatures of door events: the one definition shared by the endpoint and the
simulator. The signed message is "<timestamp>.<raw body>", so neither can be changed alone."""
import hashlib
import hmac

SIGNATURE_HEADER = "X-Checkpoint-Signature"
TIMESTAMP_HEADER = "X-Checkpoint-Timestamp"
KEY_HEADER = "X-Checkpoint-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), (signature or "").strip().lower())
