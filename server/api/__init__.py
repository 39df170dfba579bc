"""The JSON API under /api/v1 used by phones (bearer tokens, no cookies, no CSRF)."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("devices", "doctor", "door_events", "duty", "handover_key", "health", "openapi", "scan", "sites",
         "sync", "tasks", "watchlist")
