"""`checkpoint serve`, the launcher of make run: which processes it starts in each mode, and
that they live and die together (a signal reaches every child; one child dying stops the rest)."""
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import click
import pytest

from server import serve

ROOT = Path(__file__).resolve().parents[1]


def test_loopback_is_gunicorn_alone_over_http(tmp_path):
    plan = serve.children("127.0.0.1", 5000, 2, 4, tmp_path)
    assert [c.name for c in plan] == ["gunicorn", "scheduler"]
    assert plan[0].env["CHECKPOINT_BIND"] == "127.0.0.1:5000"
    assert "CHECKPOINT_TRUSTED_PROXIES" not in plan[0].env  # no proxy: forwarded headers ignored


def test_the_network_gets_caddy_in_front_and_gunicorn_on_loopback(tmp_path, monkeypatch):
    monkeypatch.setattr(serve.shutil, "which", lambda name: f"/usr/bin/{name}")
    gunicorn, scheduler, caddy = serve.children("0.0.0.0", 5000, 2, 4, tmp_path)
    assert scheduler.argv[-1] == "scheduler"
    host, _sep, port = gunicorn.env["CHECKPOINT_BIND"].rpartition(":")
    assert host == "127.0.0.1" and gunicorn.env["CHECKPOINT_TRUSTED_PROXIES"] == "1"
    assert caddy.env["CHECKPOINT_SITE"] == ":5000" and caddy.env["CHECKPOINT_UPSTREAM"] == f"127.0.0.1:{port}"
    assert caddy.argv[-4:] == ["--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"]
    assert caddy.env["CHECKPOINT_TLS_CERT"] == str(tmp_path / "tls-cert.pem")


def test_without_caddy_the_network_mode_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(serve.shutil, "which", lambda name: None)
    with pytest.raises(click.ClickException, match="apt-get install -y caddy"):
        serve.children("0.0.0.0", 5000, 2, 4, tmp_path)


def sleeper(name, folder, exit_code=None, after=None, linger=0.0):
    """A child that notes each signal it gets in a file (one a line) and exits `linger` seconds
    later (as gunicorn finishes its requests), or exits with exit_code (once the child named
    `after` is up: on a busy machine it could otherwise die before the other started)."""
    wait = f"import os, time\nwhile not os.path.exists({str(folder / f'{after}.up')!r}): time.sleep(0.02)\n"
    code = (f"{wait if after else ''}import sys; sys.exit({exit_code})" if exit_code is not None
            else textwrap.dedent(f"""
        import signal, sys, time
        def bye(signum, frame):
            with open({str(folder / name)!r}, "a") as noted:
                noted.write(f"{{signum}}\\n")
            time.sleep({linger}); sys.exit(0)
        signal.signal(signal.SIGTERM, bye); signal.signal(signal.SIGINT, bye)
        open({str(folder / (name + '.up'))!r}, "w").close()
        time.sleep(120)
        """))
    return serve.Child(name, [sys.executable, "-c", code])


@pytest.mark.parametrize("status, expected", [(3, 3), (0, 1)])
def test_when_one_child_dies_the_others_are_stopped_and_the_launcher_fails(tmp_path, status,
                                                                         expected):
    plan = [sleeper("web", tmp_path), sleeper("proxy", tmp_path, exit_code=status, after="web")]
    assert serve.run(plan) == expected  # even a clean exit of one child is not a running server
    assert (tmp_path / "web").read_text().split() == [str(int(signal.SIGTERM))]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_launcher_reaches_every_child(tmp_path, signum):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'tests')!r})
        from pathlib import Path
        from server import serve
        from test_serve import sleeper
        folder = Path({str(tmp_path)!r})
        sys.exit(serve.run([sleeper("web", folder), sleeper("proxy", folder, linger=0.5)]))
        """)
    launcher = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"{n}.up").exists() for n in ("web", "proxy")):
        assert launcher.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    launcher.send_signal(signum)
    assert launcher.wait(timeout=60) == 0
    # Each child gets that one signal, once: the proxy, still finishing when the web child has
    # exited, is not sent a SIGTERM on top of a Ctrl-C.
    assert (tmp_path / "web").read_text().split() == (tmp_path / "proxy").read_text().split() == [str(int(signum))]
