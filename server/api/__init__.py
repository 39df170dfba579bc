"""The JSON API under /api/v1 used by phones (bearer tokens, no cookies, no CSRF)."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from . import devices, doctor, door_events, handover_key, health, openapi, scan, sites, sync, tasks, watchlist  # noqa: E402,F401  (routes register on bp)
