"""Keys of the PIN throttle: per account (whatever the address) besides per address."""
from flask import request
from flask_limiter.util import get_remote_address


def username_key() -> str:
    """The username a login attempt is for (form or JSON), else the caller's address."""
    name = request.form.get("username") if request.form else None
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    if isinstance(name, str) and name.strip():
        return f"user:{name.strip()[:60]}"
    return f"addr:{get_remote_address()}"
