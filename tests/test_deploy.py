"""The production recipe (deploy/) is run, not just read: the upgrade script migrates an older
database and restarts the app the way the systemd unit starts it; the PostgreSQL script makes a
role and database the app migrates into; the proxy config adapts for a public domain with
automatic certificates. (The proxy + app as the recipe runs them serve the HTTPS browser tests:
tests/browser/test_https.py.)"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from server.instance import write_instance_config

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PG_URL = os.environ.get("CHECKPOINT_TEST_DATABASE_URL")


def require(problem):
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + ": required in CI")
        pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def head_and_previous() -> tuple[str, str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    head = script.get_revision(script.get_current_head())
    return head.revision, head.down_revision


FAKE_SYSTEMCTL = '''\
#!{python}
"""systemctl for the test: `start` runs the unit's own ExecStart from deploy/<unit>.service
(with its WorkingDirectory and EnvironmentFile pointed at the test's), `stop` ends it."""
import os, shlex, signal, subprocess, sys
from pathlib import Path

ROOT, ENV_FILE, STATE = {root!r}, {env_file!r}, Path({state!r})
action, *units = sys.argv[1:]
with open(STATE / "calls.log", "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
for unit in units:
    pidfile = STATE / f"{{unit}}.pid"
    if action == "stop" and pidfile.exists():
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
        pidfile.unlink()
    elif action == "start":
        service = {{}}
        for line in (Path(ROOT) / "deploy" / f"{{unit}}.service").read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name in ("ExecStart", "WorkingDirectory", "EnvironmentFile"):
                service[name] = value.replace("/opt/checkpoint", ROOT)
        assert service["EnvironmentFile"] == "/etc/checkpoint/checkpoint.env"
        env = dict(os.environ)
        for line in Path(ENV_FILE).read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.lstrip().startswith("#"):
                env[name.strip()] = value
        log = open(STATE / f"{{unit}}.log", "ab")
        process = subprocess.Popen(shlex.split(service["ExecStart"]), cwd=service["WorkingDirectory"],
                                   env=env, stdout=log, stderr=log, start_new_session=True)
        pidfile.write_text(str(process.pid))
'''


@pytest.fixture
def installed(tmp_path):
    """An install as README.md ("Production") makes it, in a temporary folder (SQLite for speed)."""
    instance = tmp_path / "instance"
    write_instance_config(str(instance))
    port = free_port()
    env_file = tmp_path / "checkpoint.env"
    env_file.write_text(textwrap.dedent(f"""\
        # as deploy/checkpoint.env
        CHECKPOINT_INSTANCE_PATH={instance}
        CHECKPOINT_DATABASE_URL=sqlite:///{tmp_path / 'app.db'}
        CHECKPOINT_TRUSTED_PROXIES=1
        CHECKPOINT_BIND=127.0.0.1:{port}
        WORKERS=1
        THREADS=2
        """))
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(FAKE_SYSTEMCTL.format(python=sys.executable, root=str(ROOT),
                                               env_file=str(env_file), state=str(tmp_path)))
    systemctl.chmod(0o755)
    env = {**os.environ, "CHECKPOINT_ENV_FILE": str(env_file), "CHECKPOINT_USER": "",
           "SYSTEMCTL": str(systemctl), "CHECKPOINT_HEALTH_WAIT": "120"}
    for name in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL", "CHECKPOINT_TEST_DATABASE_URL"):
        env.pop(name, None)
    yield {"env": env, "env_file": env_file, "db": tmp_path / "app.db", "port": port,
           "tmp": tmp_path, "instance": instance}
    subprocess.run([str(systemctl), "stop", "checkpoint", "checkpoint-scheduler"], check=False)


def checkpoint(installed, *args):
    """The console script with the install's settings (as the unit and the upgrade give them)."""
    env = dict(installed["env"])
    for line in installed["env_file"].read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            env[name] = value
    return subprocess.run([str(Path(sys.executable).parent / "checkpoint"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True)


def test_upgrade_migrates_an_older_database_and_restarts_the_app(installed):
    head, previous = head_and_previous()
    checkpoint(installed, "db", "upgrade", previous)  # the database of the release before
    run = subprocess.run([str(DEPLOY / "upgrade")], cwd=ROOT, env=installed["env"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "upgrade: done" in run.stdout
    calls = (installed["tmp"] / "calls.log").read_text().splitlines()
    assert calls == ["stop checkpoint checkpoint-scheduler", "start checkpoint checkpoint-scheduler",
                     "reload caddy"]
    with sqlite3.connect(installed["db"]) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
    # The app the unit started answers on loopback only, as the proxy expects it.
    import urllib.request

    # ... and once the scheduler the upgrade also started has beaten, nothing is degraded.
    url = f"http://127.0.0.1:{installed['port']}/api/v1/health"
    deadline = time.monotonic() + 120
    while True:
        with urllib.request.urlopen(url) as answer:
            health = json.load(answer)
        if health["status"] == "ok" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert health["status"] == "ok" and health["scheduler"]["status"] == "ok", health


def test_a_failed_migration_leaves_the_app_stopped_and_says_so(installed):
    text_ = installed["env_file"].read_text().replace(
        f"sqlite:///{installed['db']}", "sqlite:////nonexistent-folder/app.db")
    installed["env_file"].write_text(text_)
    run = subprocess.run([str(DEPLOY / "upgrade")], cwd=ROOT, env=installed["env"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert "the migration failed; checkpoint checkpoint-scheduler stay stopped" in run.stderr
    assert (installed["tmp"] / "calls.log").read_text().splitlines() == [
        "stop checkpoint checkpoint-scheduler"]


def handlers(node, kind):
    """Every handler of that kind anywhere in an adapted Caddy config."""
    if isinstance(node, dict):
        if node.get("handler") == kind:
            yield node
        for value in node.values():
            yield from handlers(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from handlers(value, kind)


def test_the_proxy_config_for_a_public_domain_gets_automatic_certificates(tmp_path):
    require(None if shutil.which("caddy") else "caddy not found (apt-get install -y caddy)")
    env = {**os.environ, "CHECKPOINT_SITE": "checkpoint.example.org",
           "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    for name in [n for n in env if n.startswith("CHECKPOINT_") and n != "CHECKPOINT_SITE"]:
        env.pop(name)
    adapted = subprocess.run(["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"),
                              "--adapter", "caddyfile"], env=env, capture_output=True, text=True)
    assert adapted.returncode == 0, adapted.stderr
    config = json.loads(adapted.stdout)
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]  # HTTPS, with Caddy's redirect from port 80
    route = server["routes"][0]
    assert route["match"] == [{"host": ["checkpoint.example.org"]}]
    assert "load_files" not in json.dumps(config.get("apps", {}).get("tls", {}))  # ACME, no files
    proxy = next(handlers(route, "reverse_proxy"))
    assert proxy["upstreams"] == [{"dial": "127.0.0.1:8000"}] and proxy["buffer_requests"] is True
    assert config["admin"]["listen"] == "localhost:2019"  # `systemctl reload caddy` uses it
    access = [log for name, log in config["logging"]["logs"].items() if name != "default"][0]
    assert access["writer"]["filename"] == "/var/log/caddy/checkpoint-access.log"
    assert access["encoder"]["fields"]["request>uri"]["filter"] == "regexp"


def test_the_postgresql_script_makes_a_role_and_database_the_app_migrates_into(tmp_path):
    if not PG_URL:
        pytest.skip("no CHECKPOINT_TEST_DATABASE_URL: PostgreSQL not under test")
    psql = shutil.which("psql")
    require(None if psql and os.geteuid() == 0 and shutil.which("runuser")
            else "needs root, runuser and psql to act as the postgres superuser")
    name = f"https_deploy_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex

    def as_postgres(*args, script=None, check=True):
        return subprocess.run(["runuser", "-u", "postgres", "--", psql, "-v", "ON_ERROR_STOP=1",
                               *args], input=script, capture_output=True, text=True,
                              check=check, cwd="/")

    # The script as the README runs it (given on stdin: postgres cannot read pytest's folders).
    as_postgres("-v", f"password={password}", "-v", f"role={name}", "-v", f"db={name}",
                "-f", "-", script=(DEPLOY / "postgresql.sql").read_text())
    try:
        server = make_url(PG_URL)
        url = server.set(username=name, password=password, database=name)
        url_text = url.render_as_string(hide_password=False)
        env = {**os.environ, "CHECKPOINT_DATABASE_URL": url_text,
               "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "instance")}
        env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
        subprocess.run([str(Path(sys.executable).parent / "checkpoint"), "init"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SHOW random_page_cost")).scalar() == "1.1"
                assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1min"
                assert conn.execute(text("SELECT rolconnlimit FROM pg_roles WHERE rolname = :n"),
                                    {"n": name}).scalar() == 40
                head, _ = head_and_previous()
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        finally:
            engine.dispose()
    finally:
        as_postgres("-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)
        as_postgres("-c", f'DROP ROLE IF EXISTS "{name}"', check=False)
