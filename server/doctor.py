"""`checkpoint doctor`: checks a deployment and names each problem in plain words.

Run on the server with the deployment's settings (the same environment and instance folder as
the app). Without --url it checks the instance: keys, database, migrations, scheduler, disk,
clock, decoders and OCR models. With --url (the address phones use) it also asks the running app
what it saw of a request: the scheme, the client address and the X-Forwarded-* headers, which
tell whether HTTPS, the trusted-proxy count and the cookie flags are right as deployed."""
import base64
import binascii
import json
import shutil
import ssl
import stat
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path

from flask import Config

from .instance import instance_path

OK, WARN, FAIL = "ok", "warn", "FAIL"
FORGED_ADDRESS = "203.0.113.250"  # TEST-NET-3: never a real client
MAX_CLOCK_SKEW_SECONDS = 60
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@dataclass
class Report:
    findings: list = field(default_factory=list)

    def add(self, level: str, topic: str, message: str) -> None:
        self.findings.append((level, topic, message))

    @property
    def failures(self) -> int:
        return sum(level == FAIL for level, _t, _m in self.findings)

    @property
    def warnings(self) -> int:
        return sum(level == WARN for level, _t, _m in self.findings)

    def lines(self) -> list[str]:
        return [f"{level:<5} {topic}: {message}" for level, topic, message in self.findings]


