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
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [NO_DNS, "--log-level=3"]}


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
        self.db_path = workdir / "live.db"
        self.env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(workdir / "instance"),
                    "CHECKPOINT_DATABASE_URL": f"sqlite:///{self.db_path}",
                    "FLASK_DEBUG": "0", "PYTHONUNBUFFERED": "1"}
        self.env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
        self.process = None
        self.log = open(workdir / "server.log", "ab")
        try:
            self._from_template(residents)
        except Exception:
            self.log.close()
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
            _TEMPLATES[residents] = template
        shutil.copytree(template / "instance", self.workdir / "instance", dirs_exist_ok=True)
        for suffix in ("", "-wal"):
            if (template / f"live.db{suffix}").exists():
                shutil.copy(template / f"live.db{suffix}", f"{self.db_path}{suffix}")

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
        """An app object on the server's database and keys, for checks that decrypt."""
        from server import create_app

        old = {k: os.environ.get(k) for k in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL")}
        os.environ.update({k: self.env[k] for k in old})
        try:
            return create_app()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture
def live_server(tmp_path):
    """A fresh server and database for one test."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()
    server.log.close()


def login(page, server: LiveServer, username: str, pin: str = DEMO_PIN):
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
