"""/tasks: the worker's day on the phone: open alerts (resolved here with a note), due
temperature readings, the household needs (meals, rubbish, medicine), visits and retests of
the residents of the buildings assigned to them, or of the grid they lead (masked).

The page is made of sections, one template include each (templates/ledgers/tasks/). Readings,
visit notes and needs done are records of the phone's outbox (static/js/tasks.js), the same
online and offline; the report form below is the path without JavaScript."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from offline.text import clean_note
from ..audit import audit
from ..clock import local_day
from ..extensions import db
from ..inputs import parse_id
from ..models import Flag, Person, Placement, Retest, utcnow
from . import bp
from .grids import task_buildings
from .households import needs_of
from .quarantine import LedgerError, active_filter, due_slots, record_report


def _mine(user, buildings):
    return (Person.community_id == user.community_id, Person.building.in_(buildings))


def my_flags(user, buildings):
    """Open Flags about the residents (or a household's door) of `buildings`."""
    return db.session.execute(select(Flag, Person).join(Person, Person.id == Flag.person_id)
                              .where(*_mine(user, buildings), Flag.resolved_at.is_(None))
                              .order_by(Flag.created_at.desc(), Flag.id.desc())).all()


def latest_alert(user) -> dict:
    """The newest open alert routed to `user` and how many are open: what the open page polls
    (two small indexed queries; no personal data)."""
    buildings = task_buildings(user)
    if not buildings:
        return {"latest": 0, "open": 0}
    latest, count = db.session.execute(
        select(func.max(Flag.id), func.count(Flag.id)).join(Person, Person.id == Flag.person_id)
        .where(*_mine(user, buildings), Flag.resolved_at.is_(None))).one()
    return {"latest": latest or 0, "open": count}


def my_tasks(user, now) -> dict:
    """What the buildings of `user` (their own and their grid's) need from them now."""
    buildings = task_buildings(user)
    mine = _mine(user, buildings)
    flags = my_flags(user, buildings)
    retests = db.session.execute(select(Retest, Person).join(Person, Person.id == Retest.person_id)
                                 .where(*mine, Retest.status != "closed")
                                 .order_by(Retest.created_at)).all()
    placements = db.session.scalars(select(Placement).join(Person, Person.id == Placement.person_id)
                                    .where(*mine, *active_filter(local_day(now)))
                                    .order_by(Person.building, Person.unit, Person.room, Person.id)).all()
    reports = [{"placement": p, "due": due_slots(p, now)} for p in placements]
    needs = needs_of(user.community_id, buildings, local_day(now))
    return {"buildings": buildings, "flags": flags, "retests": retests, "reports": reports,
            "needs": needs, "latest_alert": max((f.id for f, _p in flags), default=0)}


def _my_flag(flag_id: int) -> Flag:
    buildings = task_buildings(current_user)
    flag = db.session.scalar(select(Flag).join(Person, Person.id == Flag.person_id).where(
        Flag.id == flag_id, *_mine(current_user, buildings)))
    if flag is None:
        abort(404)
    return flag


@bp.get("/tasks")
@login_required
def tasks():
    """The logged-in worker's tasks."""
    return render_template("ledgers/tasks.html", **my_tasks(current_user, utcnow()))


@bp.get("/tasks/alerts")
@login_required
def tasks_alerts():
    """The alerts section alone: the page swaps it in when a new alert arrives."""
    found = my_tasks(current_user, utcnow())
    return render_template("ledgers/tasks/_alerts.html", **found)


@bp.post("/tasks/flags/<int:flag_id>/resolve")
@login_required
def tasks_resolve(flag_id: int):
    """The worker resolves an alert of their own buildings with a note (encrypted on the Flag;
    the audit trail keeps the kind only)."""
    flag = _my_flag(flag_id)
    note = clean_note(request.form.get("note", ""))[:500]
    if not note:
        flash(_("Write a note saying how it was resolved."))
        return redirect(url_for(".tasks") + f"#flag-{flag.id}")
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by, flag.resolution_note = utcnow(), current_user.id, note
        audit("resolve_flag", target=f"flag:{flag.id}", kind=flag.kind)
        db.session.commit()
        flash(_("Alert resolved."))
    return redirect(url_for(".tasks"))


@bp.post("/tasks/report")
@login_required
def tasks_report():
    """The worker enters a resident's temperature for the current slot (audited). Without
    JavaScript only: the page otherwise sends a temperature_reading record."""
    placement = db.session.scalar(select(Placement).join(Person, Person.id == Placement.person_id).where(
        Placement.id == parse_id(request.form.get("placement_id")),
        *_mine(current_user, task_buildings(current_user))))
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
