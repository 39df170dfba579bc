"""A bearer token for the web app of a logged-in user (the PIN is not typed twice)."""
import uuid

from flask import jsonify, request
from flask_login import current_user, login_required

from ..audit import audit
from ..extensions import db
from ..models import Device
from . import bp
from .tokens import device_answer, issue_device, rekey_device


@bp.post("/auth/device-token")
@login_required
def device_token():
    """Issue (or re-key) this browser's device for the logged-in user; session + CSRF."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    # The phone names its device (a UUID it keeps before asking): if the answer is lost when
    # the user navigates away, the next request re-keys that device instead of orphaning it.
    proposed = _uuid(body.get("device_id"))
    device = db.session.get(Device, proposed) if proposed else None
    if device is not None and device.user_id == current_user.id and device.revoked_at is None:
        # Same phone, same user, token expired or lost: keep the device so that its record
        # sequence (seq) stays continuous for the server's gap check.
        token = rekey_device(device)
        audit("device_rekeyed", target=f"device:{device.id}")
    else:
        name = body.get("device_name")
        name = name if isinstance(name, str) and name else "web app"
        device, token = issue_device(current_user, name, None if device else proposed)
        audit("device_issued", target=f"device:{device.id}")
    db.session.commit()
    return jsonify(device_answer(device, token)), 201


def _uuid(value) -> str | None:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None
