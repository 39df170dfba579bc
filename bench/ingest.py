"""Sync ingest under load: our /api/v1/sync against a bare idempotent insert, same run.

Phones post batches of about 100 realistic records: half the phones at gates (entries of
residents identified by ID number), half at sampling points (tubes opened, filled with 10
residents, sealed; each resident sampled once a day -- the roster is walked in turn, and each
new walk is a day earlier). On SQLite, and on PostgreSQL when CHECKPOINT_BENCH_PG_URL is set.
Both servers run under gunicorn as the README says.

- 8, 64 and 256 phones posting back to back for BENCH_SECONDS: records/s, p50/p99 per batch,
  ours/baseline; then replays (each phone re-sends what was acknowledged) against first delivery.
- Half capacity: 64 phones pausing between batches so that they offer half of the records/s
  measured at 64 phones: p99 per batch (goal < 250 ms).
- Reconnection storm: BENCH_STORM_PHONES phones (256) each holding BENCH_STORM_RECORDS queued
  records (1,000) start at once and drain in batches of 200 as the phone's sync loop does:
  seconds until the last phone is empty (goal < 60 s), p50/p99 per batch, errors, and every
  record exactly once in the database afterwards.
- PostgreSQL: the 64-phone load against 1, 2 and 4 app processes on the same database."""
import itertools
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
# 15 s per run: 6-s runs of one commit on a quiet 2-core machine gave 0.22, 0.26 and 0.36 of
# the baseline at 64 phones within an hour (the baseline alone moved from 9,900 to 17,400/s).
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
STORM_PHONES = int(os.environ.get("BENCH_STORM_PHONES", "256"))
STORM_RECORDS = int(os.environ.get("BENCH_STORM_RECORDS", "1000"))
STORM_BATCH = 200  # offline/client/sync.js sends at most 200 records per request
ROSTER = int(os.environ.get("BENCH_ROSTER", "20000"))
WORKERS = ("--workers", "4", "--threads", "4")  # README's production recommendation
PG_PROCESSES = (1, 2, 4)
SHANGHAI = timezone(timedelta(hours=8))
GOALS = {"ratio": 0.30, "replay": 3.0, "storm_s": 60.0, "half_p99_ms": 250.0}


def _wait(port):
    for _ in range(300):
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


def _serve(target, env, workers=WORKERS):
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), *workers, "--bind", f"127.0.0.1:{port}", target],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(port)
    return proc, port


def _stop(proc):
    proc.terminate()
    proc.wait()


def _app(env):
    os.environ.update({k: env[k] for k in ("CHECKPOINT_INSTANCE_PATH", "CHECKPOINT_DATABASE_URL")})
    from server import create_app

    return create_app()


def populate(app, roster: int, devices: int, prefix="bench", role="volunteer"):
    """In `app`'s database: a community with a gate and a sampling point, `roster` residents and
    `devices` phones of one user. Returns (sites, document numbers, [(device id, token)])."""
    from server.auth.tokens import issue_device
    from server.auth.pins import hash_pin
    from server.demo import residents
    from server.extensions import db
    from server.models import Community, Site, User
    from server.residents.roster import RosterReport, upsert_people

    with app.app_context():
        community = Community(code=f"{prefix}{uuid.uuid4().hex[:6]}", name="bench")
        site = Site(community=community, code="G1", name="gate", kind="gate")
        point = Site(community=community, code="S1", name="sampling point", kind="sampling_point")
        user = User(community=community, username=f"{prefix}-{uuid.uuid4().hex[:8]}", role=role,
                    pin_hash=hash_pin("123456"))
        db.session.add_all([community, site, point, user])
        db.session.flush()
        people = residents(random.Random(7), roster)
        upsert_people(people, community.id, RosterReport())
        tokens = []
        for i in range(devices):
            device, token = issue_device(user, f"phone {i}")
            tokens.append((device.id, token))
        db.session.commit()
        sites = {"gate": site.id, "sampling_point": point.id, "community": community.id}
        db.engine.dispose()
    return sites, [p["doc_number"] for p in people], tokens


