"""A district-year of data, generated fast for the page benchmarks (`python -m bench.district`).

Residents spread over communities of ~7,000 people; testing rounds (every resident sampled
once, 10 to a tube) spread over the year, the last one today and still in progress (open,
sealed, unboxed tubes, no results yet) so the board has work; gate passages spread over the
year; lab results for every finished tube, a few positives with retests, fever flags.

Rows go straight through the DBAPI (COPY on PostgreSQL, executemany on SQLite), never through
ORM objects: a million rows take seconds, not minutes. Sizes are arguments, so CI can run a
tiny district and `make bench` a small one; the full district-year is
`--residents 500000 --samples 10000000 --gates 10000000` on PostgreSQL.
"""
import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text

CHUNK = 20_000
PER_COMMUNITY = 7_000
TUBE = 10
ZONE = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红鹏辉建国志海燕雪梅晨曦"
SUPERVISOR_PIN = "123456"


class Writer:
    """Bulk rows into one table through the raw DBAPI connection."""

    def __init__(self, connection):
        self.raw = connection.connection.driver_connection
        self.pg = connection.dialect.name == "postgresql"
        self.rows = 0

    def value(self, v):
        # SQLite stores SQLAlchemy DateTime as naive UTC text, booleans as 0/1.
        if self.pg:
            return json.dumps(v) if isinstance(v, dict) else v
        if isinstance(v, datetime):
            return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, dict):
            return json.dumps(v)
        return v

    def write(self, table: str, columns: tuple, rows) -> int:
        if isinstance(rows, list) and not rows:
            return 0
        count, cur = 0, self.raw.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        if self.pg:
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([self.value(v) for v in row])
                    count += 1
        else:
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            batch = []
            for row in rows:
                batch.append(tuple(self.value(v) for v in row))
                if len(batch) >= CHUNK:
                    cur.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cur.executemany(sql, batch)
            count += len(batch)
        self.rows += count
        return count


def _id_number(i: int) -> str:
    body = f"110105{1940 + i % 70}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + str(i // 1000 % 10)  # unique per i within 10 M; not a valid checksum


