"""Device tokens: a phone's bearer token, issued or re-keyed for a user, stored hashed. Served by
the API's device login (api/devices.py) and by the logged-in page's /auth/device-token."""
import hashlib
import secrets
import uuid
from datetime import timedelta

from flask import current_app

from offline.text import clean_line

from ..extensions import db
from ..models import Device, utcnow


def token_digest(token: str) -> str:
    # Tokens are 256-bit random: a plain SHA-256 is enough to store them safely.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device(user, name: str, device_id: str | None = None) -> tuple[Device, str]:
    """A new device row for this user and its token (returned once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    device = Device(
        id=device_id or str(uuid.uuid4()), user=user, community_id=user.community_id,
        name=clean_line(name)[:120] or "phone",
        token_hash=token_digest(token),
        expires_at=utcnow() + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"]),
    )
    db.session.add(device)
    return device, token


def rekey_device(device: Device) -> str:
    """A fresh token and expiry for an existing device (same phone, same user)."""
    token = secrets.token_urlsafe(32)
    device.token_hash = token_digest(token)
    device.expires_at = utcnow() + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"])
    return token


def device_answer(device: Device, token: str) -> dict:
    return {"device_id": device.id, "token": token,
            "expires_at": device.expires_at.isoformat(), "user": device.user.as_api()}
