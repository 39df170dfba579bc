"""Who may do what: roles, and the one helper that scopes queries to the user's community."""
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from .extensions import db

# Higher roles include the lower ones' pages.
ROLE_RANK = {"volunteer": 1, "clerk": 1, "supervisor": 2, "admin": 3}


def role_required(*roles: str):
    """Page decorator: logged in and one of the roles (supervisors and admins pass 'clerk')."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def has_role(user, *roles: str) -> bool:
    if user.role == "lab" or "lab" in roles:
        return user.role in roles  # the lab is no rank: it reaches its pages only, and only it does
    rank = ROLE_RANK.get(user.role, 0)
    return user.role in roles or (rank >= 2 and rank >= min(ROLE_RANK[r] for r in roles))


# The pages of a site each role opens (gate pages: any user; sampling pages: role_required
# ("clerk") in server/sampling/views.py), in the order a role's home lists them.
SITE_KINDS = {"volunteer": ("gate",), "clerk": ("sampling_point", "gate")}
LEAD_SITE_KINDS = ("gate", "sampling_point")


def site_kinds_for(user) -> tuple[str, ...]:
    """The kinds of site whose pages `user` may open, their own work first."""
    return SITE_KINDS.get(user.role, LEAD_SITE_KINDS if ROLE_RANK.get(user.role, 0) >= 2 else ("gate",))


def scoped(model, community_id: int | None = None) -> Select:
    """select(model) limited to one community (the current user's unless given)."""
    cid = current_user.community_id if community_id is None else community_id
    return select(model).where(model.community_id == cid)


def scoped_or_404(model, ident, *where, community_id: int | None = None):
    """The community's row of `model` with that id (and `where`): the current user's community
    unless given (the API passes its device's). Another community's row is simply not found,
    like a missing one."""
    return db.first_or_404(scoped(model, community_id).where(model.id == ident, *where))


# What a lab account may open besides its own pages (lab.*): files, login/logout, the health
# check, and the device login (which refuses it: a lab captures nothing on a phone).
LAB_ENDPOINTS = {"static", "pages.client_module", "pages.manifest", "pages.service_worker",
                 "pages.offline_page", "auth.login", "auth.logout", "auth.csrf_token", "api.health",
                 "api.openapi", "api.register_device"}


def lab_guard():
    """before_request: a lab account sees only the boxes handed to it (issue 18), so every other
    page, API and shell answers 403, whatever its own decorator says; its home is /lab."""
    endpoint = request.endpoint
    if endpoint is None or endpoint.startswith("lab.") or endpoint in LAB_ENDPOINTS:
        return None
    if not current_user.is_authenticated or current_user.role != "lab":
        # Loading the user began the request's transaction, which on SQLite holds the write
        # lock of a POST: end it, or a rate limiter counting in the database before the view
        # would wait for this very request's lock (a 503).
        db.session.rollback()
        return None
    if endpoint == "pages.home":
        return redirect(url_for("lab.home"))
    abort(403)


def init_app(app) -> None:
    app.before_request(lab_guard)
