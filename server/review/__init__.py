"""The community's evening review (复盘整改) and its ledgers: problems carried over until fixed,
work groups, special groups' needs and home visits. Supervisor (or admin) pages, every query
scoped to the user's community (access.scoped)."""
from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/supervisor")



# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("views_care", "views_categories", "views_review", "views_workgroups")
