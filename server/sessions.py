"""Page sessions on shared phones: an idle timeout (a volunteer who walks away must not leave
the next person logged in as them), an absolute lifetime (a session used all day still ends,
so a stolen cookie does not live for ever), and a Secure cookie whenever the request is HTTPS."""
import time

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import logout_user

SEEN_KEY = "_seen"
SEEN_EVERY = 60  # seconds
LOGIN_KEY = "_login_at"


def _counts() -> bool:
    # Bearer-token API calls and static files neither use nor refresh the page session.
    return not request.path.startswith(("/api/", "/static/", "/client/"))


def mark_login() -> None:
    """Called right after login_user: the absolute lifetime counts from here."""
    session[LOGIN_KEY] = int(time.time())


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with `Secure` set for every HTTPS request: an operator
    who forgets CHECKPOINT_SESSION_COOKIE_SECURE still gets it (behind a proxy, HTTPS is what
    X-Forwarded-Proto says once CHECKPOINT_TRUSTED_PROXIES trusts it)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or (has_request_context() and request.is_secure)


def _expired(now: float, idle_limit: float, max_age: float) -> bool:
    seen, login_at = session.get(SEEN_KEY), session.get(LOGIN_KEY)
    if not isinstance(seen, int) or now - seen > idle_limit:
        return True
    # A session without its login time predates the absolute lifetime: it ends too.
    return not isinstance(login_at, int) or now - login_at > max_age


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def expire_session():
        if not _counts() or "_user_id" not in session:
            return
        idle_limit = float(app.config["SESSION_IDLE_MINUTES"]) * 60
        max_age = float(app.config["SESSION_MAX_HOURS"]) * 3600
        if _expired(time.time(), idle_limit, max_age):
            logout_user()
            session.clear()

    @app.after_request
    def refresh_session(response):
        # The idle clock moves at most once a minute, so that the cookie is not sent again with
        # every response: each Set-Cookie holds the whole session as its request saw it, and a
        # response crossing a logout (the device-token request a page sends right after login)
        # put the logged-in cookie back over the logout's, losing its "logged out" notice.
        if _counts() and "_user_id" in session:
            now, seen = int(time.time()), session.get(SEEN_KEY)
            if not isinstance(seen, int) or now - seen >= SEEN_EVERY:
                session[SEEN_KEY] = now
        return response
