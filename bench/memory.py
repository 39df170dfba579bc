"""Memory of one gunicorn worker: after warm-up (OCR engine not loaded), after one ID-card
OCR call, and over a sync load (growth per minute), against a bare Flask worker
(bench/baseline_app.py) warmed up the same way in the same run.

RSS is read from /proc/<worker>/status; whether the OCR engine is loaded is read from the
worker's memory map (onnxruntime's shared library), not guessed.
BENCH_MEMORY_SECONDS: length of the sync load (default 30; the issue's 10 minutes: 600)."""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .loadgen import run_load

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PHOTO = ROOT.parent / "shared/datasets/idcards-synthetic/syn_00.jpg"
SECONDS = float(os.environ.get("BENCH_MEMORY_SECONDS", "30"))
PHONES, BATCH = 16, 100
SHANGHAI = timezone(timedelta(hours=8))


def _port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path, headers=None, data=None, method=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers or {},
                                     method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:  # an HTTP answer: the caller looks at the status
        return error.code, error.read()


def _serve(target, env) -> tuple[subprocess.Popen, int, int]:
    """gunicorn with one worker; returns (master, port, worker pid)."""
    port = _port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "1", "--threads", "4",
                             "--bind", f"127.0.0.1:{port}", target],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            _get(port, "/api/v1/health")
            break
        except OSError as error:
            if getattr(error, "code", None):
                break
            time.sleep(0.1)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return proc, port, int(children[0])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def ocr_loaded(pid: int) -> bool:
    return "onnxruntime" in Path(f"/proc/{pid}/maps").read_text()


def _prepare(env) -> tuple[int, list[str], list[tuple[str, str]]]:
    """Schema, a community with a gate, residents and PHONES phones (device id, token)."""
    subprocess.run([str(BIN / "checkpoint"), "init"], env=env, check=True, capture_output=True)
    from server import create_app
    from server.auth.tokens import issue_device
    from server.auth.pins import hash_pin
    from server.demo import residents
    from server.extensions import db
    from server.models import Community, Site, User
    from server.residents.roster import RosterReport, upsert_people

    saved = {k: os.environ.get(k) for k in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL")}
    os.environ.update({k: env[k] for k in saved})
    try:
        app = create_app()
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    with app.app_context():
        community = Community(code="mem", name="mem")
        site = Site(community=community, code="G1", name="gate", kind="gate")
        user = User(community=community, username="mem-volunteer", role="volunteer", pin_hash=hash_pin("123456"))
        db.session.add_all([community, site, user])
        db.session.flush()
        people = residents(random.Random(3), 2000)
        upsert_people(people, community.id, RosterReport())
        phones = [issue_device(user, f"mem phone {i}") for i in range(PHONES)]
        db.session.commit()
        site_id, phones = site.id, [(device.id, token) for device, token in phones]
        db.engine.dispose()
    return site_id, [p["doc_number"] for p in people], phones


def _bodies(device_id, site_id, numbers, rng):
    seq = 1
    while True:
        now = datetime.now(SHANGHAI).isoformat(timespec="milliseconds")
        records = [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "seq": seq + i,
                    "type": "gate_entry", "recorded_at": now,
                    "data": {"site_id": site_id, "direction": "in", "temperature_c": 36.5,
                             "person": {"doc_type": "cn_ric", "doc_number": rng.choice(numbers)}}}
                   for i in range(BATCH)]
        seq += BATCH
        yield json.dumps({"device_id": device_id, "app_version": "bench", "pending": 0,
                          "records": records}).encode(), BATCH


def _warm(port, token=None):
    for path in ("/api/v1/health", "/login", "/"):
        for _ in range(20):
            try:
                _get(port, path)
            except OSError:
                pass


