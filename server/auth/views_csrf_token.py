"""A fresh CSRF token for a page that has been open for a long time (a phone back online).

The page's token (body hx-headers and the hidden form fields) is tied to the session it was
rendered with: a login in another tab or a server restart with new keys makes it stale, and the
next POST gets 400. The page's scripts then ask here for the current session's token and retry
once (offline/client/csrf.js), so what the user typed or captured is not lost.
"""
from flask import jsonify
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from . import bp


@bp.get("/auth/csrf-token")
@login_required
def csrf_token():
    """The CSRF token of the current session (JSON; no-store like every page, server/security.py)."""
    return jsonify(token=generate_csrf())
