"""/ledgers/grids: the supervisor groups buildings into grids (网格) and names each grid's
leader, who then sees the grid's tasks on "my tasks"."""
import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from offline.text import clean_line
from ..access import role_required, scoped, scoped_or_404
from ..errors import page_error
from ..extensions import db
from ..inputs import parse_id
from ..models import Grid, GridBuilding, Person, User
from . import bp
from .grids import create_grid, set_buildings


@bp.get("/ledgers/grids")
@role_required("supervisor")
def grids():
    cid = current_user.community_id
    rows = db.session.scalars(scoped(Grid).order_by(Grid.name)).all()
    members: dict[int, list[str]] = {}
    for grid_id, building in db.session.execute(select(GridBuilding.grid_id, GridBuilding.building)
                                                .where(GridBuilding.community_id == cid)
                                                .order_by(GridBuilding.building)):
        members.setdefault(grid_id, []).append(building)
    users = db.session.scalars(scoped(User).where(User.active.is_(True)).order_by(User.role, User.username)).all()
    return render_template("ledgers/grids.html", grids=rows, members=members, users=users,
                           leaders={u.id: u for u in users})


@bp.post("/ledgers/grids")
@role_required("supervisor")
def grids_save():
    """Create a grid, or change one's leader and buildings (audited)."""
    cid = current_user.community_id
    name = clean_line(request.form.get("name", ""))[:60]
    buildings = [b for b in re.split(r"[\s,，、]+", request.form.get("buildings", "")) if b]
    leader_id = parse_id(request.form.get("leader_id"))
    leader = scoped_or_404(User, leader_id) if leader_id else None
    known = set(db.session.scalars(select(Person.building).where(
        Person.community_id == cid, Person.building.in_(buildings)).distinct())) if buildings else set()
    unknown = [b for b in buildings if b not in known]
    if unknown:
        return page_error(400, _("No building %(b)s in the roster.", b="、".join(unknown[:5]))), 400
    grid_id = parse_id(request.form.get("grid_id"))
    if grid_id:
        grid = scoped_or_404(Grid, grid_id)
        grid.leader_id = leader.id if leader else None
    else:
        if not name:
            return page_error(400, _("Give the grid a name.")), 400
        if db.session.scalar(select(func.count()).select_from(Grid).where(Grid.community_id == cid, Grid.name == name)):
            return page_error(400, _("A grid of that name exists already.")), 400
        grid = create_grid(cid, name, leader)
    set_buildings(grid, buildings)
    db.session.commit()
    flash(_("Grid %(name)s saved.", name=grid.name))
    return redirect(url_for(".grids"))
