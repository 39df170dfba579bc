"""Where the browser modules of each subsystem's client/ folder are, and the one generated
module among them: offline/client/rules.json as rules-data.js (no build step)."""
import json
from pathlib import Path

from flask import Response

from offline.rules import RULES

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
