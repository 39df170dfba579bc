"""The baseline for the ingest benchmark: a bare Flask endpoint that stores a batch with one
idempotent multi-row insert (INSERT ... ON CONFLICT DO NOTHING) and answers per record.

It does what any sync endpoint must at least do (parse, store once, answer), and nothing of
what ours adds (auth, validation, encryption, domain rows, flags), so our/baseline is the
price of those. Served by gunicorn like the app: `gunicorn bench.baseline_app:app`."""
import json
import os
import sqlite3
import threading

from flask import Flask, jsonify, request

URL = os.environ["BASELINE_DATABASE_URL"]
DDL = ("CREATE TABLE IF NOT EXISTS inbox (id VARCHAR(36) PRIMARY KEY, device_id VARCHAR(36), "
       "type VARCHAR(20), payload TEXT)")

app = Flask(__name__)


def connect():
    if URL.startswith("sqlite:///"):
        conn = sqlite3.connect(URL.removeprefix("sqlite:///"), isolation_level=None, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn, "?"
    import psycopg

    return psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://")), "%s"


_local = threading.local()  # one connection per gunicorn thread


@app.post("/api/v1/sync")
def sync():
    if not hasattr(_local, "conn"):
        _local.conn, _local.mark = connect()
    _conn, _mark = _local.conn, _local.mark
    body = json.loads(request.get_data())
    rows = [(r["id"], body.get("device_id"), r["type"], json.dumps(r, ensure_ascii=False))
            for r in body["records"]]
    sql = (f"INSERT INTO inbox (id, device_id, type, payload) VALUES ({_mark}, {_mark}, {_mark}, {_mark}) "
           "ON CONFLICT (id) DO NOTHING")
    cur = _conn.cursor()
    if isinstance(_conn, sqlite3.Connection):
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(sql, rows)
        cur.execute("COMMIT")
    else:
        cur.executemany(sql, rows)
        _conn.commit()
    return jsonify(results=[{"id": r[0], "status": "accepted", "warnings": []} for r in rows])


def create_schema():
    conn, _ = connect()
    conn.cursor().execute(DDL)
    if not isinstance(conn, sqlite3.Connection):
        conn.commit()
    conn.close()
