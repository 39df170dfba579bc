"""The JSON API under /api/v1 used by phones (bearer tokens, no cookies, no CSRF)."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from . import (devices, doctor, door_events, duty, handover_key, health, openapi, scan, sites, sync,  # noqa: E402,F401
               tasks, watchlist)  # (routes register on bp)
