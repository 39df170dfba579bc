"""Residents: public self-registration for a personal QR code, and codes issued from the roster."""
from flask import Blueprint

bp = Blueprint("residents", __name__)

from . import codes, register, registrations  # noqa: E402,F401  (routes register on bp)
