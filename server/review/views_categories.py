"""The special groups' categories of the community, and adding people to special groups from
a page: find a resident by address, tick their categories, keep a guardian's contact."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ..access import role_required, scoped, scoped_or_404
from ..extensions import db
from ..models import Person
from . import bp, categories
from .categories import CategoryError
from .person_page import change_person

MAX_FOUND = 50


def _categories_page(error=None, status=200):
    cid = current_user.community_id
    return render_template("review/categories.html", rows=categories.categories(cid, active_only=False),
                           error=error), status


@bp.get("/special/categories")
@role_required("supervisor")
def special_categories():
    """The community's categories: rename, switch off, mark as sampled at home, add."""
    return _categories_page()


@bp.post("/special/categories")
@role_required("supervisor")
def special_category_add():
    try:
        categories.add_category(current_user.community_id, request.form.get("name", ""),
                                request.form.get("home_sampling") == "1")
    except CategoryError as error:
        return _categories_page(str(error), 400)
    db.session.commit()
    return redirect(url_for(".special_categories"))


@bp.post("/special/categories/edit")
@role_required("supervisor")
def special_category_edit():
    try:
        categories.update_category(current_user.community_id, request.form.get("code", ""),
                                   request.form.get("name", ""), request.form.get("active") == "1",
                                   request.form.get("home_sampling") == "1")
    except CategoryError as error:
        return _categories_page(str(error), 400)
    db.session.commit()
    return redirect(url_for(".special_categories"))


@bp.get("/special/find")
@role_required("supervisor")
def special_find():
    """Residents of an address (building, and unit and room when given), masked, each with a
    link to their page where their categories are set."""
    building = (request.args.get("building") or "").strip()[:20]
    unit = (request.args.get("unit") or "").strip()[:20]
    room = (request.args.get("room") or "").strip()[:20]
    people = []
    if building:
        query = scoped(Person).where(Person.building == building, Person.in_roster.is_(True))
        if unit:
            query = query.where(Person.unit == unit)
        if room:
            query = query.where(Person.room == room)
        people = db.session.scalars(query.order_by(Person.unit, Person.room, Person.id).limit(MAX_FOUND)).all()
    return render_template("review/find.html", people=people, building=building, unit=unit, room=room,
                           category_names=categories.names(current_user.community_id), limit=MAX_FOUND)


@bp.post("/special/<int:person_id>/groups")
@role_required("supervisor")
def special_groups_set(person_id):
    """The person's special-group categories, as ticked."""
    found = scoped_or_404(Person, person_id)
    return change_person(found, lambda: categories.set_person_categories(
        found, request.form.getlist("category")), CategoryError)


@bp.post("/special/<int:person_id>/contact")
@role_required("supervisor")
def special_contact_save(person_id):
    """A child's or guardian's contact (encrypted at rest, masked on the page)."""
    found = scoped_or_404(Person, person_id)
    return change_person(found, lambda: categories.save_contact(
        found, request.form.get("relation", ""), request.form.get("name", ""), request.form.get("phone", ""),
        current_user.id, remove=request.form.get("remove") == "1"), CategoryError, "contact")
