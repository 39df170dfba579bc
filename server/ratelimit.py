"""A `limits` storage in our own database, so that PIN throttling counts across every gunicorn
worker and every machine sharing the database (memory:// would count per process).

Configured as RATELIMIT_STORAGE_URI = "checkpointdb://". Each call is one autocommit statement on
an engine of its own: the upsert is atomic on SQLite and PostgreSQL, and it never waits on (or
joins) the request's transaction, which on SQLite holds the write lock from its first statement."""
import time

from flask import current_app
from limits.storage import Storage
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

SCHEME = "checkpointdb"
CLEAN_EVERY = 200  # calls to incr between sweeps of expired buckets

_INCR = text("""
    INSERT INTO rate_limit_bucket ("key", hits, expires_at) VALUES (:key, :amount, :expires)
    ON CONFLICT ("key") DO UPDATE SET
        hits = CASE WHEN rate_limit_bucket.expires_at <= :now THEN excluded.hits
                    ELSE rate_limit_bucket.hits + excluded.hits END,
        expires_at = CASE WHEN rate_limit_bucket.expires_at <= :now THEN excluded.expires_at
                          ELSE rate_limit_bucket.expires_at END
    RETURNING hits""")

_engines: dict[str, object] = {}


def _engine():
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            # A connection per call: test runs create many database files, none should stay open.
            engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

            @event.listens_for(engine, "connect")
            def _busy_timeout(dbapi_connection, _record):
                dbapi_connection.execute("PRAGMA busy_timeout=10000")
        else:
            engine = create_engine(url, pool_size=2, max_overflow=4, pool_pre_ping=True,
                                   isolation_level="AUTOCOMMIT")
        engine = _engines.setdefault(url, engine)
    return engine


class DatabaseStorage(Storage):
    """Fixed-window counters in the rate_limit_bucket table (migration 0500)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._calls = 0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with _engine().connect() as conn:
            hits = conn.execute(_INCR, {"key": key, "amount": amount, "expires": now + expiry,
                                        "now": now}).scalar_one()
            self._calls += 1
            if self._calls % CLEAN_EVERY == 0:
                conn.execute(text("DELETE FROM rate_limit_bucket WHERE expires_at <= :now"),
                             {"now": now})
        return hits

    def decr(self, key: str, amount: int = 1) -> int:
        """Give hits back (server/auth/throttle.py): never below zero, never into a new window."""
        with _engine().connect() as conn:
            hits = conn.execute(text(
                'UPDATE rate_limit_bucket SET hits = hits - :amount '
                'WHERE "key" = :key AND expires_at > :now AND hits >= :amount RETURNING hits'),
                {"key": key, "amount": amount, "now": time.time()}).scalar()
        return hits or 0

    def get(self, key: str) -> int:
        with _engine().connect() as conn:
            hits = conn.execute(text(
                'SELECT hits FROM rate_limit_bucket WHERE "key" = :key AND expires_at > :now'),
                {"key": key, "now": time.time()}).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with _engine().connect() as conn:
            expires = conn.execute(text(
                'SELECT expires_at FROM rate_limit_bucket WHERE "key" = :key AND expires_at > :now'),
                {"key": key, "now": now}).scalar()
        return expires or now

    def check(self) -> bool:
        try:
            with _engine().connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with _engine().connect() as conn:
            return conn.execute(text("DELETE FROM rate_limit_bucket")).rowcount

    def clear(self, key: str) -> None:
        with _engine().connect() as conn:
            conn.execute(text('DELETE FROM rate_limit_bucket WHERE "key" = :key'), {"key": key})


def dispose_engines() -> None:
    """Close the limiter's connections (tests, and before forking workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
