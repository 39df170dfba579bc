"""The lab's side of the road to the lab: a lab account confirms receipt of the transfer boxes
(and loose tubes) handed to it, by scanner or CSV; it sees nothing else (access.lab_guard)."""
from flask import Blueprint

bp = Blueprint("lab", __name__, url_prefix="/lab")

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views",)