def generate(app, *, residents: int, samples: int, gates: int, days: int = 365,
             seed: int = 1, now: datetime | None = None, log=print) -> dict:
    """Fill an empty migrated database. Returns what was written, with timings."""
    from server.auth.pins import hash_pin
    from server.extensions import db
    from server.models import Person
    from server.privacy import vault

    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    started = time.monotonic()
    n_comm = max(1, round(residents / PER_COMMUNITY))
    counts: dict[str, int] = {}
    with app.app_context():
        v = vault()
        with db.engine.begin() as conn:
            if conn.execute(text("SELECT count(*) FROM community")).scalar():
                raise SystemExit("the database already holds communities: generate into an empty one")
            w = Writer(conn)

            def put(table, columns, rows):
                t0 = time.monotonic()
                counts[table] = counts.get(table, 0) + w.write(table, columns, rows)
                log(f"  {table}: {counts[table]:,} rows ({time.monotonic() - t0:.1f} s)")

            comms = list(range(1, n_comm + 1))
            put("community", ("id", "code", "name", "fever_threshold_c"),
                ((c, f"d{c:03d}", f"社区{c}", 37.3) for c in comms))
            # Sites per community: gates 4c-3, 4c-2; sampling points 4c-1, 4c.
            put("site", ("id", "community_id", "code", "name", "kind", "tube_capacity"),
                ((4 * c - 4 + k, c, code, code, kind, TUBE) for c in comms
                 for k, (code, kind) in enumerate((("G1", "gate"), ("G2", "gate"),
                                                   ("S1", "sampling_point"), ("S2", "sampling_point")), 1)))
            pin = hash_pin(SUPERVISOR_PIN)
            put("user", ("id", "community_id", "username", "display_name", "role", "pin_hash",
                         "active", "session_version", "created_at"),
                ((2 * c - 1 + k, c, f"{role}-d{c:03d}", role, role, pin, True, 1, now - timedelta(days=days))
                 for c in comms for k, role in enumerate(("supervisor", "clerk"))))
            # Four phones per community; one holds unsynced records for a while.
            put("device", ("id", "user_id", "community_id", "name", "token_hash", "created_at",
                           "expires_at", "last_seen_at", "last_sync_at", "pending", "max_seq", "received_count"),
                ((f"00000000-0000-4000-8000-{c:06d}{k:06d}", 2 * c, c, v.encrypt(f"phone {k}"), f"{c:032d}{k:032d}",
                  now - timedelta(days=30), now + timedelta(days=30), now - timedelta(minutes=5 + 60 * k),
                  now - timedelta(minutes=5 + 60 * k), 12 if k == 3 else 0, 1000, 1000)
                 for c in comms for k in range(4)))

            people_of = {c: [] for c in comms}

            def people():
                for i in range(1, residents + 1):
                    c = comms[(i - 1) * n_comm // residents]
                    people_of[c].append(i)
                    k = len(people_of[c])
                    number = _id_number(i)
                    tag = "elderly-alone" if k % 50 == 0 else ("disabled" if k % 97 == 0 else "")
                    name = SURNAMES[i % len(SURNAMES)] + GIVEN[i * 7 % len(GIVEN)]
                    yield (i, c, "cn_ric", Person.lookup_hash("cn_ric", number), v.encrypt(number), v.encrypt(name),
                           v.encrypt(f"138{i:08d}"), f"苑{k // 2000 + 1}", f"{k // 2000 + 1}-{k // 72 % 28 + 1}",
                           str(k // 24 % 3 + 1), f"{k % 12 + 1}{k % 2 + 1:02d}", tag, True, now - timedelta(days=days))
            put("person", ("id", "community_id", "doc_type", "doc_hash", "doc_number", "name", "phone",
                           "compound", "building", "unit", "room", "tags", "in_roster", "created_at"), people())

            rounds = max(1, -(-samples // max(residents, 1)))
            gap = max(1, days // rounds)
            state = {"tube": 0, "sample": 0, "box": 0, "result": 0, "retest": 0}

            def round_chunk(r, c, start, span):
                """Boxes, tubes, results, samples and retests of community c in round r
                (r = 0 is today's, still in progress)."""
                boxes, tubes, results, rows, retests = [], [], [], [], []
                left = samples - state["sample"]
                order = rng.sample(people_of[c], min(len(people_of[c]), max(left, 0)))
                n_tubes = -(-len(order) // TUBE)
                box = None
                for t in range(n_tubes):
                    state["tube"] += 1
                    tid = state["tube"]
                    site = 4 * c - 1 + t % 2
                    opened = start + timedelta(seconds=span * t / n_tubes)
                    sealed = opened + timedelta(minutes=8)
                    # Today's tail is still open, the middle sealed but not boxed, nothing
                    # resulted yet; older rounds are finished.
                    frac = t / n_tubes
                    status, result, box_id = "resulted", "negative", None
                    if r == 0:
                        status = ("open" if frac > 0.98 or t == n_tubes - 1
                                  else "sealed" if frac > 0.7 else "handed_over")
                        result = None
                    if status == "open":
                        sealed = None
                    if status not in ("open", "sealed"):
                        if box is None or t % 50 == 0:
                            state["box"] += 1
                            box = state["box"]
                            boxes.append((box, c, site, f"B{box:08d}", sealed, sealed + timedelta(minutes=50)))
                        box_id = box
                    if result and rng.random() < 0.001:
                        result = "positive"
                    barcode = f"T{tid:09d}"
                    tubes.append((tid, c, site, barcode, TUBE, status, opened, sealed, box_id, result))
                    if result:
                        state["result"] += 1
                        results.append((state["result"], c, barcode, tid, result,
                                        opened + timedelta(hours=6), opened + timedelta(hours=7)))
                    for slot, pid in enumerate(order[t * TUBE:(t + 1) * TUBE], 1):
                        if status == "open" and slot > 6:
                            break
                        state["sample"] += 1
                        sid = state["sample"]
                        if result == "positive":
                            state["retest"] += 1
                            retests.append((state["retest"], c, state["result"], pid, tid, "pending",
                                            opened + timedelta(hours=7)))
                        rows.append((sid, f"5a{sid:030x}", c, site, tid, pid, slot,
                                     opened + timedelta(seconds=slot * 20), None))
                return boxes, tubes, results, rows, retests

            t0 = time.monotonic()
            for r in range(rounds):
                day = (now.astimezone(ZONE) - timedelta(days=r * gap)).date()
                start = datetime(day.year, day.month, day.day, 7, tzinfo=ZONE).astimezone(timezone.utc)
                end = min(start + timedelta(hours=10), now - timedelta(minutes=1))
                if end <= start:
                    start, end = now - timedelta(hours=2), now - timedelta(minutes=1)
                for c in comms:
                    if state["sample"] >= samples:
                        break
                    boxes, tubes, results, rows, retests = round_chunk(r, c, start, (end - start).total_seconds())
                    for table, columns, chunk in (
                            ("box", ("id", "community_id", "site_id", "barcode", "created_at", "handed_over_at"), boxes),
                            ("tube", ("id", "community_id", "site_id", "barcode", "capacity", "status", "opened_at",
                                      "sealed_at", "box_id", "result"), tubes),
                            ("lab_result", ("id", "community_id", "tube_barcode", "tube_id", "result", "reported_at",
                                            "imported_at"), results),
                            ("sample", ("id", "record_id", "community_id", "site_id", "tube_id", "person_id", "slot",
                                        "recorded_at", "voided_at"), rows),
                            ("retest", ("id", "community_id", "lab_result_id", "person_id", "tube_id", "status",
                                        "created_at"), retests)):
                        counts[table] = counts.get(table, 0) + w.write(table, columns, chunk)
                log(f"  round {r + 1}/{rounds} ({day}): {state['sample']:,} samples, "
                    f"{state['tube']:,} tubes ({time.monotonic() - t0:.1f} s)")

            flags = []

            def gate_entries():
                span = days * 86400
                for g in range(1, gates + 1):
                    c = comms[(g - 1) * n_comm // max(gates, 1)]
                    at = now - timedelta(seconds=span * (1 - g / (gates + 1)) ** 2)  # denser lately
                    members = people_of[c]
                    pid = members[g * 7919 % len(members)] if members else None
                    temp = 36.2 + (g % 9) / 10
                    fever = g % 997 == 0
                    if fever:
                        temp = 38.1
                        flags.append((len(flags) + 1, c, "fever", 4 * c - 3 + g % 2, pid, f"6a{g:030x}",
                                      {"temperature_c": temp}, at, at + timedelta(minutes=30)))
                    yield (g, f"6a{g:030x}", c, 4 * c - 3 + g % 2, pid, "in" if g % 2 else "out",
                           temp, fever, False, at, at)
            put("gate_entry", ("id", "record_id", "community_id", "site_id", "person_id", "direction",
                               "temperature_c", "fever", "turned_back", "recorded_at", "received_at"),
                gate_entries())
            # Most fevers were dealt with; the last few are open on the board.
            put("flag", ("id", "community_id", "kind", "site_id", "person_id", "record_id", "detail",
                         "created_at", "resolved_at"),
                (f if f[7] < now - timedelta(hours=6) else f[:8] + (None,) for f in flags))
            if w.pg:
                for table in ("community", "site", "user", "person", "sample", "box", "tube",
                              "lab_result", "retest", "gate_entry", "flag"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                      f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table}\"), false)"))
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    seconds = time.monotonic() - started
    return {"communities": n_comm, "rounds": rounds, "rows": counts, "seconds": round(seconds, 1),
            "rows_per_s": round(sum(counts.values()) / max(seconds, 1e-9))}


def make_app(url: str):
    """An app on `url`, migrated to head (keys are throwaway: this is benchmark data)."""
    import base64

    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "SQLALCHEMY_DATABASE_URI": url,
                      "DATA_KEY": base64.b64encode(b"d" * 32).decode(),
                      "HASH_KEY": base64.b64encode(b"h" * 32).decode(),
                      "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="an empty database (SQLAlchemy URL)")
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--gates", type=int, default=1_000_000, help="gate entries")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    app = make_app(args.url)
    report = generate(app, residents=args.residents, samples=args.samples, gates=args.gates, days=args.days)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
