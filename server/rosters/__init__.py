"""Duty rosters (值班排班) of the community's gates: the supervisor builds a gate's week from a
template and rosters people by tap; the board flags understaffed and uncovered shifts; the
gate screen shows who is on duty and who takes over; presence comes from sign-ins and passages.
Supervisor (or admin) pages, every query scoped to the user's community."""
from flask import Blueprint

bp = Blueprint("rosters", __name__, url_prefix="/supervisor/rosters")

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views",)
