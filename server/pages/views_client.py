"""Browser modules served as they are from each subsystem's client/ folder (no build step)."""
import json
from pathlib import Path

from flask import Response, abort, send_from_directory

from offline.rules import RULES

from . import bp

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIRS = {"offline": ROOT / "offline" / "client", "scanner": ROOT / "scanner" / "client"}
# offline/client/rules.json as a module, generated (a file of that name does not exist).
RULES_MODULE = "/client/offline/rules-data.js"


def rules_module() -> Response:
    """offline/client/rules.json as an ES module for offline/client/rules.js: the phone applies
    the rules the server loaded (a JSON-module import needs a newer browser than field phones)."""
    response = Response(f"export default {json.dumps(RULES, ensure_ascii=False)};\n",
                        mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # the service worker keeps its own copy
    return response


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
