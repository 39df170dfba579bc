"""Bearer-token authentication of devices."""
from functools import wraps

from flask import abort, g, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..auth.tokens import token_digest
from ..extensions import db
from ..models import Community, Device, User, utcnow

# Device, user and community in one query (every API call reads all three).
_BY_TOKEN = select(Device).options(joinedload(Device.user).joinedload(User.community))
# The same, as plain values: what the sync route needs (three ORM objects built and put in the
# session cost more than a tenth of a batch of 100 records).
_HOLDER = (select(Device.id.label("device_id"), Device.name.label("device_name"), Device.revoked_at,
                  Device.expires_at, User.id.label("user_id"), User.active, User.community_id,
                  Community.fever_threshold_c)
           .join(User, Device.user_id == User.id).join(Community, User.community_id == Community.id)
           .where(Device.token_hash == bindparam("digest")))


def _token_hash() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_digest(token.strip())


def _usable(revoked_at, expires_at, active) -> bool:
    return revoked_at is None and expires_at > utcnow() and active


def device_from_request() -> Device | None:
    digest = _token_hash()
    if digest is None:
        return None
    device = db.session.scalar(_BY_TOKEN.where(Device.token_hash == digest))
    if device is None or not _usable(device.revoked_at, device.expires_at, device.user.active):
        return None
    return device


def holder_from_request():
    """The token's device and user as plain values (a Row: device_id, device_name, user_id,
    community_id, fever_threshold_c...), or None: the rules of device_from_request."""
    digest = _token_hash()
    if digest is None:
        return None
    # Built once and run on the session's connection: a statement built per request and run
    # through the ORM session cost four times as much (0.4 ms of a replayed batch's ~8).
    row = db.session.connection().execute(_HOLDER, {"digest": digest}).first()
    if row is None or not _usable(row.revoked_at, row.expires_at, row.active):
        return None
    return row


def _found_or_401(find):
    """What `find` gets from the request's token, or a 401 that sends the phone to log in."""
    found = find()
    if found is None:
        abort(401, description="A valid device token is required; log in again.")
    return found


def token_required(view):
    """API decorator: a valid, unrevoked device token; sets g.device and g.user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.device = _found_or_401(device_from_request)
        g.user = g.device.user
        return view(*args, **kwargs)

    return wrapper


def token_holder_required(view):
    """token_required for a route that needs only the values (g.holder), not the objects."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.holder = _found_or_401(holder_from_request)
        return view(*args, **kwargs)

    return wrapper
