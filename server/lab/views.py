"""The lab's pages: its boxes, a scanner input to confirm receipt, a CSV upload, one box's
tubes with their results (the loop closed per tube)."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import role_required
from ..audit import audit
from ..extensions import db
from ..supervisor.labresults import parse_time
from ..models import Box, Tube, utcnow
from ..tables import TableError
from . import bp
from .receipt import parse_receipts, receive, valid_barcode, visible_boxes

MAX_UPLOAD = 2 * 1024 * 1024


def _page(message=None, error=None, errors=(), status=200):
    boxes = db.session.scalars(visible_boxes(current_user).order_by(
        Box.received_at.is_not(None), Box.handed_over_at.desc(), Box.id.desc()).limit(200)).all()
    ids = [b.id for b in boxes]
    counts = dict(db.session.execute(select(Tube.box_id, func.count()).where(Tube.box_id.in_(ids))
                                     .group_by(Tube.box_id)).all()) if ids else {}
    resulted = dict(db.session.execute(select(Tube.box_id, func.count()).where(
        Tube.box_id.in_(ids), Tube.result.is_not(None)).group_by(Tube.box_id)).all()) if ids else {}
    return render_template("lab/home.html", boxes=boxes, counts=counts, resulted=resulted,
                           message=message, error=error, errors=errors), status


@bp.get("/")
@role_required("lab")
def home():
    """Boxes handed to this lab, those waiting first."""
    return _page()


@bp.post("/receive")
@role_required("lab")
def receive_one():
    """One scanned (or typed) box or tube barcode: received now."""
    barcode = request.form.get("barcode", "").strip()
    if not valid_barcode(barcode):
        return _page(error=_("Scan or type a box or tube barcode."), status=400)
    receipt = receive(current_user, barcode, utcnow())
    if receipt.kind == "unknown":
        return _page(error=_("No box or tube %(code)s was handed to this lab.", code=barcode), status=404)
    audit("lab_received", target=f"{receipt.kind}:{(receipt.box or receipt.tube).id}", new=receipt.new)
    db.session.commit()
    if receipt.kind == "box":
        message = (_("Box %(code)s received with %(n)s tubes.", code=barcode, n=receipt.tubes) if receipt.new
                   else _("Box %(code)s was already received.", code=barcode))
    else:
        message = (_("Tube %(code)s received.", code=barcode) if receipt.new
                   else _("Tube %(code)s was already received.", code=barcode))
    return _page(message=message)


@bp.post("/upload")
@role_required("lab")
def upload():
    """A CSV or XLSX of received barcodes (and times): all rows or none."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(error=_("Choose a CSV or Excel file."), status=400)
    data = file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _page(error=_("The file is too large (at most 2 MB)."), status=413)
    try:
        rows, errors = parse_receipts(data, file.filename, parse_time)
    except TableError as error:
        return _page(error=str(error), status=400)
    if not errors:
        now = utcnow()
        for line, barcode, at in rows:
            if receive(current_user, barcode, at or now).kind == "unknown":
                errors.append((line, _("no box or tube %(code)s was handed to this lab", code=barcode)))
    if errors:
        db.session.rollback()
        return _page(error=_("Nothing was recorded: correct these lines and upload again."),
                     errors=errors[:50], status=400)
    audit("lab_received_file", rows=len(rows))
    db.session.commit()
    return _page(message=_("%(n)s barcodes received.", n=len(rows)))


@bp.get("/boxes/<int:box_id>")
@role_required("lab")
def box(box_id):
    """One box's tubes: received, result."""
    found = db.first_or_404(visible_boxes(current_user).where(Box.id == box_id))
    tubes = db.session.scalars(select(Tube).where(Tube.box_id == found.id).order_by(Tube.barcode)).all()
    return render_template("lab/box.html", box=found, tubes=tubes)
