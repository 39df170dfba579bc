"""The community supervisor's pages: lab results, retests, exports, the board, devices.

Every view needs the supervisor (or admin) role and every query goes through access.scoped,
so a supervisor sees their own community only."""
from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


LABELS = {
    "tube": _l("Tube barcode"), "result": _l("Result"), "reported_at": _l("Reported at"),
    "negative": _l("Negative"), "positive": _l("Positive"), "invalid": _l("Invalid"),
    "pending": _l("Pending"), "contacted": _l("Contacted"), "retested": _l("Retested"),
    "closed": _l("Closed"),
}


@bp.context_processor
def labels():
    def label(key):
        return LABELS.get(key, key or "")
    return {"field_label": label, "result_label": label, "status_label": label}


from . import board, coverage, dashboard, devices, exports, results, retests  # noqa: E402,F401
