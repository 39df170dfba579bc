"""libzbar0 is optional: without it the app starts, serves and scans with zxing-cpp alone."""
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.harden.gunicorn_server import free_port

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "datasets" / "barcodes" / "code128"
WRAPPER = [sys.executable, "-m", "tests.harden.no_zbar"]


def _env(tmp_path):
    env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": str(tmp_path / "instance"),
           "CHECKPOINT_DATABASE_URL": f"sqlite:///{tmp_path / 'checkpoint.db'}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("CHECKPOINT_TEST_DATABASE_URL", None)
    return env


def _run(env, *args):
    return subprocess.run([*WRAPPER, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def test_without_libzbar_the_app_starts_serves_and_scans_a_dataset_photo(tmp_path):
    env = _env(tmp_path)
    # The machine really has no ZBar for these processes: pyzbar cannot be imported.
    hidden = _run(env, "python", "-c", "import pyzbar.pyzbar")
    assert hidden.returncode != 0 and "Unable to find zbar shared library" in hidden.stderr
    off = _run(env, "python", "-c", "from scanner.decode import zbar_status; print(zbar_status())")
    assert off.returncode == 0, off.stderr
    assert "ZBar fallback is off" in off.stdout

    for args in (("checkpoint", "init"), ("checkpoint", "seed-demo", "--residents", "0")):
        done = _run(env, *args)
        assert done.returncode == 0, done.stderr[-3000:]

    port = free_port()
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen([*WRAPPER, "gunicorn", "--workers", "1", "--threads", "2",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        status, device = _post(base + "/api/v1/devices", json.dumps(
            {"username": "clerk", "pin": "123456", "device_name": "no zbar"}).encode(),
            {"Content-Type": "application/json"})
        assert status == 201
        photo = (DATASET / "java_code128-2_10.png").read_bytes()
        status, answer = _post(base + "/api/v1/scan", photo, {
            "Content-Type": "image/png", "Authorization": f"Bearer {device['token']}"})
        assert status == 200
        assert [(c["format"], c["text"], c["kind"]) for c in answer["codes"]] == [
            ("code_128", "CNK8181G2C", "tube")]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
