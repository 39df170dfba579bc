"""Gates (卡口): one record per passage, with temperature, turn-backs and vehicles."""
from flask import Blueprint

bp = Blueprint("gate", __name__)

# Its parts (routes, record handlers) register on bp when create_app imports them: importing a
# service of this package does not load its pages.
PARTS = ("records", "views", "views_log")
