"""Idempotent ingest of one batch, in two phases: plan before the write lock, write under it.

A record is either fully applied with its inbox row or not at all, and its id (the inbox
primary key) makes any replay a `duplicate`.

read() runs before the caller takes the database's write lock (SQLite) or opens its writing
transaction: it parses the batch, looks up what the batch names in a few wide reads (the
domain's Plan) and plans every record in order against that picture, as if each were applied
alone after the ones before it: accepted with its warnings, rejected (malformed), duplicate
or conflict. A malformed record changes nothing of the plan, so the others stay in one plan.

ingest() runs under the lock. When the look-ups the plan relied on still hold (Plan.holds
re-reads them), the plan is written as a few wide statements. Otherwise, or when a write
fails on a unique key another request took meanwhile, the batch is planned again inside the
writing transaction, from fresh look-ups, and written; if that fails again (PostgreSQL: a
concurrent request not yet committed when we read), the careful path applies the records one
by one, each planned from its own look-ups and written in its own savepoint. Every path plans
a record with the same handler against what the records before it left, so their results
are the same by construction."""
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .protocol import (ACCEPTED, CONFLICT, DUPLICATE, REJECTED, UNKNOWN_TYPE, Record,
                       RecordError, parse_record, raw_digest, record_id_of, same_content)

OTHER_COMMUNITY = "other-community"  # Domain.stored's digest of an id another community holds
# Careful path: how often one record is planned again after losing a unique key to a
# concurrent request (a slot of a tube: at most one loss per slot).
RETRIES = 25


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


class Plan(Protocol):
    """What a batch will write, planned record by record against the batch's look-ups."""

    def apply(self, record: Record) -> list[str]: ...  # plan it: warning codes, or RecordError
    def accept(self, record: Record, warnings: list[str]) -> None: ...  # its inbox row
    def reject(self, raw, error: RecordError) -> None: ...  # a malformed record's row
    def mark(self): ...  # a point apply() can be undone to ...
    def undo(self, mark) -> bool: ...  # ... if it only queued rows since (else False)
    def finish(self) -> None: ...  # last work that needs no lock (encryption, conversions)
    def holds(self) -> bool: ...  # under the lock: what the plan looked up is still true
    def write(self) -> None: ...  # the planned statements


class Domain(Protocol):
    """The server's side: its stored records and its plans."""

    def stored(self, ids: list[str]) -> dict[str, str]: ...  # id -> digest of stored records
    def stored_content(self, record_id: str): ...  # the stored record's JSON (None: unknown)
    def plan(self, records: list[Record]) -> Plan: ...  # look-ups for these records (reads only)
    def handles(self, kind: str) -> bool: ...
    # The record as the server counts it: a time the phone's clock cannot have meant (reset to
    # 1970, a year ahead) replaced before anything looks at it, so that every path and every
    # look-up count the record on the same day.
    def judge_time(self, record: Record) -> Record: ...


class _Careful(Exception):
    """The batch cannot be planned or written as one: apply it record by record."""


@dataclass(frozen=True)
class Stored:
    """A record whose very text is stored already (a phone's replay): a duplicate, told from
    its id and the digest of its text without parsing it."""

    id: str


@dataclass
class Batch:
    """A batch read, looked up and planned, before anything is written."""

    raw: list
    texts: list | None
    parsed: list  # Record, RecordError or Stored, one per raw record
    results: list | None  # the planned results (None: to be applied record by record)
    plan: Plan | None

    @property
    def replays_only(self) -> bool:
        """Every record is stored already, as sent (or there is none: a phone telling its queue
        length): writing the batch stores nothing new."""
        return all(isinstance(item, Stored) for item in self.parsed)


def read(raw_records: list, domain: Domain, texts: list | None = None) -> Batch:
    """Parse, look up and plan the batch: reads only, so that the caller can run this before
    taking a database's write lock. `texts`: each record as sent (protocol.split_body)."""
    stored, replays = _replays(raw_records, domain, texts)
    parsed: list[Record | RecordError | Stored] = []
    for i, raw in enumerate(raw_records):
        if i in replays:
            parsed.append(replays[i])
            continue
        try:
            parsed.append(domain.judge_time(parse_record(raw, texts[i] if texts else None)))
        except RecordError as error:
            parsed.append(error)
    batch = Batch(raw_records, texts, parsed, None, None)
    try:
        batch.results, batch.plan = _plan(domain, raw_records, parsed, stored)
        batch.plan.finish()
    except _Careful:
        batch.results, batch.plan = None, None
    return batch


def _replays(raw_records: list, domain: Domain, texts: list | None) -> tuple[dict | None, dict]:
    """The digests stored under the batch's ids, and (by position) the records whose text is
    stored as sent: a phone replays the very text it sent, and parsing and checking it again
    was most of the cost of a replayed batch. Only the text's digest says so: another
    spelling of a stored record is parsed and compared as before."""
    if texts is None:
        return None, {}
    ids = [record_id_of(raw) for raw in raw_records]
    stored = domain.stored(list(dict.fromkeys(i for i in ids if i is not None)))
    # An id found stored is a string id of a dict: raw["id"] is there (and must be spelled so).
    return stored, {i: Stored(record_id) for i, (record_id, raw, text) in enumerate(zip(ids, raw_records, texts))
                    if record_id in stored and raw["id"] == record_id and stored[record_id] == raw_digest(text)}


