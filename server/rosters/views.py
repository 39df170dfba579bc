"""The roster pages: every gate's week at a glance, one gate's week to build, the printable
sheet (one A4 page per gate) and the export."""
from datetime import date, timedelta

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import role_required, scoped_or_404
from ..audit import audit
from ..clock import day_bounds, local, local_today
from ..tables import to_csv, to_xlsx
from ..extensions import db
from ..inputs import InputError, parse_day, parse_id
from ..models import DutyAssignment, DutyShift, Site, utcnow
from . import bp
from .presence import presence
from .schedule import (NEEDED, TEMPLATES, RosterError, assign, create_week, current_assignments,
                       duty_people, gates, local_start, on_duty, remove, repeat_day, shift_day, swap,
                       week_bounds, week_days, week_shifts, week_start)

ERRORS = {
    "template": _l("Choose a shift template."),
    "needed": _l("A shift needs 2 to 4 people."),
    "start_hour": _l("The first shift starts at an hour from 0 to 23."),
    "user": _l("Choose a person of the community."),
    "removed": _l("This person was already taken off the shift."),
    "same": _l("Choose someone else to take the shift."),
    "already": _l("That person is already on this shift."),
    "empty_day": _l("That day has no shifts yet."),
    "week": _l("Give the week as a date (YYYY-MM-DD)."),
}
EXPORT_HEADER = ["卡口", "日期", "开始", "结束", "需要人数", "已排人数", "值班人员"]


def _week() -> date:
    """The Monday of the week asked for (?week=any day of it), this week by default."""
    text = request.values.get("week", "")
    if not text:
        return week_start(local_today())
    try:
        return week_start(parse_day(text))
    except InputError:
        abort(400, description=ERRORS["week"])


def _gate(site_id: int) -> Site:
    return scoped_or_404(Site, site_id, Site.kind == "gate")


def _back(site_id: int, monday: date, anchor: str = ""):
    return redirect(url_for(".week", site_id=site_id, week=monday.isoformat()) + anchor)


