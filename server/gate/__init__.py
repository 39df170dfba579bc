"""Gates (卡口): one record per passage, with temperature, turn-backs and vehicles."""
from flask import Blueprint

bp = Blueprint("gate", __name__)

from . import log, records, views  # noqa: E402,F401  (handler and pages)
