"""/ledgers/buildings: the supervisor gives each building of the roster to one worker (网格)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import role_required, scoped, scoped_or_404
from ..extensions import db
from ..inputs import parse_id
from ..models import BuildingAssignment, Person, User
from . import bp
from .assignments import assign, unassign


@bp.get("/ledgers/buildings")
@role_required("supervisor")
def buildings():
    """Every building of the roster with its households and residents counted, and its worker."""
    cid = current_user.community_id
    # A household is a unit and room of the building (residents of one flat live together).
    household = func.coalesce(Person.unit, "") + "/" + func.coalesce(Person.room, "")
    counts = db.session.execute(
        select(Person.building, func.min(Person.compound), func.count(), func.count(func.distinct(household)))
        .where(Person.community_id == cid, Person.in_roster.is_(True), Person.building.is_not(None))
        .group_by(Person.building).order_by(Person.building)).all()
    assigned = {a.building: a for a in db.session.scalars(scoped(BuildingAssignment))}
    workers = db.session.scalars(scoped(User).where(User.active.is_(True))
                                 .order_by(User.role, User.username)).all()
    by_compound: dict[str, list] = {}  # the page folds its buildings per compound
    for building, compound, people, households in counts:
        by_compound.setdefault(compound or "", []).append((building, people, households))
    return render_template("ledgers/buildings.html", by_compound=by_compound, assigned=assigned,
                           workers=workers, buildings=len(counts))


@bp.post("/ledgers/buildings")
@role_required("supervisor")
def buildings_assign():
    """Give a building to a worker, or take it back (empty worker); audited."""
    cid = current_user.community_id
    building = request.form.get("building", "").strip()
    known = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.community_id == cid, Person.building == building))
    if not building or not known:
        abort(404)
    user_id = parse_id(request.form.get("user_id"))
    if user_id:
        user = scoped_or_404(User, user_id, User.active.is_(True))
        assign(cid, building, user)
        flash(_("Building %(building)s: %(worker)s.", building=building,
                worker=user.display_name or user.username))
    elif unassign(cid, building):
        flash(_("Building %(building)s has no worker now.", building=building))
    db.session.commit()
    return redirect(url_for(".buildings"))
