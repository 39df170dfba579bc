"""Residents: public self-registration for a personal QR code, and codes issued from the roster."""
from flask import Blueprint

bp = Blueprint("residents", __name__)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views_codes", "views_register", "views_registrations")
