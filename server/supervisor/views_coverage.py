"""Coverage of a sampling round (不漏一户、不落一人): the roster against who was sampled, per
compound, building and unit, with the not-yet-sampled people and special groups first."""
from flask import render_template, request
from flask_login import current_user

from ..access import role_required, scoped
from ..extensions import db
from ..models import Person
from ..review.categories import names
from ..rounds.coverage import coverage, sampled_people  # noqa: F401
from ..rounds.status import coverage_for_day, in_scope, is_priority, priority_tags
from . import bp
from .periods import requested_day


@bp.get("/coverage")
@role_required("supervisor")
def coverage_page():
    """Roster against samples of one day; not-yet-sampled people of one building on demand."""
    day = requested_day()
    data, rnd = coverage_for_day(current_user.community_id, day)
    building = request.args.get("building") or None
    special = db.session.scalars(scoped(Person).where(Person.id.in_(data["missing_special"][:500]))
                                 .order_by(Person.building, Person.unit, Person.room)).all()
    missing = []
    if building:
        include = in_scope(rnd) if rnd else None
        missing = [p for p in db.session.scalars(
            scoped(Person).where(Person.building == building, Person.in_roster.is_(True))
            .order_by(Person.unit, Person.room, Person.id)) if p.id not in data["sampled_ids"]
            and (include is None or include(p.compound, p.building, p.tags))]
        priority = priority_tags(current_user.community_id)
        missing.sort(key=lambda p: not is_priority(p.tags, priority))  # special groups first (stable)
    # {compound: {building: [total, sampled]}} and {compound: [total, sampled]}: the page
    # summarises per compound and folds the buildings of each.
    buildings: dict[str, dict[str, list[int]]] = {}
    compounds: dict[str, list[int]] = {}
    for (compound, b, _unit), (total, done) in data["units"].items():
        for counts in (buildings.setdefault(compound, {}).setdefault(b, [0, 0]),
                       compounds.setdefault(compound, [0, 0])):
            counts[0] += total
            counts[1] += done
    return render_template("supervisor/coverage.html", day=day, data=data, rnd=rnd,
                           category_names=names(current_user.community_id),
                           buildings_by_compound=buildings, compounds=compounds,
                           building=building, missing=missing, special=special,
                           special_count=len(data["missing_special"]))
