"""The community's evening review (复盘整改) and its ledgers: problems carried over until fixed,
work groups, special groups' needs and home visits. Supervisor (or admin) pages, every query
scoped to the user's community (access.scoped)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("review", __name__, url_prefix="/supervisor")

GROUP_LABELS = {
    "data_checking": _l("Data checking"), "reporting": _l("Reporting"), "sampling": _l("Sampling"),
    "data_summary": _l("Data summary"), "home_service": _l("Home service"),
    "gate_control": _l("Gate control"),
}
NEED_LABELS = {
    "medicine": _l("Medicine"), "groceries": _l("Groceries"),
    "door_sampling": _l("Door-to-door sampling"), "other": _l("Other"),
}
SPECIAL_LABELS = {
    "elderly-alone": _l("Elderly living alone"), "disabled": _l("Disabled"),
    "chronic": _l("Chronically ill"), "pregnant": _l("Pregnant"),
}


@bp.context_processor
def labels():
    return {"group_labels": GROUP_LABELS, "need_labels": NEED_LABELS, "special_labels": SPECIAL_LABELS}


from . import views_care, views_review, views_workgroups  # noqa: E402,F401
