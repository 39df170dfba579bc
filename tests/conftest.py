"""Fixtures: a fresh database per test, built through the migrations, on SQLite and (when
CHECKPOINT_TEST_DATABASE_URL is set) again on PostgreSQL; factories that read like the story."""
import atexit
import base64
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import make_url

from server import create_app
from server.auth.pins import hash_pin
from server.extensions import db
from server.models import Community, Person, Site, User



def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist (`make test` runs two workers) each worker gets its own PostgreSQL
    database, `<name>_gw0`, `<name>_gw1`...: the suite wipes and truncates its database between
    tests, which two workers cannot share. Modules that read the variable see the worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    name = f"{make_url(url).database}_{worker}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    mine = make_url(url).set(database=name).render_as_string(hide_password=False)
    os.environ["CHECKPOINT_TEST_DATABASE_URL"] = mine
    return mine


PG_URL = _worker_database(os.environ.get("CHECKPOINT_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PIN = "246810"
_HASHED_PIN = hash_pin(PIN)


def test_keys() -> dict:
    return {"SECRET_KEY": "test-secret-" + "x" * 40,
            "DATA_KEY": base64.b64encode(b"d" * 32).decode(),
            "HASH_KEY": base64.b64encode(b"h" * 32).decode(),
            # A fixed age identity for the tests' backups (server/backup.py).
            "BACKUP_KEY": "AGE-SECRET-KEY-1YTY8ANR27FERPTK6FGQG24A7ZKERNJ5GD8FJXHJ6LWANJV393X6QT0KYFZ",
            # A fixed P-256 key for the tests' hand-over files (server/sync/handover.py).
            "HANDOVER_KEY": "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6C2ZagrZCxlfCVS94acm8leTmMNvYahijoupYPNI3p+hRANCAAQZGMzqbQgoMviMhBVr3nkMZGqH4naKJrxk+9laBzcNF6Fo5HZZasZTNatfdloFa8jpnunRcG7EXed5jEZUr4fZ"}


def base_config(database_url: str) -> dict:
    return {**test_keys(), "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"}


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _memory_folder() -> Path | None:
    """A folder in RAM (Linux's /dev/shm tmpfs, when it has room) for the tests' SQLite files.

    The app runs SQLite with synchronous=FULL (server/database.py): every commit waits for the
    disk, 5 ms on this project's CI machine against 0.3 ms on tmpfs, and the suite commits tens
    of thousands of times. Nothing a test can observe depends on the disk's flush (a killed
    process leaves its written pages to the kernel either way), so the tests' databases live in
    RAM where there is one. Elsewhere (no tmpfs, or a small one as in a default Docker
    container) they stay in pytest's tmp_path."""
    root = Path("/dev/shm")
    try:
        room = os.statvfs(root)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < 2 * 2**30 or not os.access(root, os.W_OK):
        return None
    folder = Path(tempfile.mkdtemp(prefix="checkpoint-tests-", dir=root))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


MEMORY_FOLDER = _memory_folder()


@contextmanager
def database_folder(tmp_path: Path):
    """A folder for one test's SQLite files: in RAM when there is room, removed afterwards."""
    if MEMORY_FOLDER is None:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir=MEMORY_FOLDER))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once; each test gets a copy (fast and isolated)."""
    path = (MEMORY_FOLDER or tmp_path_factory.mktemp("template")) / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database():
    """The PostgreSQL test database, wiped and migrated once per session.

    Its commits do not wait for the WAL to reach the disk (synchronous_commit off, this
    database only): like the SQLite files in RAM above, nothing a test observes depends on the
    flush, and a commit is still atomic and visible to every later transaction."""
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        name = conn.execute(text("SELECT current_database()")).scalar()
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    _migrate(PG_URL)
    return PG_URL


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join('"%s"' % t for t in inspect(engine).get_table_names() if t != "alembic_version")
    with engine.begin() as conn:
        # audit_event refuses TRUNCATE (migration 0900): the table's owner lifts that for the
        # wipe between tests, inside the same transaction.
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        with database_folder(tmp_path) as folder:
            path = folder / "checkpoint.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        _truncate_pg(url)


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g`, its own
    database session. (The test's own context stays open for the factories.)"""

    def open(self, *args, **kwargs):  # noqa: D102
        # End the test's own transaction around each request: its changes become visible
        # to the request, and its next reads see what the request wrote.
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.commit()


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- factories ------------------------------------------------------------------------------

def _saved(row):
    """The row, committed: what a factory hands back."""
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def make_community(app):
    def make(code="c1", name="测试社区", **overrides):
        return _saved(Community(code=code, name=name, **overrides))
    return make


@pytest.fixture
def make_site(app):
    def make(community, code="G1", kind="gate", name=None, **overrides):
        return _saved(Site(community=community, code=code, kind=kind, name=name or f"{code} site",
                           **overrides))
    return make


@pytest.fixture
def make_user(app):
    def make(community, username=None, role="clerk", pin=PIN, **overrides):
        return _saved(User(community=community, username=username or f"u{uuid.uuid4().hex[:8]}",
                           role=role, pin_hash=_HASHED_PIN if pin == PIN else hash_pin(pin), **overrides))
    return make


@pytest.fixture
def make_person(app):
    def make(community, doc_number="11010519491231002X", name="张三明", phone="13800001234",
             doc_type="cn_ric", **overrides):
        return _saved(Person(community_id=community.id, doc_type=doc_type, doc_number=doc_number,
                             name=name, phone=phone, in_roster=True, **overrides))
    return make


@pytest.fixture
def world(make_community, make_site, make_user):
    """Two communities, each with a gate, a sampling point and one user per role."""
    made = {}
    for code in ("a", "b"):
        community = make_community(code=code, name=f"社区{code.upper()}")
        made[code] = {
            "community": community,
            "gate": make_site(community, code="G1", kind="gate"),
            "point": make_site(community, code="S1", kind="sampling_point"),
            **{role: make_user(community, username=f"{role}-{code}", role=role)
               for role in ("volunteer", "clerk", "supervisor", "admin")},
        }
    return made


@pytest.fixture
def device_token(client):
    """Log a user in through the device API and return the bearer headers."""
    def issue(user, device_name="test phone"):
        response = client.post("/api/v1/devices", json={
            "username": user.username, "pin": PIN, "device_name": device_name})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return {"Authorization": f"Bearer {body['token']}"}, body["device_id"]
    return issue


@pytest.fixture
def login(client):
    def do(user, pin=PIN):
        return client.post("/login", data={"username": user.username, "pin": pin})
    return do


@pytest.fixture
def make_app(database_url):
    """Another app object on the test's database (another worker, other settings); its
    connections are closed at the end of the test."""
    made = []

    def make(**config):
        other = create_app({**base_config(database_url), **config})
        other.test_client_class = FreshContextClient
        made.append(other)
        return other

    yield make
    from server import ratelimit

    for other in made:
        with other.app_context():
            db.engine.dispose()
    ratelimit.dispose_engines()


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """A database URL with nothing in it, on each backend (PostgreSQL: a scratch database
    dropped afterwards): the migration tests write old rows, then upgrade."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with scratch_pg_database("migration") as url:
        yield url


@contextmanager
def scratch_pg_database(prefix: str):
    """The URL of a new, empty PostgreSQL database `<prefix>_<random>`, dropped on the way out."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        # A session of another role on it (seen once in CI) refuses FORCE: try again, and at
        # worst leave the scratch database behind rather than fail a test that passed.
        for _attempt in range(5):
            try:
                with server.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                time.sleep(1)
        server.dispose()