def _prepare_ours(env, devices):
    """Instance keys, schema, a community with a gate, a sampling point, a roster and
    `devices` phones (device id, token)."""
    subprocess.run([str(BIN / "checkpoint"), "init"], env=env, check=True, capture_output=True)
    return populate(_app(env), ROSTER, devices)


class Roster:
    """Who the sampling points sample: the roster walked in turn, each walk a day earlier
    (a resident is sampled once a day, as in the field)."""

    def __init__(self, numbers):
        self.numbers = list(numbers)
        random.Random(11).shuffle(self.numbers)
        self.taken = itertools.count()

    def next(self) -> tuple[str, int]:
        n = next(self.taken)
        return self.numbers[n % len(self.numbers)], n // len(self.numbers)


def _record_id(rng) -> str:
    """A UUIDv7 as phones make them (offline/client/outbox.js): the capture time in
    milliseconds, then random bits."""
    ms = time.time_ns() // 1_000_000
    return str(uuid.UUID(int=(ms << 80) | (7 << 76) | (rng.getrandbits(12) << 64) | (2 << 62)
                         | rng.getrandbits(62)))


def _records(sites, numbers, roster, rng, phone, size, seq):
    """About `size` records a phone captured: gate entries for even phones, tubes of 10
    (open, 10 samples, seal) for odd ones."""
    now = datetime.now(SHANGHAI)
    records = []

    def add(kind, data, when=now):
        records.append({"id": _record_id(rng), "seq": next(seq),
                        "type": kind, "recorded_at": when.isoformat(timespec="milliseconds"),
                        "data": data})

    if phone % 2 == 0:
        for _ in range(size):
            add("gate_entry", {"site_id": sites["gate"], "direction": rng.choice(("in", "out")),
                               "temperature_c": round(rng.uniform(36.0, 37.2), 1),
                               "person": {"doc_type": "cn_ric", "doc_number": rng.choice(numbers)}})
    else:
        for _ in range(max(1, size // 12)):
            people = [roster.next() for _ in range(10)]
            when = now - timedelta(days=people[0][1])
            tube = {"site_id": sites["sampling_point"], "tube": f"T{rng.getrandbits(60):018d}"}
            add("tube_open", tube, when)
            for number, _day in people:
                add("sample", {**tube, "person": {"doc_type": "cn_ric", "doc_number": number}}, when)
            add("tube_seal", tube, when)
    return records


def _body(device_id, records, pending=0):
    body = {"device_id": device_id, "app_version": "bench", "pending": pending, "records": records}
    return json.dumps(body).encode(), len(records)


def _batches(device_id, sites, numbers, roster, rng, phone):
    """A phone's endless batches of about BATCH records."""
    seq = itertools.count(1)
    while True:
        yield _body(device_id, _records(sites, numbers, roster, rng, phone, BATCH, seq))


# Each run's records get ids of their own: runs seeded alike (the half-capacity case and the
# 64-phone one) sent the same ids with other content, and measured the server telling
# conflicts instead of storing new records.
_RUN_SEEDS = itertools.count(1)


def _run(port, tokens, sites, numbers, roster, phones, seconds=SECONDS, pause=0.0, replay=True):
    rng = random.Random(next(_RUN_SEEDS))
    load = [(token, _batches(device_id, sites, numbers, roster, rng, i))
            for i, (device_id, token) in enumerate(tokens[:phones])]
    result = run_load(port, load, seconds, pause=pause)
    if replay:  # each phone sends again what was acknowledged
        per_phone = {}
        for token, body, count in result.pop("sent"):
            per_phone.setdefault(token, []).append((body, count))
        again = run_load(port, list(per_phone.items()), seconds)
        result["replay_records_per_s"] = again["records_per_s"]
    result.pop("sent", None)
    return result


def _storm_load(tokens, sites, numbers, roster):
    """STORM_PHONES phones, each with STORM_RECORDS queued records in batches of STORM_BATCH;
    returns the load and every record id by type."""
    rng = random.Random(99)
    load, ids = [], {}
    for i, (device_id, token) in enumerate(tokens):
        seq = itertools.count(1)
        queued = []
        while len(queued) < STORM_RECORDS:
            queued += _records(sites, numbers, roster, rng, i, min(BATCH, STORM_RECORDS - len(queued)), seq)
        for record in queued:
            ids.setdefault(record["type"], []).append(record["id"])
        bodies = [_body(device_id, queued[n:n + STORM_BATCH], max(0, len(queued) - n - STORM_BATCH))
                  for n in range(0, len(queued), STORM_BATCH)]
        load.append((token, bodies))
    return load, ids


STORM_CAP_S = float(os.environ.get("BENCH_STORM_CAP_SECONDS", "1800"))  # a storm still draining then is cut


def _storm(port, load):
    result = run_load(port, load, STORM_CAP_S)
    result["acknowledged"] = [r["id"] for _t, body, _n in result.pop("sent")
                              for r in json.loads(body)["records"]]
    finished = result.pop("finished")
    result["drained_s"] = finished[-1] if len(finished) == len(load) else float("inf")
    result["phones_done"] = len(finished)
    return result


def _exactly_once(env, community_id, ids, acknowledged) -> dict:
    """Every record the server acknowledged stored once (inbox rows, gate entries, samples),
    and nothing of the storm stored that was not acknowledged; `complete`: every record of
    the storm was acknowledged (the storm drained before the cap)."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import GateEntry, InboxRecord, Sample

    app = _app(env)
    every = [i for group in ids.values() for i in group]
    acked = set(acknowledged)
    found = {"records": len(every), "acknowledged": len(acked), "inbox": 0, "gate_entry": 0, "sample": 0}
    unacked = [i for i in every if i not in acked]
    found["stored_unacknowledged"] = 0
    with app.app_context():
        for start in range(0, len(unacked), 5000):  # cut by the cap while in flight: never sent
            found["stored_unacknowledged"] += db.session.scalar(select(func.count()).select_from(
                InboxRecord).where(InboxRecord.id.in_(unacked[start:start + 5000])))
        every = sorted(acked)
        for start in range(0, len(every), 5000):
            chunk = every[start:start + 5000]
            found["inbox"] += db.session.scalar(select(func.count()).select_from(InboxRecord).where(
                InboxRecord.id.in_(chunk), InboxRecord.community_id == community_id))
            found["gate_entry"] += db.session.scalar(select(func.count()).select_from(GateEntry).where(
                GateEntry.record_id.in_(chunk)))
            found["sample"] += db.session.scalar(select(func.count()).select_from(Sample).where(
                Sample.record_id.in_(chunk)))
        db.engine.dispose()
    gates, samples = (sum(i in acked for i in ids.get(kind, [])) for kind in ("gate_entry", "sample"))
    found["ok"] = (found["inbox"] == len(acked) and found["gate_entry"] == gates
                   and found["sample"] == samples and len(acknowledged) == len(acked)
                   and found["stored_unacknowledged"] == 0)
    found["complete"] = len(acked) == found["records"]
    return found


def _errors(figures: dict) -> str:
    """The error count, and what they were when there were any: '39 (HTTP 503 x39)'."""
    kinds = figures.get("error_kinds") or {}
    return str(figures["errors"]) + (" (" + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())) + ")"
                                     if kinds else "")


def bench_backend(name, url_for):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHECKPOINT_INSTANCE_PATH": f"{tmp}/inst",
               "CHECKPOINT_DATABASE_URL": url_for(tmp, "ours"),
               "CHECKPOINT_LOGIN_RATE_LIMIT": "100000 per minute"}
        sites, numbers, tokens = _prepare_ours(env, max(PHONES) + STORM_PHONES)
        tokens, storm_tokens = tokens[:max(PHONES)], tokens[max(PHONES):]
        roster = Roster(numbers)
        ours, port = _serve("wsgi:app", env)
        base_env = {**os.environ, "BASELINE_DATABASE_URL": url_for(tmp, "baseline")}
        os.environ["BASELINE_DATABASE_URL"] = base_env["BASELINE_DATABASE_URL"]
        from bench import baseline_app

        baseline_app.URL = base_env["BASELINE_DATABASE_URL"]
        baseline_app.create_schema()
        base, base_port = _serve("bench.baseline_app:app", base_env)
        bare = [(d, None) for d, _t in tokens]
        try:
            for phones in PHONES:
                b = _run(base_port, bare, sites, numbers, roster, phones)
                o = _run(port, tokens, sites, numbers, roster, phones)
                rows.append({"kind": "load", "backend": name, "phones": phones, "ours": o, "baseline": b,
                             "ratio": o["records_per_s"] / max(b["records_per_s"], 1e-9),
                             "replay_ratio": o["replay_records_per_s"] / max(o["records_per_s"], 1e-9)})
                print(f"  {name:<10} {phones:>4} phones  ours {o['records_per_s']:>8.0f} rec/s "
                      f"(p50 {o['p50_ms']:.0f} ms, p99 {o['p99_ms']:.0f} ms, errors {_errors(o)}, refused {o['refused']})  "
                      f"baseline {b['records_per_s']:>8.0f} rec/s  ours/baseline {rows[-1]['ratio']:.2f}  "
                      f"replay/first {rows[-1]['replay_ratio']:.2f}", flush=True)
            # Half of the capacity measured at 64 phones, offered by 64 phones that pause.
            capacity = next(r["ours"]["records_per_s"] for r in rows if r["phones"] == 64)
            pause = 64 * BATCH / (capacity / 2)
            o = _run(port, tokens, sites, numbers, roster, 64, seconds=max(2 * SECONDS, 6 * pause),
                     pause=pause, replay=False)
            b = _run(base_port, bare, sites, numbers, roster, 64, seconds=max(2 * SECONDS, 6 * pause),
                     pause=pause, replay=False)
            rows.append({"kind": "half", "backend": name, "phones": 64, "ours": o, "baseline": b,
                         "offered": capacity / 2})
            print(f"  {name:<10} half capacity ({capacity / 2:.0f} rec/s offered by 64 phones pausing "
                  f"{pause:.2f} s): ours p50 {o['p50_ms']:.0f} ms, p99 {o['p99_ms']:.0f} ms "
                  f"({o['records_per_s']:.0f} rec/s, errors {_errors(o)}, refused {o['refused']}); baseline p99 {b['p99_ms']:.0f} ms",
                  flush=True)
            load, ids = _storm_load(storm_tokens, sites, numbers, roster)
            o = _storm(port, load)
            o["check"] = _exactly_once(env, sites["community"], ids, o.pop("acknowledged"))
            b = _storm(base_port, [(None, bodies) for _t, bodies in load])
            b.pop("acknowledged")
            rows.append({"kind": "storm", "backend": name, "phones": len(load), "ours": o, "baseline": b})
            print(f"  {name:<10} storm {len(load)} phones x {STORM_RECORDS} records: last phone empty after "
                  f"{o['drained_s']:.1f} s ({o['records_per_s']:.0f} rec/s, p50 {o['p50_ms']:.0f} ms, "
                  f"p99 {o['p99_ms']:.0f} ms per batch, errors {_errors(o)}, refused {o['refused']}); stored exactly once: "
                  f"{o['check']['ok']} ({o['check']}); baseline {b['drained_s']:.1f} s", flush=True)
            if name == "postgresql":
                _stop(ours)
                ours = None
                for processes in PG_PROCESSES:
                    proc, p_port = _serve("wsgi:app", env, ("--workers", str(processes), "--threads", "4"))
                    try:
                        o = _run(p_port, tokens, sites, numbers, roster, 64, replay=False)
                    finally:
                        _stop(proc)
                    rows.append({"kind": "processes", "backend": name, "phones": 64,
                                 "processes": processes, "ours": o})
                    print(f"  {name:<10} {processes} app process(es), 64 phones: {o['records_per_s']:.0f} "
                          f"rec/s (p99 {o['p99_ms']:.0f} ms, errors {_errors(o)}, refused {o['refused']})", flush=True)
        finally:
            for proc in (ours, base):
                if proc is not None:
                    _stop(proc)
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


def _table_rows(rows) -> list[dict]:
    table = []
    for r in rows:
        o, b, where = r["ours"], r.get("baseline"), f"{r['backend']} {r['phones']} phones"
        if r["kind"] == "load":
            table.append({"bench": "ingest", "case": where, "value": o["records_per_s"], "unit": "records/s",
                          "baseline": b["records_per_s"], "ratio": r["ratio"], "goal": f">= {GOALS['ratio']}"
                          if r["phones"] == 64 else "", "met": r["ratio"] >= GOALS["ratio"] if r["phones"] == 64 else None,
                          "p50_ms": o["p50_ms"], "p99_ms": o["p99_ms"], "errors": o["errors"], "refused": o["refused"]})
            table.append({"bench": "ingest", "case": f"{where}: replay vs first delivery",
                          "value": o["replay_records_per_s"], "unit": "records/s", "baseline": o["records_per_s"],
                          "ratio": r["replay_ratio"], "goal": f">= {GOALS['replay']}",
                          "met": r["replay_ratio"] >= GOALS["replay"]})
        elif r["kind"] == "half":
            table.append({"bench": "ingest", "case": f"{where} at half capacity ({r['offered']:.0f} rec/s "
                          "offered): p99 per batch", "value": o["p99_ms"], "unit": "ms", "baseline": b["p99_ms"],
                          "ratio": o["p99_ms"] / max(b["p99_ms"], 1e-9), "goal": f"< {GOALS['half_p99_ms']:.0f} ms",
                          "met": o["p99_ms"] < GOALS["half_p99_ms"] and o["errors"] == o["refused"] == 0})
        elif r["kind"] == "storm":
            check = o["check"]
            table.append({"bench": "ingest", "case": f"{r['backend']} storm {r['phones']} phones x {STORM_RECORDS} "
                          f"records: until the last phone is empty (p50/p99 per batch {o['p50_ms']:.0f}/"
                          f"{o['p99_ms']:.0f} ms, errors {_errors(o)}, refused {o['refused']}, acknowledged {check['acknowledged']} of "
                          f"{check['records']}, each stored exactly once: {check['ok']})",
                          "value": o["drained_s"], "unit": "s", "baseline": b["drained_s"],
                          "ratio": o["drained_s"] / max(b["drained_s"], 1e-9), "goal": f"< {GOALS['storm_s']:.0f} s",
                          "met": o["drained_s"] < GOALS["storm_s"] and o["errors"] == o["refused"] == 0 and check["ok"]
                          and check["complete"]})
        else:
            one = next(x["ours"]["records_per_s"] for x in rows if x["kind"] == "processes" and x["processes"] == 1)
            table.append({"bench": "ingest", "case": f"{r['backend']} {r['processes']} app processes, 64 phones "
                          "(vs 1 process)", "value": o["records_per_s"], "unit": "records/s", "baseline": one,
                          "ratio": o["records_per_s"] / max(one, 1e-9)})
    return table


def main() -> list[dict]:
    print(f"Sync ingest: batches of ~{BATCH} gate entries or tube records, {SECONDS:.0f} s per run, "
          f"gunicorn {' '.join(WORKERS)}, roster of {ROSTER}")
    rows = bench_backend("sqlite", lambda tmp, which: f"sqlite:///{tmp}/{which}.db")
    pg = os.environ.get("CHECKPOINT_BENCH_PG_URL")
    if pg:
        rows += bench_backend("postgresql", _pg_url(pg))
    else:
        print("  postgresql: skipped (set CHECKPOINT_BENCH_PG_URL to a scratch database)")
    return _table_rows(rows)


if __name__ == "__main__":
    main()