def load_config() -> Config:
    """The settings the app would run with (defaults < instance/config.py < environment),
    read without starting it: a bad key must be reported, not crash the doctor."""
    from .config import DEFAULTS, from_environment

    config = Config(instance_path())
    config.from_mapping(DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    config.from_mapping(from_environment())
    return config


def run(url: str | None, insecure: bool, create_app) -> Report:
    """Check the deployment; `create_app` is the app factory (the caller's: this module sits
    below it in the import graph)."""
    report = Report()
    config = load_config()
    check_keys(config, report)
    app = _start(config, report, create_app)
    if app is not None:
        with app.app_context():
            check_instance(app, report)
    if url:
        check_url(url, config, report, insecure)
    return report


# ---- keys ---------------------------------------------------------------------------------

def check_keys(config: Config, report: Report) -> None:
    from . import MIN_SECRET_LENGTH, PLACEHOLDER_SECRETS

    secret = config.get("SECRET_KEY")
    if not secret:
        report.add(FAIL, "SECRET_KEY", "missing: the app will not start (run `checkpoint init`).")
    elif len(str(secret)) < MIN_SECRET_LENGTH or str(secret).strip().lower() in PLACEHOLDER_SECRETS:
        report.add(FAIL, "SECRET_KEY", f"too short or a known placeholder: anyone could sign a "
                   f"session; use at least {MIN_SECRET_LENGTH} random characters.")
    else:
        report.add(OK, "SECRET_KEY", "present, long, not a placeholder.")
    raw = {}
    for name, use in (("DATA_KEY", "names, ID numbers and phones"),
                      ("HASH_KEY", "look-ups of ID numbers")):
        value = config.get(name)
        key = _key_bytes(value)
        if key:
            raw[name] = key
        if not value:
            report.add(FAIL, name, f"missing: {use} cannot be protected.")
        elif key is None or len(key) != 32:
            report.add(FAIL, name, "not 32 bytes in base64: write a new one with "
                       "`python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())'`"
                       " only on a new instance (an existing database needs its old key).")
        elif len(set(key)) < 16:
            report.add(FAIL, name, "not random (a few bytes repeated): made by hand or copied "
                       "from an example, anyone may guess it.")
        else:
            report.add(OK, name, "present, 32 random-looking bytes.")
    if len(raw) == 2 and raw["DATA_KEY"] == raw["HASH_KEY"]:
        report.add(FAIL, "DATA_KEY/HASH_KEY", "the same key serves both purposes: give each its own.")
    _check_added_key(report, "BACKUP_KEY", config.get("BACKUP_KEY"), "`checkpoint backup` cannot run",
                     _load_age_identity, "present (keep a copy apart from the backups).",
                     lambda error: "not an age identity (AGE-SECRET-KEY-1...).")
    _check_added_key(report, "HANDOVER_KEY", config.get("HANDOVER_KEY"),
                     "phones cannot export hand-over files", _load_handover_key,
                     "present, a P-256 private key.",
                     lambda error: f"{error}: phones' hand-over files cannot be opened.")
    path = Path(instance_path()) / "config.py"
    if path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        report.add(FAIL, "instance config", f"{path} can be read by other users of this "
                   f"machine: `chmod 600 {path}`.")


def _key_bytes(value) -> bytes | None:
    try:
        return base64.b64decode(str(value), validate=True) if value else None
    except (binascii.Error, ValueError):
        return None


def _check_added_key(report, name, value, missing, load, present, unreadable) -> None:
    """A key `checkpoint init` adds to an older instance config: missing, unreadable (load
    raises), or present."""
    if not value:
        report.add(FAIL, name, f"missing: {missing}; `checkpoint init` adds one to the instance config.")
        return
    try:
        load(value)
    except Exception as error:  # noqa: BLE001 - whatever the library refuses is the finding
        report.add(FAIL, name, unreadable(error))
    else:
        report.add(OK, name, present)


def _load_age_identity(value):
    import pyrage

    return pyrage.x25519.Identity.from_str(str(value).strip())


def _load_handover_key(value):
    from .sync.handover import load_private_key

    return load_private_key(value)


def _start(config: Config, report: Report, create_app):
    try:
        # Start even with bad keys (reported above): the remaining checks still tell a lot.
        return create_app({**config, "ALLOW_MISSING_KEYS": True})
    except Exception as error:  # noqa: BLE001 - whatever stops it is the finding
        report.add(FAIL, "app", f"cannot start: {error}")
        return None


# ---- the instance -----------------------------------------------------------------------------

def check_instance(app, report: Report) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        report.add(FAIL, "database", f"cannot be reached ({type(error).__name__}): "
                   f"{str(error).splitlines()[0][:200]}")
        check_decoders(report)
        return
    report.add(OK, "database", f"{db.engine.dialect.name} answers.")
    at_head = check_migrations(report)
    for topic, check in (("database", _check_writable), ("scheduler", check_scheduler),
                         ("disk", _check_disk), ("clock", check_clock)):
        try:
            check(app, report)
        except SQLAlchemyError as error:
            db.session.rollback()
            why = "migrate it first (`checkpoint init`)" if not at_head else type(error).__name__
            report.add(FAIL, topic, f"cannot be checked: {why}.")
    db.session.rollback()
    check_decoders(report)


def _check_writable(app, report: Report) -> None:
    from .api.health import database_read_only

    if database_read_only():
        report.add(FAIL, "database", "refuses writes (read-only): phones cannot sync.")


def _check_disk(app, report: Report) -> None:
    from .api.health import disk_space

    disk = disk_space()
    if disk["low"]:
        report.add(FAIL, "disk", f"nearly full: {disk['free_mb']} MB ({disk['free_percent']} %) "
                   f"free, under {app.config['MIN_FREE_DISK_MB']} MB or "
                   f"{app.config['MIN_FREE_DISK_PERCENT']} %: free space before syncs fail.")
    elif disk["free_mb"] is not None:
        report.add(OK, "disk", f"{disk['free_mb']} MB ({disk['free_percent']} %) free.")


def check_migrations(report: Report) -> bool:
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    from .extensions import db

    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    current = set()
    if inspect(db.engine).has_table("alembic_version"):
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    if current == heads:
        report.add(OK, "migrations", f"at head ({', '.join(sorted(heads))}).")
        return True
    report.add(FAIL, "migrations", f"database at {', '.join(sorted(current)) or 'nothing'}, "
               f"code expects {', '.join(sorted(heads))}: run `checkpoint init` (it migrates).")
    return False


def check_scheduler(app, report: Report) -> None:
    from .scheduler import status

    state = status(app)
    last = state["last_beat"]
    if state["status"] == "ok":
        report.add(OK, "scheduler", f"beating (last {last:%H:%M:%S} UTC).")
    elif state["status"] == "never":
        report.add(FAIL, "scheduler", "never ran: start `checkpoint scheduler` (deploy/"
                   "checkpoint-scheduler.service), or missed quarantine reports are never flagged.")
    else:
        report.add(FAIL, "scheduler", f"silent since {last:%Y-%m-%d %H:%M} UTC: it stopped or "
                   "hangs; missed quarantine reports are not being flagged.")


def check_clock(app, report: Report) -> None:
    from sqlalchemy import text

    from .extensions import db

    if db.engine.dialect.name == "postgresql":
        theirs = db.session.execute(text("SELECT clock_timestamp()")).scalar()
        skew = abs((datetime.now(timezone.utc) - theirs).total_seconds())
        if skew > MAX_CLOCK_SKEW_SECONDS:
            report.add(FAIL, "clock", f"this machine and the database server differ by {skew:.0f} s: "
                       "times and days go wrong; turn on NTP on both.")
        else:
            report.add(OK, "clock", f"within {skew:.1f} s of the database server's.")
    synced = _ntp_synchronized()
    if synced is False:
        report.add(WARN, "clock", "not synchronised by NTP (timedatectl): it may drift.")
    elif synced is None and db.engine.dialect.name == "sqlite":
        report.add(OK, "clock", "SQLite runs on this machine's clock (NTP state unknown).")


def _ntp_synchronized() -> bool | None:
    if not shutil.which("timedatectl"):
        return None
    try:
        done = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return {"yes": True, "no": False}.get(value) if done.returncode == 0 else None


def check_decoders(report: Report) -> None:
    try:
        import zxingcpp  # noqa: F401

        report.add(OK, "decoder", "zxing-cpp loads.")
    except ImportError as error:
        report.add(FAIL, "decoder", f"zxing-cpp does not load ({error}): photos cannot be decoded.")
    from scanner.decode import zbar_status

    off = zbar_status()
    if off:
        report.add(WARN, "decoder", f"{off} (zxing-cpp still decodes; `apt-get install libzbar0`).")
    else:
        report.add(OK, "decoder", "ZBar fallback (libzbar0) loads.")
    from scanner.idcard import missing_models

    missing = missing_models()
    if missing:
        report.add(FAIL, "OCR", f"ID-card models missing ({', '.join(missing)}): reinstall rapidocr.")
    else:
        report.add(OK, "OCR", "ID-card models present.")


# ---- the running deployment, as reached at --url ----------------------------------------------

def check_url(url: str, config: Config, report: Report, insecure: bool) -> None:
    from .api.doctor import HEADER, signed_header

    base = url.rstrip("/")
    parsed = urllib.parse.urlsplit(base)
    context = None
    if insecure:  # the self-signed LAN certificate (`make run HOST=0.0.0.0`)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        status, _headers, body = _get(base + "/api/v1/health", {}, context)
    except (urllib.error.URLError, OSError) as error:
        report.add(FAIL, "url", f"{base} does not answer ({error}).")
        return
    try:
        health = json.loads(body or "{}") if status in (200, 503) else {}
    except ValueError:  # a proxy's error page
        health = {}
    if status == 200 and health.get("status") == "ok":
        report.add(OK, "url", f"{base}/api/v1/health answers ok.")
    else:
        reasons = "; ".join(r["message"] for r in health.get("reasons", [])) or f"HTTP {status}"
        report.add(FAIL, "url", f"{base}/api/v1/health is {health.get('status', status)}: {reasons}")
    if not config.get("SECRET_KEY"):
        return
    status, _headers, body = _get(base + "/api/v1/doctor", {
        HEADER: signed_header(str(config["SECRET_KEY"])), "X-Forwarded-For": FORGED_ADDRESS},
        context)
    if status != 200:
        report.add(FAIL, "url", f"the app at {base} does not know this instance's SECRET_KEY "
                   "(another instance, or an older version): run doctor with its settings.")
        return
    seen = json.loads(body)
    _check_scheme(parsed, seen, report)
    _check_proxies(seen, report)
    _check_app_clock(seen, report)
    _check_cookie(base, parsed, seen, config, report, context)


def _get(url, headers, context):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15, context=context) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


