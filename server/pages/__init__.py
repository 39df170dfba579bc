"""Pages for logged-in people: home and the manifest."""
from flask import Blueprint

bp = Blueprint("pages", __name__)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views", "views_client", "views_offline", "views_scan")
