"""PIN login for people on pages; device tokens (tokens.py), also issued by the API's device login."""
from flask import Blueprint

from .throttle import give_back_unless_wrong

bp = Blueprint("auth", __name__)

# App-wide (the device login is on the API blueprint), and registered after the limiter's own
# hook, so that it runs before the limiter writes its X-RateLimit headers.
bp.after_app_request(give_back_unless_wrong)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views", "views_csrf_token", "views_device_token")
