"""Sampling-point pages: the offline capture screen and today's tubes (online)."""
from flask import render_template, request
from sqlalchemy import func, select

from scanner.classify import DEFAULT_TUBE_PATTERN
from ..access import role_required, scoped, scoped_or_404
from ..clock import day_range
from ..extensions import db
from ..htmx import is_htmx
from ..models import Flag, Sample, Site, Tube, utcnow
from . import bp


def _sampling_point(site_id: int) -> Site:
    """A sampling point of the user's community, or 404 (never another community's)."""
    return scoped_or_404(Site, site_id, Site.kind == "sampling_point")


@bp.get("/<int:site_id>")
@role_required("clerk")
def capture(site_id):
    """The capture screen: tubes and people scanned into the phone's outbox (works offline)."""
    site = _sampling_point(site_id)
    return render_template("sampling/capture.html", site=site,
                           tube_pattern=site.tube_pattern or DEFAULT_TUBE_PATTERN)


@bp.get("/<int:site_id>/tubes")
@role_required("clerk")
def tubes(site_id):
    """Today's tubes at this point with their counts and status; htmx gets the list alone."""
    site = _sampling_point(site_id)
    query = (request.args.get("q") or "").strip().upper()[:64]
    start, end = day_range(utcnow())
    where = [Tube.site_id == site.id, Tube.opened_at >= start, Tube.opened_at < end]
    if query:
        where.append(Tube.barcode.contains(query, autoescape=True))
    rows = db.session.scalars(scoped(Tube).where(*where).order_by(Tube.opened_at.desc())).all()
    counts = dict(db.session.execute(
        select(Sample.tube_id, func.count()).where(
            Sample.tube_id.in_([t.id for t in rows]), Sample.voided_at.is_(None))
        .group_by(Sample.tube_id)).all()) if rows else {}
    reopened: dict = {}
    if rows:
        # Reopened tubes stay marked, with the clerk's reason, for whoever reconciles them.
        for tube_id, note in db.session.execute(select(Flag.tube_id, Flag.note).where(
                Flag.kind == "tube_reopened", Flag.tube_id.in_([t.id for t in rows]))):
            reopened.setdefault(tube_id, []).append(note or "")
    context = {"site": site, "tubes": rows, "counts": counts, "q": query, "reopened": reopened}
    if is_htmx():
        return render_template("sampling/_tubes.html", **context)
    return render_template("sampling/tubes.html", **context)