def main() -> list[dict]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows, report = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": f"{tmp}/inst",
               "CHECKPOINT_DATABASE_URL": f"sqlite:///{tmp}/mem.db",
               # memory://: with the database-backed counter (the default) a scan POST on SQLite
               # waits on its own request's write lock (token check first, then the limiter's
               # separate connection) and answers 503 after busy_timeout; see the report.
               "CHECKPOINT_RATELIMIT_STORAGE_URI": "memory://",
               "BASELINE_DATABASE_URL": f"sqlite:///{tmp}/baseline.db"}
        # The bare Flask worker, warmed up the same way.
        proc, port, worker = _serve("bench.baseline_app:app", env)
        try:
            _warm(port)
            baseline = rss_mb(worker)
        finally:
            proc.terminate()
            proc.wait()
        site_id, numbers, phones = _prepare(env)
        device_id, token = phones[0]
        proc, port, worker = _serve("wsgi:app", env)
        try:
            _warm(port)
            auth = {"Authorization": f"Bearer {token}"}
            run_load(port, [(token, _bodies(device_id, site_id, numbers, random.Random(1)))], 3)  # warm-up
            report["warm_mb"] = rss_mb(worker)
            report["ocr_loaded_after_warmup"] = ocr_loaded(worker)
            status, body = _get(port, "/api/v1/scan?mode=idcard", {**auth, "Content-Type": "image/jpeg"},
                                PHOTO.read_bytes(), "POST")
            report["ocr_status"] = status
            if status != 200:
                print(f"  OCR call answered {status}: {body[:200]!r}")
            report["after_ocr_mb"] = rss_mb(worker)
            report["ocr_loaded_after_call"] = ocr_loaded(worker)
            # Sync load in slices; RSS sampled between slices.
            samples, started = [], time.monotonic()
            load = [(tok, _bodies(dev, site_id, numbers, random.Random(7 + i)))
                    for i, (dev, tok) in enumerate(phones)]
            slice_s = max(2.0, SECONDS / 15)
            records = errors = 0
            while time.monotonic() - started < SECONDS:
                got = run_load(port, load, slice_s)
                records += got["records"]
                errors += got["errors"]
                samples.append((time.monotonic() - started, rss_mb(worker)))
            report["load"] = {"seconds": round(time.monotonic() - started, 1), "records": records, "errors": errors,
                              "rss_mb": [round(m, 1) for _t, m in samples]}
        finally:
            proc.terminate()
            proc.wait()
    # Growth: least-squares slope over the second half (the first half still fills caches).
    half = samples[len(samples) // 2:] if len(samples) >= 4 else samples
    n = len(half)
    mean_t = sum(t for t, _ in half) / n
    mean_m = sum(m for _, m in half) / n
    var = sum((t - mean_t) ** 2 for t, _ in half) or 1e-9
    slope = sum((t - mean_t) * (m - mean_m) for t, m in half) / var * 60
    report.update({"baseline_warm_mb": baseline, "growth_mb_per_min": slope,
                   "load_start_mb": samples[0][1], "load_end_mb": samples[-1][1],
                   "load_max_mb": max(m for _, m in samples)})
    (RESULTS / "memory.json").write_text(json.dumps(report, indent=2))
    print(f"  worker RSS: warm {report['warm_mb']:.0f} MB (OCR loaded: {report['ocr_loaded_after_warmup']}), "
          f"after one OCR call {report['after_ocr_mb']:.0f} MB (status {report['ocr_status']}), "
          f"bare Flask worker {baseline:.0f} MB")
    print(f"  sync load {report['load']['seconds']} s, {records:,} records ({report['load']['errors']} errors): RSS {samples[0][1]:.0f} -> "
          f"{samples[-1][1]:.0f} MB (max {report['load_max_mb']:.0f}), growth {slope:+.1f} MB/min")
    for case, value in (("worker RSS after warm-up, OCR not loaded (target < 250)", report["warm_mb"]),
                        ("worker RSS after one OCR call (target < 600)", report["after_ocr_mb"]),
                        (f"worker RSS at end of {SECONDS:.0f} s sync load", samples[-1][1])):
        rows.append({"bench": "memory", "case": case, "value": value, "unit": "MB",
                     "baseline": baseline, "ratio": value / baseline})
    rows.append({"bench": "memory", "case": "RSS growth under sync load (2nd half, vs end RSS)",
                 "value": slope, "unit": "MB/min", "baseline": samples[-1][1],
                 "ratio": slope / samples[-1][1]})
    return rows


if __name__ == "__main__":
    main()
