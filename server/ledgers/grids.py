"""Grids (网格): buildings grouped under a grid leader (网格长). The leader sees the tasks of
every building of their grid on "my tasks", as a building's worker sees their buildings'."""
from sqlalchemy import select

from ..audit import audit
from ..extensions import db
from ..models import Grid, GridBuilding, User
from .assignments import buildings_of


def create_grid(community_id: int, name: str, leader: User | None) -> Grid:
    """A new grid (names are unique in a community), audited. Flushes."""
    grid = Grid(community_id=community_id, name=name.strip()[:60], leader_id=leader.id if leader else None)
    db.session.add(grid)
    db.session.flush()
    audit("grid_created", target=f"grid:{grid.id}", community_id=community_id,
          leader=grid.leader_id)
    return grid


def set_buildings(grid: Grid, buildings) -> None:
    """The grid holds exactly `buildings` (each taken out of any other grid), audited."""
    wanted = {b.strip() for b in buildings if b and b.strip()}
    for row in db.session.scalars(select(GridBuilding).where(
            GridBuilding.community_id == grid.community_id,
            (GridBuilding.grid_id == grid.id) | GridBuilding.building.in_(wanted))):
        db.session.delete(row)
    db.session.flush()
    for building in sorted(wanted):
        db.session.add(GridBuilding(community_id=grid.community_id, grid_id=grid.id, building=building))
    audit("grid_buildings", target=f"grid:{grid.id}", community_id=grid.community_id,
          buildings=sorted(wanted))
    db.session.flush()


def grid_buildings(grid: Grid) -> list[str]:
    return list(db.session.scalars(select(GridBuilding.building).where(GridBuilding.grid_id == grid.id)
                                   .order_by(GridBuilding.building)))


def led_buildings(user: User) -> list[str]:
    """Buildings of the grids `user` leads."""
    return list(db.session.scalars(select(GridBuilding.building).join(Grid, Grid.id == GridBuilding.grid_id)
                                   .where(Grid.community_id == user.community_id, Grid.leader_id == user.id)
                                   .order_by(GridBuilding.building)))


def task_buildings(user: User) -> list[str]:
    """Whose tasks "my tasks" shows: the user's own buildings and those of the grids they lead."""
    return sorted(set(buildings_of(user)) | set(led_buildings(user)))
