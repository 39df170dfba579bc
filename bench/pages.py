"""Supervisor pages at district scale: server time of every page and export, and query plans.

Generates a district (bench/district.py) once per size into bench/results/ (SQLite) or into
BENCH_PG_URL (PostgreSQL, only when set; the database must be empty or hold the same size),
logs in as the supervisor of the first community and times each page with the Flask test
client (median and p95 of BENCH_PAGES_RUNS runs) against the health endpoint of the same app,
measured in the same run. Every SQL statement the board and the pages send is captured and
explained (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) into
bench/results/plans-<backend>.txt; a plan that scans a big table is listed in the figures.

Sizes: BENCH_DISTRICT="residents,samples,gate entries" (default 50000,300000,300000: a minute
here). The issue's sizes: 500000,1000000,1000000 on SQLite and 500000,10000000,10000000 on
PostgreSQL (BENCH_PG_URL=postgresql+psycopg://...).
"""
import os
import re
import statistics
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, text

from .district import SUPERVISOR_PIN, ZONE, generate, make_app

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZE = "50000,300000,300000"
TARGET_MS = 300
# Tables big enough that a scan of them is a bug at district scale.
BIG = ("sample", "gate_entry", "tube", "person", "lab_result", "box", "flag", "inbox_record", "audit_event")


def _size() -> tuple[int, int, int]:
    residents, samples, gates = (int(x) for x in os.environ.get("BENCH_DISTRICT", DEFAULT_SIZE).split(","))
    return residents, samples, gates


def district(url: str | None, size) -> tuple[object, str, dict]:
    """An app on a generated district of `size`, generated now unless already there."""
    residents, samples, gates = size
    if url is None:
        path = RESULTS / f"district-{residents}-{samples}-{gates}.db"
        url = f"sqlite:///{path}"
        if path.exists() and not Path(f"{path}.done").exists():
            path.unlink()  # an interrupted generation
    app = make_app(url)
    from server.extensions import db
    with app.app_context():
        existing = db.session.scalar(text("SELECT count(*) FROM sample"))
        db.session.remove()
    info = {"generated": False}
    if not existing:
        print(f"  generating a district of {residents:,} residents, {samples:,} samples, "
              f"{gates:,} gate entries ...")
        info = {"generated": True, **generate(app, residents=residents, samples=samples, gates=gates,
                                                log=lambda *_: None)}
        print(f"  generated in {info['seconds']} s ({info['rows_per_s']:,} rows/s)")
        if url.startswith("sqlite"):
            Path(f"{url[len('sqlite:///'):]}.done").touch()
    elif abs(existing - samples) > samples * 0.05:
        raise SystemExit(f"{url} holds {existing:,} samples, not {samples:,}: use an empty database")
    return app, url.split(":")[0].split("+")[0], info


@contextmanager
def captured(engine):
    """Every statement (with parameters) sent while inside."""
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _scans(plan: str, backend: str) -> list[str]:
    """Big tables the plan reads whole."""
    found = []
    for table in BIG:
        if backend == "sqlite":
            pattern = rf"\bSCAN {table}\b"  # SEARCH is bounded; SCAN reads it all (index or not)
        else:
            pattern = rf"Seq Scan on {table}\b"
        if re.search(pattern, plan):
            found.append(table)
    return found


def explain(app, statements, backend) -> list[dict]:
    from server.extensions import db
    out, seen = [], set()
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, params in statements:
                if statement in seen:
                    continue
                seen.add(statement)
                if backend == "sqlite":
                    cur.execute("EXPLAIN QUERY PLAN " + statement, params)
                    plan = "\n".join(f"{'  ' * (row[1] > 0)}{row[3]}" for row in cur.fetchall())
                else:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                    plan = "\n".join(row[0] for row in cur.fetchall())
                out.append({"sql": statement, "plan": plan, "scans": _scans(plan, backend)})
            raw.rollback()
        finally:
            raw.close()
    return out


def _time(client, url, runs, headers=None) -> dict:
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers or {})
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if i:  # the first run warms caches
            times.append(elapsed)
    times.sort()
    return {"median": statistics.median(times), "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
            "bytes": len(response.data)}


