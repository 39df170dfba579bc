"""A bearer token for the web app of a logged-in user (the PIN is not typed twice)."""
from flask import jsonify, request
from flask_login import current_user, login_required

from ..audit import audit
from ..extensions import db
from ..models import Device
from . import bp


@bp.post("/auth/device-token")
@login_required
def device_token():
    """Issue (or re-key) this browser's device for the logged-in user; session + CSRF."""
    # Imported here: api.devices imports auth.pins, so a module-level import would be circular.
    from ..api.devices import device_answer, issue_device, rekey_device

    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    previous = body.get("device_id")
    device = db.session.get(Device, previous) if isinstance(previous, str) else None
    if device is not None and device.user_id == current_user.id and device.revoked_at is None:
        # Same phone, same user, token expired or lost: keep the device so that its record
        # sequence (seq) stays continuous for the server's gap check.
        token = rekey_device(device)
        audit("device_rekeyed", target=f"device:{device.id}")
    else:
        name = body.get("device_name")
        device, token = issue_device(current_user, name if isinstance(name, str) and name else "web app")
        audit("device_issued", target=f"device:{device.id}")
    db.session.commit()
    return jsonify(device_answer(device, token)), 201
