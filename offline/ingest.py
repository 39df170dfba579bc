"""Idempotent ingest of one batch, in the caller's transaction.

A record is either fully applied with its inbox row or not at all, and its id (the inbox
primary key) makes any replay a `duplicate`.

Two paths give the same results. The fast path applies the whole batch inside one savepoint
and writes the inbox rows in one statement: a batch of good records costs one round of
statements, not one per record. The first record it cannot apply (malformed, or a unique key
another request took meanwhile) rolls that savepoint back, and the batch is applied again on
the careful path: a savepoint per record, so a bad record is rolled back alone (on PostgreSQL
a failed statement would otherwise abort the whole transaction)."""
from dataclasses import dataclass, field
from typing import Callable, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .protocol import (ACCEPTED, CONFLICT, DUPLICATE, REJECTED, UNKNOWN_TYPE, Record,
                       RecordError, parse_record, record_id_of)


@dataclass
class Result:
    id: str | None
    status: str
    warnings: list = field(default_factory=list)
    error: dict | None = None

    def as_dict(self) -> dict:
        answer = {"id": self.id, "status": self.status, "warnings": self.warnings}
        if self.error:
            answer["error"] = self.error
        return answer


class Inbox(Protocol):
    """Where received records are kept (the server's models)."""

    def digests(self, ids: list[str]) -> dict[str, str]: ...
    def prepare(self, records: list[Record]) -> None: ...  # batch look-ups before applying
    def accept(self, record: Record, warnings: list[str]) -> None: ...  # queued until flush
    def flush(self) -> None: ...  # writes what accept queued
    def reset(self) -> None: ...  # forget what prepare/accept held: the session rolled back
    def reject(self, raw, error: RecordError) -> None: ...


Handler = Callable[[Record], list]  # applies a record, returns warning codes or raises RecordError


class _Retry(Exception):
    """The fast path met a record it cannot apply: start again record by record."""


@dataclass
class Batch:
    """A batch read and looked up, before anything is written."""

    raw: list
    parsed: list  # Record or RecordError, one per raw record
    known: dict  # id -> digest of the records already stored
    fast: bool  # worth trying in one savepoint


def read(raw_records: list, inbox: Inbox, handlers: dict[str, Handler],
         judge_time: Callable[[Record], Record] | None = None) -> Batch:
    """Parse the batch and do its look-ups: reads only, so that the caller can run this
    before taking a database's write lock. What it read may be stale by the time the batch
    is applied; ingest() copes (a unique key taken meanwhile sends it down the careful path).
    `judge_time` may replace a record's implausible time (the phone's clock) before anything
    looks at it, so that both paths and every look-up count the record on the same day."""
    parsed: list[Record | RecordError] = []
    for raw in raw_records:
        try:
            record = parse_record(raw)
            parsed.append(judge_time(record) if judge_time else record)
        except RecordError as error:
            parsed.append(error)
    records = [r for r in parsed if isinstance(r, Record)]
    known = inbox.digests([r.id for r in records])
    fresh = [r for r in records if r.id not in known]
    fast = bool(fresh) and len(records) == len(parsed) and all(r.type in handlers for r in records)
    if fast:
        inbox.prepare(fresh)
    return Batch(raw_records, parsed, known, fast)


def ingest(session: Session, batch: Batch, inbox: Inbox, handlers: dict[str, Handler]) -> list[Result]:
    """Apply a batch read by read(); one result per record, in order."""
    known = dict(batch.known)
    if batch.fast:
        try:
            return _apply_batch(session, inbox, handlers, batch.parsed, known)
        except _Retry:
            inbox.reset()
    return [_careful(session, inbox, handlers, raw, item, known) for raw, item in zip(batch.raw, batch.parsed)]


def _apply_batch(session, inbox, handlers, records: list[Record], known: dict) -> list[Result]:
    """Every record applied in one savepoint; _Retry (with nothing kept) if one fails."""
    savepoint = session.begin_nested()
    results = []
    try:
        seen = dict(known)
        for record in records:
            if record.id in seen:  # the same id twice in one batch
                results.append(Result(record.id, DUPLICATE if seen[record.id] == record.digest else CONFLICT))
                continue
            warnings = list(handlers[record.type](record))
            inbox.accept(record, warnings)
            seen[record.id] = record.digest
            results.append(Result(record.id, ACCEPTED, warnings))
        inbox.flush()
        session.flush()
    except (RecordError, IntegrityError):
        savepoint.rollback()
        raise _Retry() from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    known.update(seen)
    return results


def _careful(session, inbox, handlers, raw, item, known: dict) -> Result:
    if isinstance(item, RecordError):
        return _reject(session, inbox, raw, item)
    if item.id in known:
        return Result(item.id, DUPLICATE if known[item.id] == item.digest else CONFLICT)
    return _apply(session, inbox, handlers, item, known)


def _apply(session, inbox, handlers, record: Record, known: dict) -> Result:
    handler = handlers.get(record.type)
    if handler is None:  # a type of the contract this server does not handle (yet)
        return _reject(session, inbox, record.raw, RecordError(
            UNKNOWN_TYPE, f"This server does not accept {record.type} records.", "type"))
    savepoint = session.begin_nested()
    try:
        warnings = list(handler(record))
        inbox.accept(record, warnings)
        inbox.flush()
        session.flush()
    except RecordError as error:
        savepoint.rollback()
        inbox.reset()
        return _reject(session, inbox, record.raw, error)
    except IntegrityError:
        # Another request stored this id first (PostgreSQL; SQLite writers are serialized).
        savepoint.rollback()
        inbox.reset()
        current = inbox.digests([record.id]).get(record.id)
        if current is None:
            raise
        known[record.id] = current
        return Result(record.id, DUPLICATE if current == record.digest else CONFLICT)
    savepoint.commit()
    known[record.id] = record.digest
    return Result(record.id, ACCEPTED, warnings)


def _reject(session, inbox, raw, error: RecordError) -> Result:
    with session.begin_nested():
        inbox.reject(raw, error)
    return Result(record_id_of(raw), REJECTED, error=error.as_dict())
