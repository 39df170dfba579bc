"""Engine settings that protect the data: SQLite in WAL with foreign keys and immediate writes."""
from flask import Flask, has_request_context, request
from sqlalchemy import event

from .extensions import db

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE below is ours:
        # a deferred transaction that later wants to write fails with "database is locked"
        # instead of waiting out the busy timeout.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Requests that may write take the write lock up front; reads (GET pages, the CLI's
        # look-ups) stay deferred so that, in WAL, they never block a writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _writing_request() -> bool:
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
