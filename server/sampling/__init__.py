"""Sampling points (10混1): tubes opened, people pooled into slots, sealed, boxed, handed over."""
from flask import Blueprint

bp = Blueprint("sampling", __name__, url_prefix="/sampling")

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("records", "views")
