"""Engine settings that protect the data: SQLite in WAL with foreign keys and immediate writes."""
import fcntl
import os
import sys
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from flask import Flask, g, has_request_context, request
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
    gate = WriteGate(engine.url.database)

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

    unsynced: set[int] = set()  # connections in a transaction committed without fsync

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Requests that may write take the write lock up front; reads (GET pages, the CLI's
        # look-ups) stay deferred so that, in WAL, they never block a writer.
        if _writing_request():
            gate.enter(connection.connection)
            if has_request_context() and g.pop("nothing_captured", False):
                # Set outside the transaction (SQLite refuses it inside); FULL again at its end.
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                unsynced.add(_key(connection.connection))
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    commit, rollback = engine.dialect.do_commit, engine.dialect.do_rollback

    def ended(dbapi_connection):
        # Before the connection can go back to the pool: every later transaction on it syncs.
        # (A commit that failed leaves the transaction open: the rollback that follows restores.)
        key = _key(dbapi_connection)
        if key in unsynced and not dbapi_connection.in_transaction:
            dbapi_connection.execute("PRAGMA synchronous=FULL")
            unsynced.discard(key)
        gate.leave(dbapi_connection)

    def do_commit(dbapi_connection):
        try:
            commit(dbapi_connection)
        finally:
            ended(dbapi_connection)

    def do_rollback(dbapi_connection):  # also what the pool does to a connection given back
        try:
            rollback(dbapi_connection)
        finally:
            ended(dbapi_connection)

    engine.dialect.do_commit, engine.dialect.do_rollback = do_commit, do_rollback


_WRITING = ContextVar("checkpoint_writing", default=False)


@contextmanager
def writing():
    """Outside a request (the scheduler, commands): transactions begun inside take the write
    lock up front, like a writing request. Without it a job that reads, then writes, fails
    with "database is locked" when a request wrote in between."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _writing_request() -> bool:
    if _WRITING.get():
        return True
    return (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
            and not g.get("reading_first"))


def reads_first(view):
    """A writing view that first reads what it can without the write lock (on SQLite, one
    writer at a time: the less a request holds the lock, the more requests pass), then
    calls start_writing()."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.reading_first = True
        return view(*args, **kwargs)

    return wrapper


def start_writing(captured: bool = True) -> None:
    """End the read-only transaction of a reads_first view; the next one takes the write lock.
    Objects loaded so far are reloaded on first use, inside the writing transaction.

    `captured=False`: the transaction writes nothing captured (a batch of replays: only the
    phone's last-seen time and queue length). SQLite then commits it without waiting for the
    disk: a power cut may lose it, the phone's next sync writes it again, and the next synced
    commit makes it durable anyway (one WAL). One fsync per batch under the write lock bounded
    the replays of a reconnection storm.

    PostgreSQL takes no lock at BEGIN and reads committed rows at every statement: the reads
    and the writes stay one transaction there (a COMMIT, a BEGIN and a connection's check-out
    with its ping less per sync batch), and the loaded objects are expired the same way."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    else:
        db.session.expire_all()
    g.reading_first = False
    g.nothing_captured = not captured


class WriteGate:
    """Writers queue on a file lock next to the database before BEGIN IMMEDIATE.

    SQLite has one writer at a time, and a writer that finds the lock taken polls for it
    (sleeping up to 100 ms between tries): under load some requests wait seconds while
    others pass. A blocking flock() queues the workers' threads in the kernel instead, and
    is released by the kernel if a worker dies holding it."""

    def __init__(self, database: str | None):
        self.path = f"{database}-writegate" if database and database != ":memory:" else None
        # id(DBAPI connection) -> (lock file descriptor, thread that took it)
        self.held: dict[int, tuple[int, int]] = {}

    def enter(self, connection) -> None:
        me = threading.get_ident()
        if self.path is None or any(thread == me for _fd, thread in list(self.held.values())):
            return  # a second connection of a thread already inside: SQLite's own lock decides
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.held[_key(connection)] = (fd, me)
        _hurry.enter()

    def leave(self, connection) -> None:
        fd, _thread = self.held.pop(_key(connection), (None, None))
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its lock
            _hurry.leave()


class _Hurry:
    """While a thread of this process holds the write lock, the GIL changes hands every
    0.2 ms instead of every 5 ms.

    The sqlite3 module lets go of the GIL at every statement. When the worker's other
    threads are busy (planning their own batches), the thread holding the write lock then
    waits up to a switch interval per statement to get the GIL back, and every other
    writer of every process waits behind it: measured, a 10-statement write held the lock
    ~100 ms instead of ~10. A short interval while the lock is held keeps the serialized part
    short; it is restored as soon as no thread here holds the lock."""

    INTERVAL = 0.0002

    def __init__(self):
        self.lock = threading.Lock()
        self.holders = 0
        self.saved = None

    def enter(self) -> None:
        with self.lock:
            if self.holders == 0:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(self.INTERVAL)
            self.holders += 1

    def leave(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0 and self.saved is not None:
                sys.setswitchinterval(self.saved)


_hurry = _Hurry()


def _key(connection) -> int:
    # The dialect is handed the pool's wrapper or the DBAPI connection itself: key by the latter.
    return id(getattr(connection, "dbapi_connection", connection))