def _check_scheme(parsed, seen, report: Report) -> None:
    loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme == "https" and seen["scheme"] != "https":
        report.add(FAIL, "HTTPS", "phones reach the app over HTTPS but the app sees plain HTTP: "
                   "the proxy must send X-Forwarded-Proto and CHECKPOINT_TRUSTED_PROXIES must "
                   f"count it (now {seen['trusted_proxies']}); cookies lose Secure and page "
                   "forms fail.")
    elif parsed.scheme == "http" and seen["received"].get("X-Forwarded-Proto") == "https" \
            and seen["scheme"] != "https":
        report.add(FAIL, "HTTPS", "a proxy in front says the phones' connection is HTTPS "
                   "(X-Forwarded-Proto: https) but the app sees plain HTTP: set "
                   "CHECKPOINT_TRUSTED_PROXIES to the number of proxies.")
    elif seen["scheme"] != "https" and not loopback:
        report.add(FAIL, "HTTPS", "served over plain HTTP off this machine: phones need HTTPS "
                   "for the camera and offline mode (`make run HOST=0.0.0.0` or the deploy/ proxy).")
    else:
        report.add(OK, "HTTPS", f"the app sees {seen['scheme']}, as reached.")


def _check_proxies(seen, report: Report) -> None:
    trusted = seen["trusted_proxies"]
    received = seen["received"].get("X-Forwarded-For") or ""
    hops = [hop.strip() for hop in received.split(",") if hop.strip()]
    # Proxies append the address they got the request from; a proxy that ignores what the
    # client sent (Caddy by default) replaces the whole header. Either way, what follows the
    # address the doctor forged is what the proxies in front added.
    added = len(hops) - hops.index(FORGED_ADDRESS) - 1 if FORGED_ADDRESS in hops else len(hops)
    if seen["remote_addr"] == FORGED_ADDRESS:
        report.add(FAIL, "proxies", f"CHECKPOINT_TRUSTED_PROXIES={trusted} but {added} proxy(ies) "
                   "in front: any client picks its own address with X-Forwarded-For and dodges "
                   "the login throttle. Set it to the number of proxies.")
    elif trusted < added:
        report.add(FAIL, "proxies", f"{added} proxy(ies) in front send X-Forwarded-For but "
                   f"CHECKPOINT_TRUSTED_PROXIES={trusted}: every phone looks like the proxy "
                   f"({seen['remote_addr']}), so all share one login throttle. Set it to {added}.")
    else:
        report.add(OK, "proxies", f"CHECKPOINT_TRUSTED_PROXIES={trusted} matches the {added} "
                   f"proxy(ies) in front (client seen as {seen['remote_addr']}).")


