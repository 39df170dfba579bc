"""Pages for logged-in people: home and the manifest."""
from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import client, offline, scan, views  # noqa: E402,F401
