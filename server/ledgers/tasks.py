"""/tasks: the worker's own list on the phone: open Flags, retests and temperature reports of
the residents of the buildings assigned to them (masked), and entering a report for one."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit import audit
from ..extensions import db
from ..inputs import parse_id
from ..models import Flag, Person, Placement, Retest, utcnow
from . import bp
from .assignments import buildings_of
from .quarantine import LedgerError, active_filter, due_slots, local_day, record_report


def my_tasks(user, now) -> dict:
    """What the buildings of `user` need from them now."""
    buildings = buildings_of(user)
    mine = (Person.community_id == user.community_id, Person.building.in_(buildings))
    flags = db.session.execute(select(Flag, Person).join(Person, Person.id == Flag.person_id)
                               .where(*mine, Flag.resolved_at.is_(None))
                               .order_by(Flag.created_at.desc())).all()
    retests = db.session.execute(select(Retest, Person).join(Person, Person.id == Retest.person_id)
                                 .where(*mine, Retest.status != "closed")
                                 .order_by(Retest.created_at)).all()
    placements = db.session.scalars(select(Placement).join(Person, Person.id == Placement.person_id)
                                    .where(*mine, *active_filter(local_day(now)))
                                    .order_by(Person.building, Person.unit, Person.room)).all()
    reports = [{"placement": p, "due": due_slots(p, now)} for p in placements]
    return {"buildings": buildings, "flags": flags, "retests": retests, "reports": reports}


@bp.get("/tasks")
@login_required
def tasks():
    """The logged-in worker's tasks."""
    return render_template("ledgers/tasks.html", **my_tasks(current_user, utcnow()))


@bp.post("/tasks/report")
@login_required
def tasks_report():
    """The worker enters a resident's temperature for the current slot (audited)."""
    placement = db.session.scalar(select(Placement).join(Person, Person.id == Placement.person_id).where(
        Placement.id == parse_id(request.form.get("placement_id")),
        Person.community_id == current_user.community_id,
        Person.building.in_(buildings_of(current_user))))
    if placement is None:
        abort(404)
    try:
        record_report(placement, request.form.get("temperature", ""), utcnow(), "worker",
                      user=current_user)
    except LedgerError as problem:
        db.session.rollback()
        flash(str(problem))
        return redirect(url_for(".tasks"))
    audit("temperature_worker_reported", target=f"placement:{placement.id}")
    db.session.commit()
    flash(_("Temperature recorded."))
    return redirect(url_for(".tasks"))


@bp.get("/shell/tasks")
def tasks_shell():
    """The task list without any user or session data: the offline copy the service worker keeps."""
    return render_template("ledgers/tasks_shell.html", shell=True)
