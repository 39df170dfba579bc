"""The problem ledger (整改台账): problems found on a day's review, each with an owner, a due
date and a fix; open ones are carried over to every later day until closed. Functions flush and
audit; the view commits."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from offline.text import clean_note
from ..access import scoped
from ..audit import audit
from ..clock import local_day, local_today
from ..extensions import db
from ..inputs import InputError, parse_day, parse_id
from ..models import Problem, User, utcnow
from ..models.followup import PROBLEM_STATUSES


class ProblemError(ValueError):
    """A problem form that cannot be saved; the message says why."""


@dataclass
class ProblemForm:
    description: str
    owner_id: int
    due_on: date


def parse_form(form, community_id: int) -> ProblemForm:
    """The add/edit form's fields, checked: the owner must be a user of the community."""
    description = clean_note(form.get("description") or "")
    if not description or len(description) > 500:
        raise ProblemError(_l("Describe the problem (at most 500 characters)."))
    owner_id = parse_id(form.get("owner_id"))
    try:
        due_on = parse_day(form.get("due_on"))
    except InputError:
        raise ProblemError(_l("Choose an owner and a due date.")) from None
    if owner_id not in community_users(community_id):
        raise ProblemError(_l("Choose an owner and a due date."))
    return ProblemForm(description, owner_id, due_on)


def community_users(community_id: int) -> dict[int, User]:
    users = db.session.scalars(scoped(User, community_id).where(User.active.is_(True))
                               .order_by(User.display_name, User.username))
    return {u.id: u for u in users}


def add_problem(community_id: int, day: date, data: ProblemForm) -> Problem:
    problem = Problem(community_id=community_id, day=day, description=data.description,
                      owner_id=data.owner_id, due_on=data.due_on, created_by=_user_id())
    db.session.add(problem)
    db.session.flush()
    audit("add_problem", target=f"problem:{problem.id}", day=day.isoformat(),
          owner=data.owner_id, due_on=data.due_on.isoformat())
    return problem


def edit_problem(problem: Problem, data: ProblemForm) -> None:
    changed = {name: getattr(data, name) for name in ("description", "owner_id", "due_on")
               if getattr(problem, name) != getattr(data, name)}
    for name, value in changed.items():
        setattr(problem, name, value)
    db.session.flush()
    if changed:
        audit("edit_problem", target=f"problem:{problem.id}", changed=sorted(changed))


def close_problem(problem: Problem, fix: str) -> None:
    fix = clean_note(fix or "")
    if not fix or len(fix) > 1000:
        raise ProblemError(_l("Write how it was fixed (at most 1000 characters)."))
    if problem.status == "closed":
        return
    problem.status, problem.fix, problem.closed_at, problem.closed_by = "closed", fix, utcnow(), _user_id()
    db.session.flush()
    audit("close_problem", target=f"problem:{problem.id}")


def closed_day(problem: Problem) -> date | None:
    if problem.closed_at is None:
        return None
    return local_day(problem.closed_at)


def problems_for_day(community_id: int, day: date) -> dict:
    """{"open": [(problem, days_open, overdue)], "closed": [problem]}: problems still open at the
    end of the day (raised that day or carried over), and those closed that day."""
    rows = db.session.scalars(scoped(Problem, community_id).where(Problem.day <= day)
                              .order_by(Problem.due_on, Problem.id))
    still_open, closed = [], []
    for problem in rows:
        done = closed_day(problem)
        if done == day:
            closed.append(problem)
        elif done is None or done > day:
            still_open.append((problem, (day - problem.day).days, problem.due_on < day))
    return {"open": still_open, "closed": closed}


def ledger(community_id: int, status: str | None) -> list[Problem]:
    query = scoped(Problem, community_id)
    if status in PROBLEM_STATUSES:
        query = query.where(Problem.status == status)
    return db.session.scalars(query.order_by(Problem.status.desc(), Problem.due_on, Problem.id)).all()


def days_open(problem: Problem) -> int:
    return ((closed_day(problem) or local_today()) - problem.day).days


def _user_id():
    return current_user.id if current_user.is_authenticated else None

