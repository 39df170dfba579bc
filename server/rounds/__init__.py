"""Sampling rounds (全员核酸第 N 轮): pages to open, follow and close a round; status.py is
what other code asks ("who was sampled in the open round?")."""
from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/supervisor/rounds")

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views",)
