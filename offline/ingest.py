"""Idempotent ingest of one batch, in the caller's transaction.

Each record gets a savepoint: a malformed one is rolled back alone (on PostgreSQL a failed
statement would otherwise abort the whole transaction). The inbox row and the domain change
are written in the same savepoint, so a record is either fully applied or not at all, and its
id (the inbox primary key) makes any replay a `duplicate`."""
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
    def accept(self, record: Record, warnings: list[str]) -> None: ...
    def reject(self, raw, error: RecordError) -> None: ...


Handler = Callable[[Record], list]  # applies a record, returns warning codes or raises RecordError


def ingest(session: Session, raw_records: list, inbox: Inbox, handlers: dict[str, Handler]) -> list[Result]:
    parsed: list[Record | RecordError] = []
    for raw in raw_records:
        try:
            parsed.append(parse_record(raw))
        except RecordError as error:
            parsed.append(error)
    known = inbox.digests([r.id for r in parsed if isinstance(r, Record)])
    results = []
    for raw, item in zip(raw_records, parsed):
        if isinstance(item, RecordError):
            results.append(_reject(session, inbox, raw, item))
            continue
        if item.id in known:
            results.append(Result(item.id, DUPLICATE if known[item.id] == item.digest else CONFLICT))
            continue
        results.append(_apply(session, inbox, handlers, item, known))
    return results


def _apply(session, inbox, handlers, record: Record, known: dict) -> Result:
    handler = handlers.get(record.type)
    if handler is None:  # a type of the contract this server does not handle (yet)
        return _reject(session, inbox, record.raw, RecordError(
            UNKNOWN_TYPE, f"This server does not accept {record.type} records.", "type"))
    savepoint = session.begin_nested()
    try:
        warnings = list(handler(record))
        inbox.accept(record, warnings)
        session.flush()
    except RecordError as error:
        savepoint.rollback()
        return _reject(session, inbox, record.raw, error)
    except IntegrityError:
        # Another request stored this id first (PostgreSQL; SQLite writers are serialized).
        savepoint.rollback()
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
