"""PIN login for people on pages; device tokens for phones are in api/devices.py."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import csrf_token, device_token, views  # noqa: E402,F401  (routes register on bp)
from .throttle import give_back_unless_wrong  # noqa: E402

# App-wide (the device login is on the API blueprint), and registered after the limiter's own
# hook, so that it runs before the limiter writes its X-RateLimit headers.
bp.after_app_request(give_back_unless_wrong)