def _hour(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 2 else -1


def _fail(code: str):
    abort(400, description=ERRORS[code])


def _days(site: Site, monday: date):
    """[(day, [(shift, [assignment])])] of a gate's week."""
    shifts = week_shifts(site.id, monday)
    people = current_assignments([s.id for s in shifts])
    days = {d: [] for d in week_days(monday)}
    for s in shifts:
        days.setdefault(shift_day(s), []).append((s, people[s.id]))
    return list(days.items())


@bp.get("/")
@role_required("supervisor")
def overview():
    """Every gate: who is on duty now, who takes over, the week's shortages, today's presence."""
    now, monday = utcnow(), _week()
    today = local_today()
    start, end = day_bounds(today)
    rows = []
    for site in gates(current_user.community_id):
        days = _days(site, monday)
        short = sum(1 for _d, shifts in days for s, people in shifts if len(people) < s.needed)
        total = sum(len(shifts) for _d, shifts in days)
        rows.append({"site": site, "duty": on_duty(site.id, now), "short": short, "total": total,
                     "presence": presence(site.id, start, end, now)})
    return render_template("rosters/overview.html", rows=rows, monday=monday, now=now,
                           prev=monday - timedelta(days=7), next=monday + timedelta(days=7))


@bp.get("/<int:site_id>")
@role_required("supervisor")
def week(site_id):
    """One gate's week: create its shifts from a template, roster people by tap."""
    site, monday, now, today = _gate(site_id), _week(), utcnow(), local_today()
    start, end = week_bounds(monday)
    return render_template("rosters/week.html", site=site, monday=monday, days=_days(site, monday),
                           people_all=duty_people(current_user.community_id), templates=TEMPLATES,
                           needed=NEEDED, now=now, presence=presence(site.id, start, min(end, now), now),
                           prev=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           today=today if monday <= today < monday + timedelta(days=7) else None)


@bp.post("/<int:site_id>/template")
@role_required("supervisor")
def template(site_id):
    site, monday = _gate(site_id), _week()
    return _saved(lambda: create_week(site, monday, request.form.get("template", ""),
                                      parse_id(request.form.get("needed")) or 0,
                                      _hour(request.form.get("start_hour", "")), current_user),
                  lambda: _back(site.id, monday))


@bp.post("/<int:site_id>/repeat")
@role_required("supervisor")
def repeat(site_id):
    """The same people on the same shifts every day of the week as on the day given."""
    site, monday = _gate(site_id), _week()
    try:
        day = parse_day(request.form.get("day", ""))
    except InputError:
        _fail("week")
    return _saved(lambda: repeat_day(site, monday, day, current_user), lambda: _back(site.id, monday))


@bp.post("/shifts/<int:shift_id>/assign")
@role_required("supervisor")
def assign_person(shift_id):
    shift = scoped_or_404(DutyShift, shift_id)
    return _saved(lambda: assign(shift, _chosen_user(), current_user), lambda: _back_to_shift(shift))


@bp.post("/assignments/<int:assignment_id>/remove")
@role_required("supervisor")
def remove_person(assignment_id):
    row = scoped_or_404(DutyAssignment, assignment_id)
    remove(row, current_user)
    db.session.commit()
    return _back_to_shift(row.shift)


@bp.post("/assignments/<int:assignment_id>/swap")
@role_required("supervisor")
def swap_person(assignment_id):
    """Someone takes this person's place (换班): recorded and audited."""
    row = scoped_or_404(DutyAssignment, assignment_id)
    return _saved(lambda: swap(row, _chosen_user(), current_user), lambda: _back_to_shift(row.shift))


def _chosen_user() -> int:
    return parse_id(request.form.get("user_id")) or 0


def _saved(change, back):
    """Run change(): a RosterError answers 400 with its reason, nothing saved; else saved, then back()."""
    try:
        change()
    except RosterError as error:
        _fail(str(error))
    db.session.commit()
    return back()


def _sheet_rows(site: Site, monday: date):
    """[(day, [(shift, [names])])] with the hours of each shift column."""
    return [(day, [(s, [a.user.display_name or a.user.username for a in people]) for s, people in shifts])
            for day, shifts in _days(site, monday)]


@bp.get("/print")
@role_required("supervisor")
def sheet():
    """The week's duty sheet: one A4 page per gate that has shifts that week."""
    monday = _week()
    sheets = [(site, _sheet_rows(site, monday)) for site in gates(current_user.community_id)]
    sheets = [(site, days) for site, days in sheets if any(shifts for _day, shifts in days)]
    return render_template("rosters/sheet.html", sheets=sheets, monday=monday, local_start=local_start)


@bp.get("/export.<fmt>")
@role_required("supervisor")
def export(fmt):
    """The week's roster of every gate as CSV or XLSX (staff names only: no residents)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    monday = _week()
    rows = []
    for site in gates(current_user.community_id):
        for day, shifts in _sheet_rows(site, monday):
            for s, names in shifts:
                rows.append([site.name, day.isoformat(), f"{local_start(s):%H:%M}",
                             f"{local(s.ends_at):%H:%M}", str(s.needed), str(len(names)),
                             "、".join(names)])
    audit("export", target="export:rosters", kind="rosters", format=fmt, date=monday.isoformat(), rows=len(rows))
    db.session.commit()
    name = f"rosters-{monday.isoformat()}.{fmt}"
    if fmt == "csv":
        content, mimetype = to_csv(EXPORT_HEADER, rows), "text/csv"
    else:
        content = to_xlsx(EXPORT_HEADER, rows, "值班表")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _back_to_shift(shift: DutyShift):
    """The gate's week page, at the shift just changed."""
    return _back(shift.site_id, week_start(shift_day(shift)), f"#shift-{shift.id}")
