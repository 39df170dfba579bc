"""Community ledgers: buildings and their workers (网格), home quarantine and health monitoring
(居家隔离 / 健康监测) with the resident's signed self-report link, door sensors (门磁), and the
worker's own task list."""
from flask import Blueprint

bp = Blueprint("ledgers", __name__)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("records", "views_buildings", "views_doors", "views_grids", "views_quarantine",
         "views_selfreport", "views_tasks")
