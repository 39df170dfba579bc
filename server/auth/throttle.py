"""PIN throttling, shared by the page login and the device login (POST /api/v1/devices).

What counts is a wrong PIN, nothing else: a volunteer who types the right PIN is never refused
because someone else on the gate's Wi-Fi mistyped theirs. Two counts, each shared by both
routes (Flask-Limiter shared limits, one scope each):
- per account (username), whatever the address: LOGIN_RATE_LIMIT, 10 per 5 minutes;
- per address, a much higher ceiling (LOGIN_ADDRESS_RATE_LIMIT), sized for 50 phones behind
  one NAT, that still stops one machine from guessing across many accounts.

Every attempt takes its hit *before* the PIN is checked (an atomic increment in the shared
storage) and gives it back after the request unless the PIN was wrong. Counting first is what
makes the limit hold under concurrency: with Flask-Limiter's deduct_when, which tests before
and counts after the answer, N guesses sent at once all pass a count of 9 together.
Giving back happens after the request's own transaction ended: on SQLite a write from the
limiter's connection would otherwise wait for the request's write lock."""
from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from ..extensions import db, limiter

ACCOUNT_SCOPE = "pin-account"
ADDRESS_SCOPE = "pin-address"
SCOPES = (ACCOUNT_SCOPE, ADDRESS_SCOPE)


def username_key() -> str:
    """The username a login attempt is for (form or JSON), else the caller's address."""
    name = request.form.get("username") if request.form else None
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    if isinstance(name, str) and name.strip():
        return f"user:{name.strip()[:60]}"
    return f"addr:{get_remote_address()}"


def _account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def pin_throttled(view):
    """Both PIN limits on a view that checks a PIN on POST."""
    view = limiter.shared_limit(_account_limit, scope=ACCOUNT_SCOPE, key_func=username_key,
                                methods=["POST"])(view)
    return limiter.shared_limit(_address_limit, scope=ADDRESS_SCOPE, methods=["POST"])(view)


def wrong_pin() -> None:
    """The view checked a PIN and it was wrong (or the user unknown): the attempt counts."""
    g.pin_wrong = True


def give_back_unless_wrong(response):
    """After every request: an attempt that was not a wrong PIN (right PIN, refused before
    checking, malformed form) returns the hits it took."""
    counted = [lim for lim in limiter.current_limits if lim.request_args[-1] in SCOPES]
    if not counted or g.get("pin_wrong"):
        return response
    db.session.rollback()  # ends the request's read transaction (committed work is kept)
    storage = limiter.limiter.storage
    try:
        for lim in counted:
            decr = getattr(storage, "decr", None)
            if decr is not None:
                decr(lim.key, 1)
            else:  # storages without decr (Redis) take a negative increment
                storage.incr(lim.key, lim.limit.get_expiry(), amount=-1)
    except Exception:  # noqa: BLE001 - the user's answer stands; the count errs on the safe side
        current_app.logger.warning("PIN throttle: could not give a hit back", exc_info=True)
    return response
