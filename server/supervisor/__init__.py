"""The community supervisor's pages: lab results, retests, exports, the board, devices.

Every view needs the supervisor (or admin) role and every query goes through access.scoped,
so a supervisor sees their own community only."""
from flask import Blueprint

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views_board", "views_coverage", "views_dashboard", "views_devices", "views_exports",
         "views_handover", "views_results", "views_retests")