def _check_app_clock(seen, report: Report) -> None:
    theirs = datetime.fromisoformat(seen["server_time"])
    skew = abs((datetime.now(timezone.utc) - theirs).total_seconds())
    if skew > MAX_CLOCK_SKEW_SECONDS:
        report.add(FAIL, "clock", f"the app's server and this machine differ by {skew:.0f} s: "
                   "turn on NTP.")


def _check_cookie(base, parsed, seen, config, report: Report, context) -> None:
    _status, headers, _body = _get(base + "/login", {}, context)
    name = config.get("SESSION_COOKIE_NAME") or "session"
    cookie = None
    for header in headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            cookie = jar[name]
    if cookie is None:
        report.add(WARN, "cookie", f"/login set no {name!r} cookie: cannot check its flags.")
        return
    https = parsed.scheme == "https" or seen["received"].get("X-Forwarded-Proto") == "https"
    problems = []
    if https and not cookie["secure"]:
        problems.append("no Secure flag although phones use HTTPS (it could leak over plain HTTP)")
    if not cookie["httponly"]:
        problems.append("no HttpOnly flag (page scripts could read the session)")
    if str(cookie["samesite"]).lower() not in ("lax", "strict"):
        problems.append("no SameSite=Lax/Strict (other sites could post with it)")
    if problems:
        report.add(FAIL, "cookie", f"the session cookie has {'; '.join(problems)}.")
    else:
        flags = ", ".join(f for f in ("Secure" if cookie["secure"] else "", "HttpOnly",
                                      f"SameSite={cookie['samesite']}") if f)
        report.add(OK, "cookie", f"session cookie flags: {flags}.")
