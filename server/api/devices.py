"""Device login: a phone trades a username and PIN for a bearer token."""

from flask import jsonify, request

from offline.protocol import is_clean_text

from ..audit import audit
from ..auth.pins import authenticate
from ..auth.throttle import pin_throttled, wrong_pin
from ..auth.tokens import device_answer, issue_device
from ..extensions import db
from . import bp


@bp.post("/devices")
@pin_throttled  # wrong PINs, per account and per address, counted with the page login's
def register_device():
    """Issue a device token: 201, or 401 for wrong credentials, 429 when throttled."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error={"code": "invalid_request",
                              "message": "Send JSON with username, pin and device_name."}), 400
    username, pin = body.get("username"), body.get("pin")
    device_name = body.get("device_name") or "phone"
    # Control characters and lone surrogates cannot be stored (PostgreSQL refuses them):
    # a clear 400, not a database error.
    if not all(is_clean_text(v) for v in (username, pin, device_name)):
        return jsonify(error={"code": "invalid_request",
                              "message": "username, pin and device_name must be plain text."}), 400
    user = authenticate(username, pin)
    if user is None:
        wrong_pin()
        return jsonify(error={"code": "invalid_credentials",
                              "message": "Wrong username or PIN."}), 401
    if user.role == "lab":
        return jsonify({"error": {"code": "forbidden_role",
                                  "message": "A lab account confirms boxes on its page; it captures nothing."}}), 403
    device, token = issue_device(user, device_name)
    audit("device_issued", target=f"device:{device.id}", user=user)
    db.session.commit()
    return jsonify(device_answer(device, token)), 201
