"""/scan: try the camera, a photo and a wedge scanner, and see what each code is classified as.

Useful in the field to check a phone's camera or a USB scanner before a shift; it records nothing."""
from flask import render_template
from flask_login import login_required

from ..access import scoped
from ..extensions import db
from ..models import Site
from . import bp


@bp.get("/scan")
@login_required
def scan_check():
    """The scanning test page (nothing is stored)."""
    sites = db.session.scalars(scoped(Site).order_by(Site.code)).all()
    return render_template("scan.html", sites=sites)
