"""Idle timeout of page sessions: phones at a gate are shared, and a volunteer who walks away
must not leave the next person logged in as them."""
import time

from flask import Flask, request, session
from flask_login import logout_user

SEEN_KEY = "_seen"


def _counts() -> bool:
    # Bearer-token API calls and static files neither use nor refresh the page session.
    return not request.path.startswith(("/api/", "/static/", "/client/"))


def init_app(app: Flask) -> None:
    @app.before_request
    def expire_idle_session():
        if not _counts() or "_user_id" not in session:
            return
        seen = session.get(SEEN_KEY)
        idle_limit = int(app.config["SESSION_IDLE_MINUTES"]) * 60
        if not isinstance(seen, int) or time.time() - seen > idle_limit:
            logout_user()
            session.clear()

    @app.after_request
    def refresh_session(response):
        if _counts() and "_user_id" in session:
            session[SEEN_KEY] = int(time.time())
        return response
