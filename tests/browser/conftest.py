"""Real-Chromium tests (pytest-playwright) against a live server on a file database.

Debian's /usr/bin/chromium is used (Playwright cannot download its own here). Without it the
browser tests are skipped with the reason printed, except in CI, where they fail."""
import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import MEMORY_FOLDER

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHECKPOINT_CHROMIUM", "/usr/bin/chromium")
# Every non-local name fails inside the browser: no CDN can be used by accident.
NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
MOBILE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
          "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DEMO_PIN = "123456"
CHECKPOINT = str(Path(sys.executable).parent / "checkpoint")  # the console script


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _require_chromium():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + ": browser tests are required in CI")
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, lan_certificate):
    # HOME holds the NSS database in which the LAN certificate is trusted (see lan_certificate).
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": [NO_DNS, "--log-level=3"], "env": {**os.environ, "HOME": str(lan_certificate.home)}}


class LanCertificate:
    """A certificate made like `checkpoint tls-cert` and trusted the way a phone trusts it once
    installed: added as a CA to the NSS database Chromium reads ($HOME/.pki/nssdb), with
    Debian's certutil (libnss3-tools). Chromium registers no service worker from an origin
    whose certificate it does not trust (BROWSER-TESTS.md §9)."""

    def __init__(self, folder: Path):
        from server.netinfo import write_self_signed_cert

        self.home = folder / "home"
        self.cert, self.key = folder / "tls-cert.pem", folder / "tls-key.pem"
        write_self_signed_cert(self.cert, self.key, [])
        self.problem = None
        certutil = shutil.which("certutil")
        if certutil is None:
            self.problem = "certutil not found (apt-get install -y libnss3-tools)"
            return
        nssdb = self.home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        for args in (["-N", "--empty-password"],
                     ["-A", "-t", "C,,", "-n", "checkpoint-lan", "-i", str(self.cert)]):
            subprocess.run([certutil, "-d", f"sql:{nssdb}", *args], check=True,
                           capture_output=True)


@pytest.fixture(scope="session")
def lan_certificate(tmp_path_factory):
    return LanCertificate(tmp_path_factory.mktemp("lan-cert"))


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **MOBILE}


