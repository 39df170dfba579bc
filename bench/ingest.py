"""Sync ingest under load: our /api/v1/sync against a bare idempotent insert, same run.

For 8, 64 and 256 concurrent phones posting batches of about 100 realistic records (half the
phones at gates: entries of residents identified by ID number; half at sampling points: tubes
opened, filled with 10 residents each and sealed), on SQLite (and PostgreSQL when CHECKPOINT_BENCH_PG_URL is set):
records/s, p50/p99 latency, and our/baseline. Then replays (the phone re-sends batches it
already sent) against first delivery. Both servers run under gunicorn as the README says."""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadgen import run_load  # noqa: E402

BIN = Path(sys.executable).parent
PHONES = (8, 64, 256)
BATCH = 100
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
GUNICORN = ["--workers", "4", "--threads", "4"]  # README's production recommendation
SHANGHAI = timezone(timedelta(hours=8))


def _wait(port):
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return
        except OSError as error:
            if getattr(error, "code", None):  # any HTTP answer means it is up
                return
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(target, env):
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), *GUNICORN, "--bind", f"127.0.0.1:{port}", target],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(port)
    return proc, port


def _prepare_ours(env, phones):
    """Instance keys, schema, a community with a gate, a roster and one device per phone."""
    subprocess.run([str(BIN / "checkpoint"), "init"], env=env, check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL")})
    from server import create_app
    from server.api.devices import issue_device
    from server.auth.pins import hash_pin
    from server.demo import residents
    from server.extensions import db
    from server.models import Community, Site, User
    from server.roster import RosterReport, upsert_people

    app = create_app()
    with app.app_context():
        community = Community(code=f"bench{uuid.uuid4().hex[:6]}", name="bench")
        site = Site(community=community, code="G1", name="gate", kind="gate")
        point = Site(community=community, code="S1", name="sampling point", kind="sampling_point")
        user = User(community=community, username=f"bench-{uuid.uuid4().hex[:8]}", role="volunteer",
                    pin_hash=hash_pin("123456"))
        db.session.add_all([community, site, point, user])
        db.session.flush()
        people = residents(random.Random(7), 2000)
        upsert_people(people, community.id, RosterReport())
        tokens = []
        for i in range(max(phones)):
            device, token = issue_device(user, f"phone {i}")
            tokens.append((device.id, token))
        db.session.commit()
        sites = {"gate": site.id, "sampling_point": point.id}
        db.engine.dispose()
    return sites, [p["doc_number"] for p in people], tokens


def _batches(device_id, sites, numbers, rng, phone=0):
    """A phone's endless batches: gate entries for even phones, 10-in-1 tubes for odd ones."""
    seq, tubes = 1, 0
    while True:
        now = datetime.now(SHANGHAI).isoformat(timespec="milliseconds")
        records = []

        def add(kind, data):
            nonlocal seq
            records.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "seq": seq,
                            "type": kind, "recorded_at": now, "data": data})
            seq += 1

        if phone % 2 == 0:
            for _ in range(BATCH):
                add("gate_entry", {"site_id": sites["gate"], "direction": rng.choice(("in", "out")),
                                   "temperature_c": round(rng.uniform(36.0, 37.2), 1),
                                   "person": {"doc_type": "cn_ric", "doc_number": rng.choice(numbers)}})
        else:
            for _ in range(BATCH // 12):  # tube_open + 10 samples + tube_seal
                tubes += 1
                tube = {"site_id": sites["sampling_point"], "tube": f"T{phone:04d}{tubes:08d}"}
                add("tube_open", tube)
                for number in rng.sample(numbers, 10):
                    add("sample", {**tube, "person": {"doc_type": "cn_ric", "doc_number": number}})
                add("tube_seal", tube)
        body = {"device_id": device_id, "app_version": "bench", "pending": 0, "records": records}
        yield json.dumps(body).encode(), len(records)


def _run(port, tokens, sites, numbers, phones):
    rng = random.Random(phones)
    load = [(token, _batches(device_id, sites, numbers, rng, i))
            for i, (device_id, token) in enumerate(tokens[:phones])]
    result = run_load(port, load, SECONDS)
    # Replays: each phone sends again what was acknowledged.
    per_phone = {}
    for token, body, count in result.pop("sent"):
        per_phone.setdefault(token, []).append((body, count))
    replay = run_load(port, list(per_phone.items()), SECONDS)
    replay.pop("sent")
    result["replay_records_per_s"] = replay["records_per_s"]
    return result


def bench_backend(name, url_for):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": f"{tmp}/inst",
               "CHECKPOINT_DATABASE_URL": url_for(tmp, "ours"),
               "CHECKPOINT_LOGIN_RATE_LIMIT": "100000 per minute"}
        sites, numbers, tokens = _prepare_ours(env, PHONES)
        ours, port = _serve("wsgi:app", env)
        base_env = {**os.environ, "BASELINE_DATABASE_URL": url_for(tmp, "baseline")}
        os.environ["BASELINE_DATABASE_URL"] = base_env["BASELINE_DATABASE_URL"]
        from bench import baseline_app

        baseline_app.URL = base_env["BASELINE_DATABASE_URL"]
        baseline_app.create_schema()
        base, base_port = _serve("bench.baseline_app:app", base_env)
        try:
            for phones in PHONES:
                b = _run(base_port, [(d, None) for d, _t in tokens], sites, numbers, phones)
                o = _run(port, tokens, sites, numbers, phones)
                rows.append({"backend": name, "phones": phones, "ours": o, "baseline": b,
                             "ratio": o["records_per_s"] / max(b["records_per_s"], 1e-9),
                             "replay_ratio": o["replay_records_per_s"] / max(o["records_per_s"], 1e-9)})
                print(f"  {name:<10} {phones:>4} phones  ours {o['records_per_s']:>8.0f} rec/s "
                      f"(p50 {o['p50_ms']:.0f} ms, p99 {o['p99_ms']:.0f} ms, errors {o['errors']})  "
                      f"baseline {b['records_per_s']:>8.0f} rec/s  ours/baseline {rows[-1]['ratio']:.2f}  "
                      f"replay/first {rows[-1]['replay_ratio']:.2f}", flush=True)
        finally:
            for proc in (ours, base):
                proc.terminate()
                proc.wait()
    return rows


def _pg_url(base):
    def url_for(_tmp, which):
        import psycopg

        plain = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            if which == "ours":
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")
        return base
    return url_for


def main() -> list[dict]:
    print(f"Sync ingest: batches of ~{BATCH} gate entries or tube records, {SECONDS:.0f} s per run, gunicorn {' '.join(GUNICORN)}")
    rows = bench_backend("sqlite", lambda tmp, which: f"sqlite:///{tmp}/{which}.db")
    pg = os.environ.get("CHECKPOINT_BENCH_PG_URL")
    if pg:
        rows += bench_backend("postgresql", _pg_url(pg))
    else:
        print("  postgresql: skipped (set CHECKPOINT_BENCH_PG_URL to a scratch database)")
    return [{"bench": "ingest", "case": f"{r['backend']} {r['phones']} phones",
             "value": r["ours"]["records_per_s"], "unit": "records/s",
             "baseline": r["baseline"]["records_per_s"], "ratio": r["ratio"],
             "p50_ms": r["ours"]["p50_ms"], "p99_ms": r["ours"]["p99_ms"],
             "errors": r["ours"]["errors"], "replay_ratio": r["replay_ratio"]} for r in rows]


if __name__ == "__main__":
    main()
