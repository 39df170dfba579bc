"""`checkpoint serve`: start the processes that make a running Checkpoint, watch them, stop them
together (used by `make run`; production runs the same pieces under systemd, see deploy/).

- Both modes run the scheduler beside the app (`checkpoint scheduler`: the periodic jobs).
- Loopback (`--host 127.0.0.1`, the newcomer's `make run`): gunicorn on HOST:PORT, plain HTTP
  (127.0.0.1 and localhost are secure contexts: camera and service worker work).
- Any other host (`make run HOST=0.0.0.0`, phones on the Wi-Fi): Caddy on PORT over HTTPS with
  the LAN certificate (`checkpoint tls-cert`), configured by deploy/Caddyfile like production;
  gunicorn on a loopback port only Caddy talks to, trusting exactly that one proxy.

SIGINT/SIGTERM are passed to every child; when one child exits, the others are stopped and the
launcher exits with the first one's status (a supervisor such as systemd then sees it)."""
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from .instance import instance_path
from .netinfo import ensure_lan_cert, print_addresses

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STOP_TIMEOUT = 20  # seconds a child gets to finish its requests before it is killed


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # added to the launcher's environment
    listens: str | None = None  # "host:port" that accepts connections once the child is up


def children(host: str, port: int, workers: int, threads: int, instance: Path) -> list[Child]:
    """Every long-running process of a Checkpoint server, in start order. The one list:
    a new process (a scheduler, ...) is added here and nowhere else."""
    app = {"WORKERS": str(workers), "THREADS": str(threads)}
    if host in LOOPBACK:
        return [gunicorn(f"{host}:{port}", app), scheduler()]
    upstream = f"127.0.0.1:{free_port()}"
    return [gunicorn(upstream, {**app, "CHECKPOINT_TRUSTED_PROXIES": "1"}), scheduler(),
            caddy(port, upstream, instance)]


def gunicorn(bind: str, env: dict[str, str]) -> Child:
    return Child("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf",
                              "wsgi:app"], {**env, "CHECKPOINT_BIND": bind}, listens=bind)


def scheduler() -> Child:
    """The periodic jobs (missed quarantine reports, upload expiry, ...): `checkpoint scheduler`."""
    return Child("scheduler", [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"])


def caddy(port: int, upstream: str, instance: Path) -> Child:
    binary = shutil.which("caddy")
    if binary is None:
        raise click.ClickException(
            "Caddy (the HTTPS reverse proxy for phones) is not installed: run "
            "'sudo apt-get install -y caddy', or `make run HOST=0.0.0.0` as root, which installs it.")
    logs = instance / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return Child("caddy", [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"], {
        "CHECKPOINT_SITE": f":{port}",
        "CHECKPOINT_TLS": "files",
        "CHECKPOINT_TLS_CERT": str(instance / "tls-cert.pem"),
        "CHECKPOINT_TLS_KEY": str(instance / "tls-key.pem"),
        "CHECKPOINT_UPSTREAM": upstream,
        "CHECKPOINT_PROXY_ADMIN": "off",  # no reload API: several copies may run side by side
        "CHECKPOINT_AUTO_HTTPS": "disable_redirects",
        "CHECKPOINT_PROXY_LOG": str(logs / "proxy-access.log"),
        # Caddy's own state (autosaved config, certificate storage) stays in the instance.
        "XDG_DATA_HOME": str(instance / "caddy" / "data"),
        "XDG_CONFIG_HOME": str(instance / "caddy" / "config"),
    })


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(address: str, process: subprocess.Popen, stopping: threading.Event,
                   timeout: float = 120) -> None:
    """Until `address` accepts a connection, the process exits, or a stop is asked."""
    host, _sep, port = address.rpartition(":")
    deadline = time.monotonic() + timeout
    while process.poll() is None and not stopping.is_set() and time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            stopping.wait(0.1)


def run(plan: list[Child]) -> int:
    """Start the children, wait for the first to exit or for a signal, stop the rest."""
    exits: queue.Queue = queue.Queue()
    started: list[tuple[Child, subprocess.Popen]] = []
    stopping = threading.Event()
    signalled: set[int] = set()

    def stop_all(signum=signal.SIGTERM, _frame=None):
        # Each child is signalled once: after a Ctrl-C the stop below must not send a SIGTERM
        # on top of the SIGINT a child is still handling (it would end on the wrong signal).
        stopping.set()
        for _child, process in started:
            if process.poll() is None and process.pid not in signalled:
                signalled.add(process.pid)
                process.send_signal(signum)

    previous = {s: signal.signal(s, stop_all) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in plan:
            if stopping.is_set():
                break
            process = subprocess.Popen(child.argv, cwd=ROOT, env={**os.environ, **child.env})
            started.append((child, process))
            threading.Thread(target=lambda c=child, p=process: exits.put((c, p.wait())),
                             daemon=True).start()
            # The next child (the proxy) starts once this one accepts connections, so that
            # the first phones are not answered "502 Bad Gateway".
            if child.listens:
                wait_listening(child.listens, process, stopping)
        if not started:
            return 0  # stopped before anything started
        first, code = exits.get()
        asked = stopping.is_set()  # a signal, not a child dying on its own
        if not asked:
            click.echo(f"{first.name} exited with status {code}: stopping the others.", err=True)
        stop_all()
        for _child, process in started:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if asked and code in (0, -signal.SIGINT, -signal.SIGTERM):
            return 0
        return code or 1  # a child that ends on its own is a failure, even with status 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="127.0.0.1: this computer over HTTP. 0.0.0.0: phones on the network over HTTPS.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve_command(host, port, workers, threads):
    """Serve the app: gunicorn, behind Caddy over HTTPS unless on loopback."""
    instance = Path(instance_path())
    https = host not in LOOPBACK
    if https:
        ensure_lan_cert(instance)
    plan = children(host, port, workers, threads, instance)
    print_addresses(host, port, https)
    sys.exit(run(plan))
