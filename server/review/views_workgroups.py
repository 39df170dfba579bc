"""The work groups page: who is in which group, add and remove members."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..inputs import parse_id
from ..models import WorkGroupMember
from ..access import scoped_or_404
from . import bp
from .problems import community_users
from .workgroups import assign, current_members, remove


@bp.get("/workgroups")
@role_required("supervisor")
def workgroups():
    """Current members of each work group, with a form to add one."""
    return render_template("review/workgroups.html", groups=current_members(current_user.community_id),
                           users=community_users(current_user.community_id).values())


@bp.post("/workgroups")
@role_required("supervisor")
def workgroup_add():
    """Put a user of the community into a work group."""
    user_id = parse_id(request.form.get("user_id")) or 0
    if assign(current_user.community_id, user_id, request.form.get("group", "")) is None:
        abort(400, description=_l("Choose a user of the community and a work group."))
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
