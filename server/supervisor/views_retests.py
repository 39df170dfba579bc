"""The retest list (单采复核): members of positive and invalid pools, followed to closure."""
from collections import Counter

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..errors import page_error
from ..extensions import db
from ..models import LabResult, Retest, Tube, utcnow
from ..models.sampling import RESULTS, RETEST_STATUSES
from ..htmx import is_htmx
from . import bp


def retest_rows(community_id: int | None = None, only_open: bool = False) -> list:
    """(Retest, tube barcode, pool result) of the community, oldest first."""
    query = (scoped(Retest, community_id)
             .add_columns(Tube.barcode, LabResult.result)
             .join(Tube, Tube.id == Retest.tube_id).join(LabResult, LabResult.id == Retest.lab_result_id)
             .options(joinedload(Retest.person)).order_by(Retest.created_at, Retest.id))
    if only_open:
        query = query.where(Retest.status != "closed")
    return db.session.execute(query).all()


@bp.get("/retests")
@role_required("supervisor")
def retests():
    """Everyone to retest, masked, with their address and where they stand."""
    return _retests_page()


def _retests_page(revealed: dict | None = None):
    show = request.args.get("show", "open")
    rows = retest_rows(only_open=show != "all")
    pools: dict[tuple, list] = {}  # the page folds its people per pool (tube)
    for row in rows:
        pools.setdefault((row[1], row[2]), []).append(row)
    return render_template("supervisor/retests.html", rows=rows, pools=pools, show=show, statuses=RETEST_STATUSES,
                           results=RESULTS, revealed=revealed or {},
                           counts=Counter(retest.status for retest, _b, _p in rows))


def _retest(retest_id: int) -> Retest:
    return scoped_or_404(Retest, retest_id)


@bp.post("/retests/<int:retest_id>/phone")
@role_required("supervisor")
def retest_phone(retest_id):
    """Reveal one person's phone (audited) as a fragment."""
    retest = _retest(retest_id)
    audit("reveal_phone", target=f"person:{retest.person_id}", retest=retest.id)
    db.session.commit()
    if not is_htmx():
        # Tapped before htmx loaded (slow phone): the whole list, with this phone shown.
        return _retests_page(revealed={retest.id: retest.person.phone})
    return render_template("supervisor/_phone.html", phone=retest.person.phone)


@bp.post("/retests/<int:retest_id>")
@role_required("supervisor")
def retest_update(retest_id):
    """Move a retest forward (contacted, retested, closed with a result), audited."""
    retest = _retest(retest_id)
    status = request.form.get("status", "")
    result = request.form.get("result") or None
    error = None
    if status not in RETEST_STATUSES or RETEST_STATUSES.index(status) < RETEST_STATUSES.index(retest.status):
        error = _("A retest only moves forward: pending, contacted, retested, closed.")
    elif result is not None and result not in RESULTS:
        error = _("Unknown result.")
    elif status == "closed" and (result or retest.result) is None:
        error = _("Give the individual result to close a retest.")
    if error is None:
        audit("retest_status", target=f"retest:{retest.id}", status_from=retest.status, status_to=status,
              result=result or retest.result)
        retest.status = status
        retest.result = result or retest.result
        retest.updated_at = utcnow()
        db.session.commit()
    if is_htmx():
        barcode = db.session.scalar(select(Tube.barcode).where(Tube.id == retest.tube_id))
        pool = db.session.scalar(select(LabResult.result).where(LabResult.id == retest.lab_result_id))
        return render_template("supervisor/_retest_row.html", retest=retest, barcode=barcode,
                               pool=pool, statuses=RETEST_STATUSES, results=RESULTS, error=error)
    if error:
        return page_error(400, error), 400
    return redirect(url_for(".retests"))