def ingest(session: Session, batch: Batch, domain: Domain) -> list[Result]:
    """Write a batch planned by read(), under the write lock; one result per record, in order."""
    if batch.plan is not None and batch.plan.holds():
        try:
            return _write(session, batch.plan, batch.results)
        except IntegrityError:
            pass  # a unique key taken since the look-ups: plan again below
    try:
        results, plan = _plan(domain, batch.raw, batch.parsed)
        plan.finish()
        return _write(session, plan, results)
    except (_Careful, IntegrityError):
        pass
    return _careful(session, domain, batch.raw, batch.parsed)


def _plan(domain: Domain, raw_records: list, parsed: list,
          stored: dict | None = None) -> tuple[list[Result], Plan]:
    """Every record planned in order in one plan; _Careful if one cannot be. `stored`: the
    digests stored under the batch's ids, when just read (else read here)."""
    records = [r for r in parsed if isinstance(r, Record)]
    if stored is None:
        stored = domain.stored([r.id for r in records])
    seen: dict[str, Record | str] = dict(stored)
    plan = domain.plan([r for r in records if r.id not in stored])
    results = []
    for raw, item in zip(raw_records, parsed):
        if isinstance(item, Stored):
            results.append(Result(item.id, DUPLICATE))
        elif isinstance(item, RecordError):
            plan.reject(raw, item)
            results.append(_rejected(raw, item))
        elif item.id in seen:
            results.append(Result(item.id, _replay(domain, item, seen[item.id])))
        elif not domain.handles(item.type):
            error = _unhandled(item)
            plan.reject(item.raw, error)
            results.append(_rejected(item.raw, error))
        else:
            mark = plan.mark()
            try:
                warnings = list(plan.apply(item))
            except RecordError as error:
                if not plan.undo(mark):  # the handler changed the picture before failing
                    raise _Careful() from None
                plan.reject(item.raw, error)
                results.append(_rejected(item.raw, error))
                continue
            plan.accept(item, warnings)
            seen[item.id] = item
            results.append(Result(item.id, ACCEPTED, warnings))
    return results, plan


def _write(session: Session, plan: Plan, results: list[Result]) -> list[Result]:
    savepoint = session.begin_nested()
    try:
        plan.write()
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return results


def _careful(session: Session, domain: Domain, raw_records: list, parsed: list) -> list[Result]:
    """Record by record, each planned from its own look-ups and written in its own savepoint."""
    results = []
    for raw, item in zip(raw_records, parsed):
        if isinstance(item, Stored):
            results.append(Result(item.id, DUPLICATE))
        elif isinstance(item, RecordError):
            results.append(_reject_alone(session, domain, raw, item))
        elif not domain.handles(item.type):
            results.append(_reject_alone(session, domain, item.raw, _unhandled(item)))
        else:
            results.append(_apply_alone(session, domain, item))
    return results


def _apply_alone(session: Session, domain: Domain, record: Record) -> Result:
    for _attempt in range(RETRIES):
        stored = domain.stored([record.id]).get(record.id)
        if stored is not None:
            return Result(record.id, _replay(domain, record, stored))
        plan = domain.plan([record])
        try:
            warnings = list(plan.apply(record))
        except RecordError as error:
            return _reject_alone(session, domain, record.raw, error)
        plan.accept(record, warnings)
        plan.finish()
        try:
            _write(session, plan, [])
        except IntegrityError:
            continue  # another request took this id or a slot meanwhile: look again
        return Result(record.id, ACCEPTED, warnings)
    raise RuntimeError(f"record {record.id} lost {RETRIES} races in a row")


def _reject_alone(session: Session, domain: Domain, raw, error: RecordError) -> Result:
    plan = domain.plan([])
    plan.reject(raw, error)
    plan.finish()
    _write(session, plan, [])
    return _rejected(raw, error)


def _replay(domain: Domain, record: Record, stored) -> str:
    """duplicate or conflict: `stored` is what holds the id (a Record of this batch, or the
    digest of a stored record)."""
    if isinstance(stored, Record):
        return DUPLICATE if stored.digest == record.digest or same_content(record, stored) else CONFLICT
    if stored == record.digest:
        return DUPLICATE
    if stored == OTHER_COMMUNITY:
        return CONFLICT
    # Another spelling of the same record, or a record stored with the older digest.
    if same_content(record, domain.stored_content(record.id)):
        return DUPLICATE
    return CONFLICT


def _unhandled(record: Record) -> RecordError:
    # A type of the contract this server does not handle (yet).
    return RecordError(UNKNOWN_TYPE, f"This server does not accept {record.type} records.", "type")


def _rejected(raw, error: RecordError) -> Result:
    return Result(record_id_of(raw), REJECTED, error=error.as_dict())

