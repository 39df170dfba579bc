"""The service worker and the app-shell pages it precaches (no personal data in any of them)."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, render_template

from . import bp
from offline.rules import RULES_PATH
from .client_files import CLIENT_DIRS, ROOT, RULES_MODULE

# Pages served from the cache when the phone is offline: they hold no personal data and no
# session-bound token; everything personal lives in IndexedDB or comes from /api/.
SHELL_PAGES = ("/shell/gate", "/shell/sampling", "/offline/attention", "/shell/tasks", "/shell/home",
               "/shell/offline")
STATIC_FILES = ("css/app.css", "js/home.js", "js/links.js", "js/gate.js", "js/gate-passage.js",
                "js/gate-messages.js", "js/gate-duty.js", "js/attention.js", "js/sampling.js", "js/sampling-state.js",
                "js/sampling-outbox.js", "js/feedback.js", "js/sampling-messages.js",
                "js/sampling-roster.js", "js/record-errors.js", "js/tasks.js", "js/alert-watch.js", "js/sampling-voice.js", "icons/icon.svg",
                "icons/icon-192.png", "vendor/idb.js", "vendor/barcode-detector/ponyfill.js",
                "vendor/barcode-detector/zxing-exported.js", "vendor/zxing_reader.wasm")
# Files whose content changes what the shell pages look like (their hash is the version).
SHELL_SOURCES = ("templates/base.html", "templates/gate/capture.html", "templates/sampling/capture.html",
                 "templates/offline/attention.html", "templates/partials/_status.html",
                 "templates/ledgers/tasks_shell.html", "templates/home_shell.html",
                 "templates/offline/needs_network.html",
                 "translations/zh/LC_MESSAGES/messages.mo")


def precache_files() -> list[tuple[str, Path]]:
    """(URL, file) of every precached static file and client module that exists."""
    static = Path(current_app.static_folder)
    files = [(f"/static/{name}", static / name) for name in STATIC_FILES]
    # The uuid modules the Makefile copies (outbox.js makes record ids with them).
    files += [(f"/static/vendor/uuid/{path.name}", path) for path in sorted((static / "vendor" / "uuid").glob("*.js"))]
    for area, folder in CLIENT_DIRS.items():
        files += [(f"/client/{area}/{path.name}", path) for path in sorted(folder.glob("*.js"))
                  if path.name != "sw.js"]
    files.append((RULES_MODULE, RULES_PATH))  # generated from the rules file (client_files.py)
    return [(url, path) for url, path in files if path.exists()]


def _stamp(paths) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


@lru_cache(maxsize=4)
def _version(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in stamp:
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
def service_worker():
    """The service worker at root scope, versioned by a hash of everything it precaches."""
    files = precache_files()
    sources = [ROOT / name for name in SHELL_SOURCES if (ROOT / name).exists()]
    sources += [ROOT / "offline" / "client" / "sw.js"]
    version = _version(_stamp([p for _u, p in files] + sources))
    manifest = {"version": version, "urls": list(SHELL_PAGES) + [u for u, _p in files]}
    text = (ROOT / "offline" / "client" / "sw.js").read_text(encoding="utf-8")
    text = text.replace('"__PRECACHE__"', json.dumps(manifest))
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/shell/gate")
def gate_shell():
    """The gate capture screen without any user or session data: the offline copy."""
    return render_template("gate/capture.html", shell=True)


@bp.get("/shell/sampling")
def sampling_shell():
    """The sampling capture screen without any user or session data: the offline copy."""
    return render_template("sampling/capture.html", shell=True, site=None)


@bp.get("/offline/attention")
def attention():
    """Records the server refused, kept on this phone for correction (content from IndexedDB)."""
    return render_template("offline/attention.html", shell=True)


@bp.get("/shell/home")
def home_shell():
    """The home page without any user or session data: static/js/home.js draws the links the
    online home page saved on this phone; online-only ones are shown disabled."""
    return render_template("home_shell.html", shell=True)


@bp.get("/shell/offline")
def offline_page():
    """What the service worker shows for a page that needs the server when it cannot be
    reached (instead of the browser's own error page)."""
    return render_template("offline/needs_network.html", shell=True)
