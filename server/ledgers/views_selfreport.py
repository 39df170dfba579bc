"""/q/<token>: a resident under quarantine or monitoring reports their temperature without an
account. The token is itsdangerous-signed with the app's SECRET_KEY and carries only the
placement id; a tampered, expired or foreign token gets a 404 page that says nothing more.
The page shows the resident's masked name and their own reports, nothing else."""
from flask import abort, current_app, redirect, render_template, request, url_for

from ..audit import audit
from ..clock import local_day
from ..extensions import db, limiter
from ..models import utcnow
from . import bp
from .quarantine import LedgerError, is_active, record_report, reports_of, slot_for
from .selfreport_links import placement_of


def _address_limit() -> str:
    return current_app.config["SELF_REPORT_RATE_LIMIT"]


def _link_limit() -> str:
    return current_app.config["SELF_REPORT_LINK_RATE_LIMIT"]


def _link_key() -> str:
    return "link:" + (request.view_args or {}).get("token", "")[:200]


# Reports are counted, page views are not (a resident behind a carrier's NAT shares an
# address with many others): per address a ceiling for a NAT, per link a resident's own pace.
@bp.route("/q/<token>", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_link_limit, methods=["POST"], key_func=_link_key)
def self_report(token):
    """The resident's own page: today's slot, a temperature field, their past reports."""
    placement = placement_of(token)
    if placement is None:
        abort(404)
    now = utcnow()
    error = None
    if request.method == "POST":
        try:
            record_report(placement, request.form.get("temperature", ""), now, "self")
            audit("temperature_self_reported", target=f"placement:{placement.id}",
                  community_id=placement.community_id)
            db.session.commit()
            return redirect(url_for(".self_report", token=token, done=1), code=303)
        except LedgerError as problem:
            db.session.rollback()
            error = str(problem)
    day, slot = slot_for(now)
    return render_template(
        "ledgers/self_report.html", placement=placement, name=placement.person.masked["name"],
        reports=[r for r in reports_of(placement) if r.temperature_c is not None],
        active=is_active(placement, local_day(now)), day=day, slot=slot, error=error,
        done=request.args.get("done") == "1" and error is None,
        value=request.form.get("temperature", "")), 400 if error else 200
