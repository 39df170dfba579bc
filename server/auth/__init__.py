"""PIN login for people on pages; device tokens for phones are in api/devices.py."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import csrf_token, device_token, views  # noqa: E402,F401  (routes register on bp)
