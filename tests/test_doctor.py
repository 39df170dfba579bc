"""`checkpoint doctor` names each fault of a deliberately misconfigured deployment (issue 13),
and says nothing is wrong where nothing is."""
import base64
import os
import subprocess
import sys
from pathlib import Path

from tests.harden.fake_proxy import FakeProxy
from tests.harden.gunicorn_server import GunicornServer

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT = str(Path(sys.executable).parent / "checkpoint")


def doctor(env, *args, without_zbar=False):
    command = ([sys.executable, "-m", "tests.harden.no_zbar", "checkpoint"] if without_zbar
               else [CHECKPOINT])
    done = subprocess.run([*command, "doctor", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def env_for(tmp_path, **extra):
    env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "instance"),
           "CHECKPOINT_DATABASE_URL": f"sqlite:///{tmp_path / 'checkpoint.db'}", **extra}
    env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
    return env


def migration_head():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def checkpoint(env, *args):
    done = subprocess.run([CHECKPOINT, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_doctor_names_each_fault_of_a_misconfigured_instance(tmp_path):
    env = env_for(tmp_path, CHECKPOINT_MIN_FREE_DISK_MB=str(10**9))  # no disk is that big
    checkpoint(env, "init")
    # Migrated one step short of head, then the keys an operator copied from an example.
    from server import create_app
    from tests.conftest import base_config

    (tmp_path / "checkpoint.db").unlink()
    app = create_app(base_config(env["CHECKPOINT_DATABASE_URL"]))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="0600")
    same = base64.b64encode(b"d" * 32).decode()
    config = tmp_path / "instance" / "config.py"
    config.write_text(f"SECRET_KEY = 'changeme'\nDATA_KEY = {same!r}\nHASH_KEY = {same!r}\n")
    config.chmod(0o644)

    code, out = doctor(env, without_zbar=True)
    assert code == 1, out
    faults = {
        "SECRET_KEY": "too short or a known placeholder",
        "DATA_KEY": "not random",
        "DATA_KEY/HASH_KEY": "the same key serves both purposes",
        "BACKUP_KEY": "missing",
        "HANDOVER_KEY": "missing",
        "instance config": "can be read by other users",
        "migrations": f"database at 0600, code expects {migration_head()}",
        "scheduler": "cannot be checked: migrate it first",
        "disk": "nearly full",
        "decoder": "the ZBar fallback is off",
    }
    findings = [line.split(None, 1) for line in out.splitlines()
                if line.startswith(("  ok", "  warn", "  FAIL"))]
    for topic, words in faults.items():
        assert any(level in ("FAIL", "warn") and text.startswith(f"{topic}: ") and words in text
                   for level, text in findings), f"{topic!r} not named:\n{out}"
    assert "OCR: ID-card models present" in out


def test_doctor_reads_https_proxies_and_cookies_from_the_running_app(tmp_path):
    # gunicorn itself believes X-Forwarded-Proto from loopback unless told otherwise: told
    # here, so that only the app's own setting decides (as with a proxy on another machine).
    server = GunicornServer(tmp_path / "app", workers=1, threads=2, CHECKPOINT_TRUSTED_PROXIES="0",
                            GUNICORN_CMD_ARGS="--forwarded-allow-ips 192.0.2.1").start()
    try:
        env = dict(server.env)
        checkpoint(env, "scheduler", "--once")  # the instance itself is healthy
        # Behind a TLS proxy that the app was not told about (TRUSTED_PROXIES=0).
        with FakeProxy(server.port) as proxy:
            code, out = doctor(env, "--url", f"http://127.0.0.1:{proxy.port}")
        assert code == 1, out
        assert "FAIL  HTTPS: a proxy in front says the phones' connection is HTTPS" in out, out
        assert ("FAIL  proxies: 1 proxy(ies) in front send X-Forwarded-For but "
                "CHECKPOINT_TRUSTED_PROXIES=0") in out
        assert "FAIL  cookie: the session cookie has no Secure flag" in out
        assert "ok    url:" in out and "ok    scheduler:" in out
    finally:
        server.stop()
    # The opposite mistake: the app trusts a proxy that is not there.
    server = GunicornServer(tmp_path / "app2", workers=1, threads=2,
                            CHECKPOINT_TRUSTED_PROXIES="1").start()
    try:
        env = dict(server.env)
        checkpoint(env, "scheduler", "--once")
        code, out = doctor(env, "--url", f"http://127.0.0.1:{server.port}")
        assert code == 1, out
        assert ("FAIL  proxies: CHECKPOINT_TRUSTED_PROXIES=1 but 0 proxy(ies) in front: any "
                "client picks its own address") in out
    finally:
        server.stop()


def test_doctor_passes_a_sound_deployment_once_its_scheduler_runs(tmp_path):
    server = GunicornServer(tmp_path / "app", workers=1, threads=2).start()
    try:
        env = dict(server.env)
        code, out = doctor(env)
        assert code == 1 and "FAIL  scheduler: never ran" in out, out
        checkpoint(env, "scheduler", "--once")
        code, out = doctor(env, "--url", f"http://127.0.0.1:{server.port}")
        assert code == 0, out
        assert "0 problem(s)" in out
        assert "ok    proxies: CHECKPOINT_TRUSTED_PROXIES=0 matches the 0 proxy(ies)" in out
        assert "ok    cookie: session cookie flags: HttpOnly, SameSite=Lax." in out
    finally:
        server.stop()
