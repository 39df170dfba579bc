"""Sampling rounds (全员核酸第 N 轮): pages to open, follow and close a round; status.py is
what other code asks ("who was sampled in the open round?")."""
from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/supervisor/rounds")

from . import views  # noqa: E402,F401
