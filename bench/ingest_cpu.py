"""CPU per sync batch, in-process: what each step of the ingest costs, measured in CPU time
(not wall time), so that a busy machine moves it little.

`python -m bench.ingest_cpu [--profile] [--url URL]` posts batches of ~100 gate entries and of
8 tubes of 10 (96 records) through the app's WSGI stack (no HTTP, no other process), and the
same batches to the bare baseline (bench/baseline_app.py) in the same process; prints the CPU
ms per batch of each and their ratio. --profile prints the cProfile of our batches."""
import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WARMUP, ROUNDS = 10, 60


def _setup(url: str):
    """A migrated database with a community, a gate, a sampling point, 8,000 residents and two
    devices; returns (app, sites, numbers, [(device id, token)])."""
    import base64

    from flask_migrate import upgrade

    from bench.ingest import populate
    from server import create_app

    config = {"SECRET_KEY": "bench-" + "x" * 40, "DATA_KEY": base64.b64encode(b"d" * 32).decode(),
              "HASH_KEY": base64.b64encode(b"h" * 32).decode(), "SQLALCHEMY_DATABASE_URI": url,
              "RATELIMIT_STORAGE_URI": "memory://"}
    app = create_app(config)
    with app.app_context():
        upgrade()
    sites, numbers, tokens = populate(app, 8000, 2, prefix="cpu", role="clerk")
    from server import collector

    collector.settle()  # as wsgi.py does in a served process
    return app, sites, numbers, tokens


def _post(app, token, body: bytes):
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/sync", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
               "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
               "wsgi.multiprocess": False, "wsgi.run_once": False, "SERVER_PROTOCOL": "HTTP/1.1"}
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    chunks = app(environ, lambda s, h, e=None: status.append(s))
    payload = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{status[0]}: {payload[:300]!r}")
    return payload


def _backend_cpu(app) -> tuple[int | None, float]:
    """PostgreSQL: the pid of the backend serving this (single-threaded) process and its CPU
    seconds so far, read from /proc (the database runs on this machine). SQLite: (None, 0)."""
    from sqlalchemy import text

    from server.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None, 0.0
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    return pid, _proc_cpu(pid)


def _proc_cpu(pid) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(app, token, body) -> float:
    start = time.thread_time()
    _post(app, token, body)
    return 1000 * (time.thread_time() - start)


def _cpu_per_batch(app, token, bodies) -> list[float]:
    return [_cpu(app, token, body) for body in bodies][WARMUP:]


def _paired(ours, bare, profile=None) -> tuple[list[float], list[float]]:
    """Our batches and the baseline's, alternating: a change in the machine's load (other
    work on the same cores slows CPU-bound code too) weighs on both alike."""
    (app, token, bodies), (bare_app, bare_bodies) = ours, bare
    mine, theirs = [], []
    for i, (body, bare_body) in enumerate(zip(bodies, bare_bodies)):
        if profile is not None and i >= WARMUP:
            profile.enable()
        mine.append(_cpu(app, token, body))
        if profile is not None:
            profile.disable()
        theirs.append(_cpu(bare_app, None, bare_body))
    return mine[WARMUP:], theirs[WARMUP:]


def measure(url: str, baseline_url: str, profile: bool = False) -> dict:
    from bench.ingest import Roster, _batches

    app, sites, numbers, tokens = _setup(url)
    roster = Roster(numbers)
    os.environ["BASELINE_DATABASE_URL"] = baseline_url
    from bench import baseline_app

    baseline_app.URL = baseline_url
    baseline_app.create_schema()
    figures = {}
    profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU, not wall time
    for phone, kind in ((0, "gate"), (1, "tubes")):
        device_id, token = tokens[phone]
        stream = _batches(device_id, sites, numbers, roster, random.Random(phone), phone)
        bodies = [next(stream)[0] for _ in range(WARMUP + ROUNDS)]
        stream = _batches(device_id, sites, numbers, roster, random.Random(100 + phone), phone)
        bare_bodies = [next(stream)[0] for _ in range(WARMUP + ROUNDS)]
        pid, before = _backend_cpu(app)
        ours, bare = _paired((app, token, bodies), (baseline_app.app, bare_bodies), profiler)
        database_ms = 1000 * (_proc_cpu(pid) - before) / len(bodies) if pid else None
        replays = _cpu_per_batch(app, token, bodies[:WARMUP + ROUNDS // 2])
        figures[kind] = {"records": len(json.loads(bodies[0])["records"]),
                         "ours_ms": statistics.median(ours), "baseline_ms": statistics.median(bare),
                         "replay_ms": statistics.median(replays), "database_ms": database_ms}
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(60)
        print(text.getvalue())
    return figures


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--url", help="our database (default: a fresh SQLite file)")
    parser.add_argument("--baseline-url", help="the baseline's database (default: a SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(args.url or f"sqlite:///{tmp}/ours.db",
                          args.baseline_url or f"sqlite:///{tmp}/baseline.db", args.profile)
    for kind, f in figures.items():
        print(f"{kind:<6} {f['records']:>3} records: ours {f['ours_ms']:.2f} ms CPU, baseline "
              f"{f['baseline_ms']:.2f} ms, ratio {f['baseline_ms'] / f['ours_ms']:.2f}; "
              f"replay {f['replay_ms']:.2f} ms"
              + (f"; PostgreSQL backend {f['database_ms']:.2f} ms CPU" if f["database_ms"] else ""))
    return figures


if __name__ == "__main__":
    main()
