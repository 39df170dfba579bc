"""The daily review page (复盘整改) and the problem ledger's add, edit and close actions."""
from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import role_required
from ..errors import page_error
from ..extensions import db
from ..models import Problem
from ..inputs import InputError, parse_day
from ..supervisor.periods import day_message, requested_day
from ..access import scoped_or_404
from . import bp
from .daily import daily_review
from .problems import (ProblemError, add_problem, close_problem, community_users, days_open,
                       edit_problem, ledger, parse_form)

COUNT_ORDER = ("passages_in", "passages_out", "fevers", "turned_back", "samples", "tubes_opened",
               "tubes_sealed", "tubes_boxed", "tubes_handed_over")


@bp.get("/review")
@role_required("supervisor")
def daily():
    """One day's review: counts, coverage, flags, open items, work groups and problems."""
    day = requested_day()
    return render_template("review/daily.html", day=day, data=daily_review(current_user.community_id, day),
                           order=COUNT_ORDER,
                           users=community_users(current_user.community_id).values(),
                           next_day=day + timedelta(days=1), previous_day=day - timedelta(days=1))


@bp.post("/review/problems")
@role_required("supervisor")
def problem_add():
    """Add a problem to the ledger from a day's review."""
    try:
        day = parse_day(request.form.get("day"))
    except InputError:
        abort(400, description=day_message())
    try:
        data = parse_form(request.form, current_user.community_id)
    except ProblemError as error:
        return page_error(400, str(error)), 400
    add_problem(current_user.community_id, day, data)
    db.session.commit()
    return redirect(url_for(".daily", date=day.isoformat(), _anchor="problems"))


@bp.get("/review/problems")
@role_required("supervisor")
def problem_ledger():
    """The whole problem ledger, open problems first."""
    status = request.args.get("status")
    return render_template("review/problems.html", problems=ledger(current_user.community_id, status),
                           status=status, days_open=days_open)


@bp.route("/review/problems/<int:problem_id>", methods=["GET", "POST"])
@role_required("supervisor")
def problem(problem_id):
    """Edit one problem (description, owner, due date)."""
    found = scoped_or_404(Problem, problem_id)
    error = None
    if request.method == "POST":
        try:
            edit_problem(found, parse_form(request.form, current_user.community_id))
            db.session.commit()
            return redirect(url_for(".problem", problem_id=found.id))
        except ProblemError as failed:
            error = str(failed)
    return render_template("review/problem.html", problem=found, error=error, days_open=days_open,
                           users=community_users(current_user.community_id).values()), 400 if error else 200


@bp.post("/review/problems/<int:problem_id>/close")
@role_required("supervisor")
def problem_close(problem_id):
    """Close a problem with the fix that was made."""
    found = scoped_or_404(Problem, problem_id)
    try:
        close_problem(found, request.form.get("fix", ""))
    except ProblemError as error:
        return render_template("review/problem.html", problem=found, error=str(error), days_open=days_open,
                               users=community_users(current_user.community_id).values()), 400
    db.session.commit()
    return redirect(url_for(".problem", problem_id=found.id))
