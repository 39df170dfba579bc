"""The lab's side of the road to the lab: a lab account confirms receipt of the transfer boxes
(and loose tubes) handed to it, by scanner or CSV; it sees nothing else (access.lab_guard)."""
from flask import Blueprint

bp = Blueprint("lab", __name__, url_prefix="/lab")

from . import views  # noqa: E402,F401
