"""Sampling points (10混1): tubes opened, people pooled into slots, sealed, boxed, handed over."""
from flask import Blueprint

bp = Blueprint("sampling", __name__, url_prefix="/sampling")

from . import records, views  # noqa: E402,F401  (registers the record handlers and the pages)
