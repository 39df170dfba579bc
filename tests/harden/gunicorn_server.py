"""A real gunicorn server (several worker processes) on a SQLite file, and phones that post
to it over loopback, for the fault tests."""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.records import SHANGHAI

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PIN = "123456"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GunicornServer:
    def __init__(self, workdir: Path, workers=2, threads=2, database_url=None, instance=None,
                 seed=True, **env):
        """A server on its own SQLite file, or (database_url, instance) shared with another
        server: one database, the same keys, as several machines behind a load balancer."""
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.db_path = workdir / "checkpoint.db"
        self.database_url = database_url or f"sqlite:///{self.db_path}"
        self.workers, self.threads = workers, threads
        # A pause inside each sync's transaction, for the tests that kill a worker mid-batch.
        self.entry = "tests.harden.slow_ingest_wsgi:app" if "CHECKPOINT_TEST_SLOW_INGEST_MS" in env else "wsgi:app"
        self.env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(instance or workdir / "instance"),
                    "CHECKPOINT_DATABASE_URL": self.database_url,
                    "CHECKPOINT_LOGIN_RATE_LIMIT": "200 per minute", "PYTHONUNBUFFERED": "1",
                    **env}
        self.env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "ab")
        for args in (("init",), ("seed-demo", "--residents", "0")) if seed else ():
            subprocess.run([str(BIN / "checkpoint"), *args], cwd=ROOT, env=self.env, check=True,
                           stdout=self.log, stderr=self.log)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--threads",
             str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             self.entry], cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        self.wait_healthy()
        return self

    def wait_healthy(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                status, _body = self.request("GET", "/api/v1/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={
                "Content-Type": "application/json", **(headers or {})})
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw.startswith(b"{") else raw)
        finally:
            conn.close()

    def query(self, sql, **params):
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).fetchall()
        finally:
            engine.dispose()


class Phone:
    """A phone with its own device token and record counter."""

    def __init__(self, server: GunicornServer, username="volunteer"):
        self.server = server
        status, body = server.request("POST", "/api/v1/devices", {
            "username": username, "pin": DEMO_PIN, "device_name": f"phone {uuid.uuid4().hex[:6]}"})
        assert status == 201, body
        self.device_id = body["device_id"]
        self.headers = {"Authorization": f"Bearer {body['token']}"}
        status, body = server.request("GET", "/api/v1/sites", headers=self.headers)
        self.gate_id = next(s["id"] for s in body["sites"] if s["kind"] == "gate")
        self.seq = 0

    def gate_batch(self, size: int) -> list[dict]:
        records = []
        for _ in range(size):
            self.seq += 1
            records.append({"id": str(uuid.uuid4()), "seq": self.seq, "type": "gate_entry",
                            "recorded_at": datetime.now(SHANGHAI).isoformat(timespec="milliseconds"),
                            "data": {"site_id": self.gate_id, "direction": "in",
                                     "temperature_c": 36.6}})
        return records

    def sync(self, records, timeout=30):
        return self.server.request("POST", "/api/v1/sync", {
            "device_id": self.device_id, "app_version": "load", "pending": 0,
            "records": records}, headers=self.headers, timeout=timeout)
