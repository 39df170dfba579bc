"""Supervisor pages of the quarantine ledger: who is placed, placing a household's resident,
ending early, extending, and the resident's self-report link (QR)."""
import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..clock import local_day, local_today, zone
from ..errors import page_error
from ..extensions import db
from ..inputs import InputError, parse_day, parse_id, parse_time
from ..models import Person, Placement, utcnow
from ..supervisor.periods import day_message
from . import bp
from .assignments import responsible_worker
from .households import add_daily_needs, add_need, household_of, place_household
from .quarantine import LedgerError, due_slots, end_early, extend, place, readings_of, reports_of
from .selfreport_links import link_token


@bp.get("/ledgers/quarantine")
@role_required("supervisor")
def quarantine():
    """Running and coming placements, and a household search to place a resident."""
    now = utcnow()
    today = local_day(now)
    placements = db.session.scalars(scoped(Placement).where(
        Placement.end_date >= today, Placement.ended_early_at.is_(None))
        .order_by(Placement.end_date, Placement.id)).all()
    rows = [{"placement": p, "worker": responsible_worker(p),
             "missed": sum(1 for *_x, missed in due_slots(p, now) if missed)} for p in placements]
    household = {k: request.args.get(k, "").strip() for k in ("building", "unit", "room")}
    residents = []
    if household["building"]:
        query = scoped(Person).where(Person.in_roster.is_(True), Person.building == household["building"])
        for name in ("unit", "room"):
            if household[name]:
                query = query.where(getattr(Person, name) == household[name])
        residents = db.session.scalars(query.order_by(Person.unit, Person.room, Person.id).limit(50)).all()
    return render_template("ledgers/quarantine.html", rows=rows, household=household,
                           residents=residents, today=today)


@bp.post("/ledgers/quarantine")
@role_required("supervisor")
def quarantine_place():
    """Place one roster resident under quarantine or monitoring (audited)."""
    person = scoped_or_404(Person, parse_id(request.form.get("person_id")))
    try:
        start = parse_day(request.form.get("start")) if request.form.get("start") else local_today()
    except InputError:
        return render_template("error.html", message=day_message()), 400
    try:
        days = request.form.get("days", type=int) or _default_days()
        placement = place(person, request.form.get("kind", "quarantine"), request.form.get("reason", ""),
                          start, days, current_user)
        _household_needs(placement)
    except LedgerError as problem:
        db.session.rollback()
        return page_error(400, str(problem)), 400
    db.session.commit()
    flash(_("Placed from %(start)s to %(end)s.", start=placement.start_date, end=placement.end_date))
    return redirect(url_for(".placement", placement_id=placement.id))


@bp.post("/ledgers/quarantine/household")
@role_required("supervisor")
def quarantine_place_household():
    """Place every roster resident of a household at once (its door sensor follows the
    address; under quarantine its meals and rubbish become the worker's tasks), audited."""
    form = request.form
    try:
        start = parse_day(form.get("start")) if form.get("start") else local_today()
    except InputError:
        return render_template("error.html", message=day_message()), 400
    try:
        days = form.get("days", type=int) or _default_days()
        placements = place_household(current_user.community_id, form.get("building", "").strip(),
                                     form.get("unit", "").strip(), form.get("room", "").strip(),
                                     form.get("kind", "quarantine"), form.get("reason", ""), start, days,
                                     current_user)
    except LedgerError as problem:
        db.session.rollback()
        return page_error(400, str(problem)), 400
    db.session.commit()
    flash(_("%(n)s residents placed from %(start)s to %(end)s.", n=len(placements),
            start=placements[0].start_date, end=placements[0].end_date))
    return redirect(url_for(".quarantine"))


def _default_days() -> int:
    return current_app.config["QUARANTINE_DAYS"]


def _placement(placement_id: int) -> Placement:
    return scoped_or_404(Placement, placement_id)


@bp.get("/ledgers/quarantine/<int:placement_id>")
@role_required("supervisor")
def placement(placement_id):
    """One placement: its reports, what is due, and the actions."""
    placement = _placement(placement_id)
    now = utcnow()
    return render_template("ledgers/placement.html", placement=placement, now=now,
                           reports=reports_of(placement), due=due_slots(placement, now),
                           readings=readings_of(placement),
                           worker=responsible_worker(placement), today=local_day(now))


@bp.post("/ledgers/quarantine/<int:placement_id>/end")
@role_required("supervisor")
def placement_end(placement_id):
    """End a placement early (audited)."""
    return _change(placement_id, lambda p: end_early(p, utcnow(), current_user,
                                                      request.form.get("note", "")))


@bp.post("/ledgers/quarantine/<int:placement_id>/extend")
@role_required("supervisor")
def placement_extend(placement_id):
    """Extend a placement by some days (audited)."""
    days = request.form.get("days", type=int) or 0

    def longer(placement):
        extend(placement, days, local_today(), current_user, request.form.get("note", ""))
        _household_needs(placement)
    return _change(placement_id, longer)


def _household_needs(placement: Placement) -> None:
    """A quarantined resident's household gets its daily needs for every day of the placement
    (those it has already are kept: placing the whole household adds them the same way)."""
    if placement.kind == "quarantine":
        add_daily_needs(placement.community_id, household_of(placement.person), placement.start_date,
                        placement.end_date, current_user)


def _change(placement_id, action):
    placement = _placement(placement_id)
    try:
        action(placement)
    except LedgerError as problem:
        db.session.rollback()
        return page_error(400, str(problem)), 400
    db.session.commit()
    return redirect(url_for(".placement", placement_id=placement.id))


@bp.post("/ledgers/quarantine/<int:placement_id>/need")
@role_required("supervisor")
def placement_need(placement_id):
    """A need of the placement's household at a time (medicine, other...): a task for the
    building's worker (audited; the note encrypted)."""
    placement = _placement(placement_id)
    try:
        due = parse_time(request.form.get("due_at", ""), zone())
    except InputError:
        return page_error(400, _("Enter the date and time it is due.")), 400
    return _change(placement.id, lambda p: add_need(
        p.community_id, household_of(p.person), request.form.get("kind", ""), due,
        request.form.get("note", ""), current_user))


@bp.post("/ledgers/quarantine/<int:placement_id>/link")
@role_required("supervisor")
def placement_link(placement_id):
    """The resident's self-report link and its QR code, to print or send (audited)."""
    placement = _placement(placement_id)
    url = url_for(".self_report", token=link_token(placement), _external=True)
    audit("self_report_link_issued", target=f"placement:{placement.id}")
    db.session.commit()
    qr = segno.make_qr(url, error="m").svg_data_uri(scale=4, border=4)
    return render_template("ledgers/link.html", placement=placement, url=url, qr=qr)