def pages(today: str, gate_site: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("board", "/supervisor/board", None),
        ("board fragment (htmx)", "/supervisor/board", {"HX-Request": "true"}),
        ("devices", "/supervisor/devices", None),
        ("coverage", f"/supervisor/coverage?date={today}", None),
        ("coverage, one building", f"/supervisor/coverage?date={today}&building=1-1", None),
        ("dashboard", f"/supervisor/dashboard?date={today}", None),
        ("retests", "/supervisor/retests", None),
        ("results", "/supervisor/results", None),
        ("exports", "/supervisor/exports", None),
        ("export tubes.csv (day)", f"/supervisor/exports/tubes.csv?date={today}", None),
        ("export gate.csv (day)", f"/supervisor/exports/gate.csv?date={today}", None),
        ("export retests.csv (day)", f"/supervisor/exports/retests.csv?date={today}", None),
        ("gate log", f"/gate/{gate_site}/log?date={today}", None),
    ]


def run(url: str | None, size, runs: int) -> tuple[list[dict], dict]:
    app, backend, info = district(url, size)
    from server.extensions import db
    today = datetime.now(timezone.utc).astimezone(ZONE).date().isoformat()
    client = app.test_client()
    response = client.post("/login", data={"username": "supervisor-d001", "pin": SUPERVISOR_PIN})
    if response.status_code != 302:
        raise RuntimeError(f"supervisor login failed: {response.status_code}")
    health = _time(client, "/api/v1/health", runs * 3)
    rows, timings, statements = [], {}, {}
    for name, path, headers in pages(today, gate_site=1):
        with app.app_context():
            engine = db.engine
        with captured(engine) as seen:
            timings[name] = _time(client, path, runs, headers)
        statements[name] = seen
        rows.append({"bench": f"pages-{backend}", "case": f"{name} median ms (p95 {timings[name]['p95']:.0f})",
                     "value": timings[name]["median"], "unit": "ms", "baseline": health["median"],
                     "ratio": timings[name]["median"] / health["median"]})
    # The reconciliation checks alone, statement by statement.
    from server.supervisor.checks import run_checks
    with app.app_context():
        with captured(db.engine) as seen:
            t0 = time.perf_counter()
            items = run_checks(1, datetime.now(timezone.utc))
            checks_ms = (time.perf_counter() - t0) * 1000
        db.session.remove()
    plans = {"run_checks": explain(app, seen, backend)}
    for name, seen_page in statements.items():
        plans[name] = explain(app, seen_page, backend)
    _write_plans(backend, size, plans)
    scans = sorted({f"{page}: {t}" for page, ps in plans.items() for p in ps for t in p["scans"]})
    rows.append({"bench": f"pages-{backend}", "case": f"run_checks median ms ({len(items)} items)",
                 "value": checks_ms, "unit": "ms", "baseline": health["median"],
                 "ratio": checks_ms / health["median"]})
    report = {"backend": backend, "size": size, "district": info, "health_ms": health, "pages": timings,
              "checks_ms": checks_ms, "check_items": len(items), "big_table_scans": scans,
              "over_target": [n for n, t in timings.items() if t["median"] > TARGET_MS]}
    return rows, report


def _write_plans(backend, size, plans) -> None:
    lines = [f"# Query plans, {backend}, district {size} (residents, samples, gate entries)\n"]
    for page, explained in plans.items():
        lines.append(f"\n## {page}\n")
        for p in explained:
            flag = f"   <-- scans {', '.join(p['scans'])}" if p["scans"] else ""
            sql = re.sub(r"\s+", " ", p["sql"])
            lines.append(f"\n{sql}{flag}\n{p['plan']}\n")
    (RESULTS / f"plans-{backend}.txt").write_text("".join(lines))


def main() -> list[dict]:
    import json
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = int(os.environ.get("BENCH_PAGES_RUNS", "7"))
    size = _size()
    rows, reports = [], []
    targets = [None] + ([os.environ["BENCH_PG_URL"]] if os.environ.get("BENCH_PG_URL") else [])
    for url in targets:
        if url and os.environ.get("BENCH_PG_DISTRICT"):
            size = tuple(int(x) for x in os.environ["BENCH_PG_DISTRICT"].split(","))
        got, report = run(url, size, runs)
        rows += got
        reports.append(report)
        for name, t in report["pages"].items():
            print(f"  {report['backend']:10} {name:28} median {t['median']:7.1f} ms  p95 {t['p95']:7.1f} ms")
        print(f"  health {report['health_ms']['median']:.2f} ms; run_checks {report['checks_ms']:.0f} ms; "
              f"big-table scans: {report['big_table_scans'] or 'none'}")
    (RESULTS / "pages.json").write_text(json.dumps(reports, indent=2, default=str))
    return rows


if __name__ == "__main__":
    main()
