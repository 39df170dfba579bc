"""The work groups page: the community's groups (named, added, switched off) and who is in
each as lead, helper or member, standing or for one day."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import role_required, scoped_or_404
from ..clock import local_today
from ..extensions import db
from ..inputs import InputError, parse_day, parse_id
from ..models import WorkGroup, WorkGroupMember
from . import bp
from .problems import community_users
from .workgroups import WorkGroupError, add_group, assign, current_members, remove, rename_group
from .workgroups import groups as all_groups


def _page(error=None, status=200):
    cid = current_user.community_id
    return render_template("review/workgroups.html", groups=current_members(cid, local_today()),
                           switched_off=[g for g in all_groups(cid, active_only=False) if not g.active],
                           users=community_users(cid).values(), error=error, today=local_today()), status


@bp.get("/workgroups")
@role_required("supervisor")
def workgroups():
    """Each group with its lead, helpers and members, and the forms to change them."""
    answer = _page()
    db.session.commit()  # the six usual groups, stored the first time
    return answer


@bp.post("/workgroups")
@role_required("supervisor")
def workgroup_add():
    """Put a user of the community into a work group (as lead, helper or member; a day)."""
    user_id = parse_id(request.form.get("user_id")) or 0
    day = None
    if request.form.get("day"):
        try:
            day = parse_day(request.form["day"])
        except InputError:
            abort(400, description=_l("Give the day as a date (YYYY-MM-DD)."))
    if assign(current_user.community_id, user_id, request.form.get("group", ""),
              request.form.get("role") or "member", day) is None:
        abort(400, description=_l("Choose a user of the community and a work group."))
    db.session.commit()
    return redirect(url_for(".workgroups"))


@bp.post("/workgroups/groups")
@role_required("supervisor")
def workgroup_group_add():
    """A new work group, named by the community."""
    try:
        add_group(current_user.community_id, request.form.get("name", ""))
    except WorkGroupError as error:
        return _page(str(error), 400)
    db.session.commit()
    return redirect(url_for(".workgroups"))


@bp.post("/workgroups/groups/<int:group_id>")
@role_required("supervisor")
def workgroup_group_edit(group_id):
    """Rename a group or switch it off (its members' history stays)."""
    group = scoped_or_404(WorkGroup, group_id)
    try:
        rename_group(group, request.form.get("name", ""), request.form.get("active") == "1")
    except WorkGroupError as error:
        return _page(str(error), 400)
    db.session.commit()
    return redirect(url_for(".workgroups"))


@bp.post("/workgroups/<int:member_id>/remove")
@role_required("supervisor")
def workgroup_remove(member_id):
    """Take a user out of a work group (kept in the history of past days)."""
    member = scoped_or_404(WorkGroupMember, member_id)
    remove(member)
    db.session.commit()
    return redirect(url_for(".workgroups"))
