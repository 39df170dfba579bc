"""Community ledgers: buildings and their workers (网格), home quarantine and health monitoring
(居家隔离 / 健康监测) with the resident's signed self-report link, door sensors (门磁), and the
worker's own task list."""
from flask import Blueprint

bp = Blueprint("ledgers", __name__)

from . import (buildings_views, doors_views, grids_views, quarantine_views, records,  # noqa: E402,F401
               selfreport, tasks)


@bp.app_context_processor
def _alert_watch():
    """watches_alerts(): whether the logged-in user has buildings (their own or their grid's)
    whose new alerts every page should ring for (base.html; static/js/alert-watch.js)."""
    def watches_alerts() -> bool:
        from flask_login import current_user
        from sqlalchemy.exc import SQLAlchemyError

        from .grids import task_buildings
        try:
            return bool(current_user.is_authenticated and task_buildings(current_user))
        except SQLAlchemyError:  # an error page while the database is away: no watching
            return False
    return {"watches_alerts": watches_alerts}
