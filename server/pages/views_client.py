"""Browser modules served as they are from each subsystem's client/ folder (no build step)."""
from pathlib import Path

from flask import abort, send_from_directory

from . import bp

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIRS = {"offline": ROOT / "offline" / "client", "scanner": ROOT / "scanner" / "client"}


@bp.get("/client/<area>/<path:filename>")
def client_module(area, filename):
    """An ES module of offline/client or scanner/client."""
    folder = CLIENT_DIRS.get(area)
    if folder is None or not filename.endswith((".js", ".mjs", ".json")):
        abort(404)
    response = send_from_directory(folder, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # the service worker keeps its own copy
    return response
