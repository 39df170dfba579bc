"""Bearer-token authentication of devices."""
from functools import wraps

from flask import abort, g, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth.tokens import token_digest
from ..extensions import db
from ..models import Device, User, utcnow

# Device, user and community in one query (every API call reads all three).
_BY_TOKEN = select(Device).options(joinedload(Device.user).joinedload(User.community))


def device_from_request() -> Device | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    device = db.session.scalar(_BY_TOKEN.where(Device.token_hash == token_digest(token.strip())))
    if device is None or device.revoked_at is not None or device.expires_at <= utcnow():
        return None
    if not device.user.active:
        return None
    return device


def token_required(view):
    """API decorator: a valid, unrevoked device token; sets g.device and g.user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        device = device_from_request()
        if device is None:
            abort(401, description="A valid device token is required; log in again.")
        g.device = device
        g.user = device.user
        return view(*args, **kwargs)

    return wrapper