_TEMPLATES: dict[int, Path] = {}  # residents -> folder with instance/ and live.db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app in its own process (so a test can stop it), on a SQLite file."""

    def __init__(self, workdir: Path, residents: int = 300):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The database in RAM when there is room (tests/conftest.py MEMORY_FOLDER), removed by close().
        self.db_folder = Path(tempfile.mkdtemp(dir=MEMORY_FOLDER)) if MEMORY_FOLDER else workdir
        self.db_path = self.db_folder / "live.db"
        self.env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(workdir / "instance"),
                    "CHECKPOINT_DATABASE_URL": f"sqlite:///{self.db_path}",
                    "FLASK_DEBUG": "0", "PYTHONUNBUFFERED": "1"}
        self.env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
        self.process = None
        self.log = open(workdir / "server.log", "ab")
        try:
            self._from_template(residents)
        except Exception:
            self.close()
            raise

    def _from_template(self, residents: int):
        """Copy a database made once per session (init + seed-demo take seconds each)."""
        template = _TEMPLATES.get(residents)
        if template is None:
            template = Path(tempfile.mkdtemp(prefix=f"live-template-{residents}-"))
            atexit.register(shutil.rmtree, template, ignore_errors=True)
            maker = {**self.env, "CHECKPOINT_INSTANCE_PATH": str(template / "instance"),
                     "CHECKPOINT_DATABASE_URL": f"sqlite:///{template / 'live.db'}"}
            for args in (("init",), ("seed-demo", "--residents", str(residents))):
                subprocess.run([CHECKPOINT, *args], cwd=ROOT, env=maker, check=True,
                               stdout=self.log, stderr=self.log)
            _without_sampling_history(template / "live.db")
            _TEMPLATES[residents] = template
        shutil.copytree(template / "instance", self.workdir / "instance", dirs_exist_ok=True)
        for suffix in ("", "-wal"):
            if (template / f"live.db{suffix}").exists():
                shutil.copy(template / f"live.db{suffix}", f"{self.db_path}{suffix}")

    def close(self):
        """After stop(): the log closed, the database removed if it was in RAM."""
        self.log.close()
        if self.db_folder != self.workdir:
            shutil.rmtree(self.db_folder, ignore_errors=True)

    def _cli(self, *args):
        subprocess.run([CHECKPOINT, *args], cwd=ROOT,
                       env=self.env, check=True, stdout=self.log, stderr=self.log)

    def start(self):
        self.process = subprocess.Popen(
            [CHECKPOINT, "run", "--no-reload", "--no-debugger",
             "--host", "127.0.0.1", "--port", str(self.port), "--with-threads"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        # Wait on the server itself: up (health answers) or dead. On a machine shared with
        # other test runs, starting can take well over 20 s; only a server that never
        # answers in 3 minutes is taken for a hung one.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(self.url + "/api/v1/health", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"live server did not start; see {self.workdir / 'server.log'}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def query(self, sql: str, **params):
        """Rows from the server's database (read-only checks at the end of a test)."""
        engine = create_engine(f"sqlite:///{self.db_path}")
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).fetchall()
        finally:
            engine.dispose()

    def app(self):
        """An app object on the server's database and keys, for checks that decrypt and seeds.

        Its transactions take SQLite's write lock up front, as the server's own jobs do
        (server.database.writing): the running server writes too (scheduler beats, requests), and
        a transaction that reads, then writes fails with "database is locked" if the server
        wrote in between (seen under load)."""
        from flask import appcontext_popped, appcontext_pushed

        from server import create_app
        from server.database import writing

        old = {k: os.environ.get(k) for k in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL")}
        os.environ.update({k: self.env[k] for k in old})
        try:
            app = create_app()
            held = []

            def pushed(_sender, **_extra):
                held.append(writing())
                held[-1].__enter__()

            def popped(_sender, **_extra):
                held.pop().__exit__(None, None, None)

            appcontext_pushed.connect(pushed, app, weak=False)
            appcontext_popped.connect(popped, app, weak=False)
            return app
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _without_sampling_history(db_path: Path):
    """The capture tests count the rows their phones add from zero: the demo's sampled round
    (server/rounds/demo.py: yesterday's tubes, boxes and samples) is taken out of their template.
    Tests of the pages that show it build it again (tests/demo_world.py)."""
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            for table in ("sample", "tube", "box", "sampling_round"):
                conn.execute(text(f"DELETE FROM {table}"))
    finally:
        engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """A fresh server and database for one test."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()
    server.close()


def require(problem: str | None) -> None:
    """A missing tool fails in CI and skips with the reason elsewhere."""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + ": required in CI")
        pytest.skip(problem)


class HttpsServer(LiveServer):
    """The app as `make run HOST=0.0.0.0` serves phones: `checkpoint serve` starts Caddy over
    HTTPS on the port (deploy/Caddyfile, the production recipe's file) and gunicorn behind it on
    loopback. With `certificate`, that certificate (trusted by the test browser) is used;
    without, the launcher makes its own, which no browser trusts (a phone that tapped through
    the warning)."""

    def __init__(self, workdir: Path, certificate: LanCertificate | None = None,
                 residents: int = 300, workers: int = 1, threads: int = 8):
        super().__init__(workdir, residents)
        self.url = f"https://127.0.0.1:{self.port}"
        self.instance = workdir / "instance"
        self.workers, self.threads = workers, threads
        if certificate is not None:
            shutil.copy(certificate.cert, self.instance / "tls-cert.pem")
            shutil.copy(certificate.key, self.instance / "tls-key.pem")

    @property
    def proxy_log(self) -> Path:
        return self.instance / "logs" / "proxy-access.log"

    def start(self):
        import ssl

        self.process = subprocess.Popen(
            [CHECKPOINT, "serve", "--host", "0.0.0.0", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120  # gunicorn imports the app first: slow under load
        while time.monotonic() < deadline and self.process.poll() is None:
            cert = self.instance / "tls-cert.pem"
            try:
                context = ssl.create_default_context(cafile=str(cert))
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2,
                                            context=context) as answer:
                    if answer.status == 200:
                        return self
            except (OSError, ssl.SSLError):
                time.sleep(0.2)
        raise RuntimeError(f"HTTPS server did not start; see {self.workdir / 'server.log'}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the launcher passes it on to Caddy and gunicorn
            self.process.wait(timeout=60)
        self.process = None

    def logs(self) -> str:
        """Everything the proxy and gunicorn logged (launcher output and Caddy's access log)."""
        self.log.flush()
        text = (self.workdir / "server.log").read_text(errors="replace")
        if self.proxy_log.exists():
            text += self.proxy_log.read_text(errors="replace")
        return text


def proxy_problem() -> str | None:
    if shutil.which("caddy") is None:
        return "caddy not found (apt-get install -y caddy, or `make setup` as root)"
    return None


@pytest.fixture
def https_server(tmp_path, lan_certificate):
    """Like live_server, over HTTPS through the proxy, with a certificate the browser trusts."""
    require(proxy_problem() or lan_certificate.problem)
    server = HttpsServer(tmp_path, lan_certificate).start()
    yield server
    server.stop()
    server.close()


def wait_offline_ready(page, ready: str | None = None):
    """The service worker is active and controls this page. A page whose load raced the worker's
    first activation stays uncontrolled until its next load (clients.claim() skips a document
    still loading): it is reloaded then, and `ready` (a JS predicate of the page's own readiness)
    waited for again."""
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    if page.evaluate("() => navigator.serviceWorker.controller === null"):
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        if ready:
            page.wait_for_function(ready)


def login(page, server: LiveServer, username: str, pin: str = DEMO_PIN):
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("button[type=submit]")
    # A lab account's home is its receipt page (server/access.py lab_guard).
    page.wait_for_url(server.url + ("/lab/" if username == "lab" else "/"))
