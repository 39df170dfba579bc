"""Special groups' ledger (masked), one person's needs and visit log, the door-to-door list."""
from collections import Counter

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..inputs import parse_id
from ..models import CareNeed, Person
from ..models.followup import NEEDS
from ..supervisor.periods import requested_day
from ..access import scoped_or_404
from . import bp, categories
from .care import (CareError, add_need, add_visit, door_to_door, end_need,
                   parse_local_time, special_people)
from .person_page import change_person, person_page
from .problems import community_users


@bp.get("/special")
@role_required("supervisor")
def special():
    """The ledger of special groups, filtered by group and need; names masked."""
    cid = current_user.community_id
    groups = categories.codes(cid)
    group = request.args.get("group") if request.args.get("group") in groups else None
    need = request.args.get("need") if request.args.get("need") in NEEDS else None
    rows = special_people(current_user.community_id, group, need)
    # The page's summary: people per group and per need (of the rows shown).
    counts = {"groups": Counter(g for _p, groups, _n in rows for g in groups),
              "needs": Counter(n.need for _p, _g, needs in rows for n in needs)}
    by_compound: dict[str, list] = {}
    for row in rows:
        by_compound.setdefault(row[0].compound or "", []).append(row)
    return render_template("review/special.html", rows=rows, counts=counts, by_compound=by_compound,
                           group=group, need=need, groups=groups, needs=NEEDS,
                           category_names=categories.names(cid))


@bp.get("/special/<int:person_id>")
@role_required("supervisor")
def person(person_id):
    """One person's needs and visit log, with the forms to add to them."""
    return person_page(scoped_or_404(Person, person_id))


@bp.post("/special/<int:person_id>/needs")
@role_required("supervisor")
def need_add(person_id):
    """Record a need of the person."""
    found = scoped_or_404(Person, person_id)
    return change_person(found, lambda: add_need(found, request.form.get("need", ""),
                                                 request.form.get("note", "")), CareError)


@bp.post("/special/needs/<int:need_id>/end")
@role_required("supervisor")
def need_end(need_id):
    """The need is met or gone: it leaves the ledger and the door-to-door list."""
    need = scoped_or_404(CareNeed, need_id)
    end_need(need)
    db.session.commit()
    return redirect(url_for(".person", person_id=need.person_id))


@bp.post("/special/<int:person_id>/visits")
@role_required("supervisor")
def visit_add(person_id):
    """Log a home visit: who went, when, what was done."""
    found = scoped_or_404(Person, person_id)
    users = community_users(current_user.community_id)
    visitor = parse_id(request.form.get("visitor_id")) if request.form.get("visitor_id") else current_user.id

    def visit():
        if visitor not in users:
            raise CareError(_l("Choose who visited."))
        add_visit(found, visitor, parse_local_time(request.form.get("visited_at", "")),
                  request.form.get("need") or None, request.form.get("done", ""))
    return change_person(found, visit, CareError, "visits")


@bp.get("/special/door-to-door")
@role_required("supervisor")
def door_list():
    """People needing door-to-door sampling not yet sampled on the day, by building, unit, room."""
    day = requested_day()
    return render_template("review/door_to_door.html", day=day,
                           units=door_to_door(current_user.community_id, day))
