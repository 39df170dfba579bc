"""/people/codes: a supervisor issues personal QR codes from the roster and prints them."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select

from ..access import role_required, scoped
from ..audit import audit
from ..extensions import db
from ..models import Person
from .personal_codes import ensure_code, qr_svg_data_uri
from . import bp
from .registrations import pending_count

# A sheet is printed per building; more than this would be a print job nobody waits for.
MAX_SHEET = 500


@bp.get("/people/codes")
@role_required("supervisor")
def codes():
    """Buildings of the roster with how many people already hold a code."""
    rows = db.session.execute(
        select(Person.building, func.count(),
               func.sum(case((Person.personal_code.is_not(None), 1), else_=0)), func.min(Person.compound))
        .where(Person.community_id == current_user.community_id, Person.building.is_not(None))
        .group_by(Person.building).order_by(Person.building)).all()
    buildings = [{"building": b, "people": n, "with_code": int(w or 0), "compound": c or ""}
                 for b, n, w, c in rows]
    return render_template("residents/codes.html", buildings=buildings,
                           pending=pending_count(current_user.community_id))


@bp.post("/people/codes")
@role_required("supervisor")
def issue_codes():
    """Issue a code to everyone of one building who has none; then show its print sheet."""
    building = request.form.get("building", "")
    people = db.session.scalars(scoped(Person).where(Person.building == building)).all()
    if not people:
        abort(404)
    issued = sum(1 for person in people if not person.personal_code and ensure_code(person))
    audit("personal_codes_issued", target=f"building:{building}", issued=issued)
    db.session.commit()
    flash(_("%(count)d codes issued for building %(building)s.", count=issued, building=building))
    return redirect(url_for("residents.sheet", building=building))


@bp.get("/people/codes/sheet")
@role_required("supervisor")
def sheet():
    """A printable sheet of one building's codes: masked name, address, QR."""
    building = request.args.get("building", "")
    people = db.session.scalars(
        scoped(Person).where(Person.building == building, Person.personal_code.is_not(None))
        .order_by(Person.unit, Person.room, Person.id).limit(MAX_SHEET)).all()
    cards = [{"person": p, "svg": qr_svg_data_uri(p.personal_code, scale=4)} for p in people]
    audit("personal_codes_printed", target=f"building:{building}", count=len(cards))
    db.session.commit()
    return render_template("residents/sheet.html", building=building, cards=cards)
