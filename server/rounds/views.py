"""Supervisor pages of sampling rounds: list and open, one round's progress, close."""
from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from offline.text import clean_line

from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..clock import local_today
from ..extensions import db
from ..inputs import InputError, parse_day
from ..ledgers.assignments import buildings_of
from ..models import Person, SamplingRound
from ..models.rounds import MAX_ROUND_DAYS
from ..review.categories import names
from . import bp
from .status import QUARANTINE_TAG, close_round, figures, not_yet_sampled, open_round, priority_tags, round_state


def _compounds(community_id: int) -> list[str]:
    return [c for c in db.session.scalars(select(Person.compound).where(
        Person.community_id == community_id, Person.in_roster.is_(True)).distinct()) if c]


def _buildings(community_id: int) -> list[str]:
    return sorted(b for b in db.session.scalars(select(Person.building).where(
        Person.community_id == community_id, Person.in_roster.is_(True)).distinct()) if b)


def _form_page(errors=(), form=None, status=200):
    cid = current_user.community_id
    rounds = db.session.scalars(scoped(SamplingRound).order_by(SamplingRound.start_day.desc(),
                                                               SamplingRound.id.desc()).limit(50)).all()
    today = local_today()
    form = form or {"name": "", "start_day": today.isoformat(), "end_day": (today + timedelta(days=1)).isoformat()}
    return render_template("rounds/list.html", rounds=rounds, errors=errors, form=form,
                           compounds=_compounds(cid), groups=_groups(cid), category_names=names(cid),
                           today=today), status


def _groups(community_id: int) -> list[str]:
    """The groups a round may cover: the community's special-group categories, then home quarantine."""
    return sorted(priority_tags(community_id), key=lambda g: (g == QUARANTINE_TAG, g))


@bp.get("/")
@role_required("supervisor")
def rounds():
    """Rounds of the community, newest first, and the form to open one."""
    return _form_page()


@bp.post("/")
@role_required("supervisor")
def round_open():
    """Open a round: a name, one to three local days, the scope. Bad input changes nothing."""
    cid = current_user.community_id
    form = request.form
    errors = []
    name = clean_line(form.get("name", ""))[:80]
    if not name:
        errors.append(_("Give the round a name (for example 第5轮)."))
    try:
        start, end = parse_day(form.get("start_day", "")), parse_day(form.get("end_day", ""))
    except InputError:
        start = end = None
        errors.append(_("Choose the first and last day (YYYY-MM-DD)."))
    if start and end and not 0 <= (end - start).days < MAX_ROUND_DAYS:
        errors.append(_("A round lasts one to three days, its last day not before its first."))
    known_compounds, known_buildings = set(_compounds(cid)), set(_buildings(cid))
    compounds = [c for c in form.getlist("compounds") if c]
    buildings = [b.strip() for b in form.get("buildings", "").replace("，", ",").split(",") if b.strip()]
    groups = [g for g in form.getlist("groups") if g]
    if not set(compounds) <= known_compounds or not set(groups) <= priority_tags(cid):
        errors.append(_("Choose compounds and groups from the lists."))
    unknown = [b for b in buildings if b not in known_buildings]
    if unknown:
        errors.append(_("No such building in the roster: %(buildings)s", buildings="、".join(unknown[:10])))
    if errors:
        return _form_page(errors, {"name": name, "start_day": form.get("start_day", ""),
                                   "end_day": form.get("end_day", ""), "buildings": form.get("buildings", ""),
                                   "compounds": compounds, "groups": groups}, 400)
    rnd = SamplingRound(community_id=cid, name=name, start_day=start, end_day=end, compounds=compounds,
                        buildings=buildings, groups=groups, opened_by=current_user.id)
    db.session.add(rnd)
    db.session.flush()
    audit("round_opened", target=f"round:{rnd.id}", start=start.isoformat(), end=end.isoformat())
    db.session.commit()
    return redirect(url_for(".round_page", round_id=rnd.id), 303)


@bp.get("/<int:round_id>")
@role_required("supervisor")
def round_page(round_id):
    """A round: progress per day (chart), per building, the not-yet-sampled people (special
    groups first) of the whole scope or of one building."""
    rnd = scoped_or_404(SamplingRound, round_id)
    state = None if rnd.closed_at else round_state(rnd)
    data = figures(rnd, state)
    building = request.args.get("building") or None
    if building is not None and building not in data["buildings"]:
        abort(404)
    missing = [] if rnd.closed_at else not_yet_sampled(rnd, [building] if building else None, limit=200,
                                                        state=state)
    return render_template("rounds/round.html", rnd=rnd, data=data, building=building, missing=missing,
                           priority=priority_tags(rnd.community_id), category_names=names(rnd.community_id),
                           top=max([d["new"] for d in data["days"]] + [1]))


@bp.post("/<int:round_id>/close")
@role_required("supervisor")
def round_close(round_id):
    """Close a round: its figures are kept as they are now."""
    rnd = scoped_or_404(SamplingRound, round_id)
    if rnd.closed_at is None:
        close_round(rnd, current_user.id)
        audit("round_closed", target=f"round:{rnd.id}", sampled=rnd.figures["sampled"],
              roster=rnd.figures["roster"])
        db.session.commit()
    return redirect(url_for(".round_page", round_id=rnd.id), 303)


@bp.app_template_global()
def round_todo_for_me() -> dict | None:
    """For the worker's /tasks include: the open round and the people of the worker's buildings
    not yet sampled in it (special groups first); None when no round is open."""
    rnd = open_round(current_user.community_id)
    if rnd is None:
        return None
    buildings = buildings_of(current_user)
    return {"round": rnd, "buildings": buildings, "names": names(rnd.community_id),
            "people": not_yet_sampled(rnd, buildings, limit=200) if buildings else []}
