"""GET /api/v1/doctor: what the app saw of the request that reached it (scheme, client address,
the X-Forwarded-* headers as received), for `checkpoint doctor --url`, which compares them with
what it sent. Only a request signed with the instance's SECRET_KEY gets an answer (401
otherwise, like an unsigned door event): the deployment's proxy set-up is nobody else's business."""
import hashlib
import hmac
import time

from flask import current_app, jsonify, request

from ..models import utcnow
from . import bp

HEADER = "X-Checkpoint-Doctor"
MAX_AGE_SECONDS = 300


def signature(secret: str, timestamp: str) -> str:
    return hmac.new(secret.encode(), f"doctor:{timestamp}".encode(), hashlib.sha256).hexdigest()


def signed_header(secret: str) -> str:
    timestamp = str(int(time.time()))
    return f"{timestamp}:{signature(secret, timestamp)}"


def _signed() -> bool:
    timestamp, _, given = request.headers.get(HEADER, "").partition(":")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(given, signature(current_app.config["SECRET_KEY"], timestamp))


@bp.get("/doctor")
def doctor_echo():
    if not _signed():
        return jsonify(error={"code": "bad_signature",
                              "message": "Only `checkpoint doctor` with this instance's keys."}), 401
    # ProxyFix keeps what it replaced: the values as the socket and headers gave them.
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    return jsonify(
        scheme=request.scheme, host=request.host, remote_addr=request.remote_addr,
        peer_addr=original.get("REMOTE_ADDR", request.remote_addr),
        received={name: request.headers.get(name) for name in
                  ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")},
        trusted_proxies=int(current_app.config.get("TRUSTED_PROXIES") or 0),
        server_time=utcnow().isoformat(), version=current_app.config["VERSION"])
