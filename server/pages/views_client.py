"""Browser modules served as they are from each subsystem's client/ folder (no build step)."""
from flask import abort, send_from_directory

from . import bp
from .client_files import CLIENT_DIRS, RULES_MODULE, rules_module


@bp.get("/client/<area>/<path:filename>")
def client_module(area, filename):
    """An ES module of offline/client or scanner/client."""
    if f"/client/{area}/{filename}" == RULES_MODULE:
        return rules_module()
    folder = CLIENT_DIRS.get(area)
    if folder is None or not filename.endswith((".js", ".mjs", ".json")):
        abort(404)
    response = send_from_directory(folder, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # the service worker keeps its own copy
    return response
