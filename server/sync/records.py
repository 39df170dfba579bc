"""Applying synced records: the handler registry, and the plan the handlers write into.

Domain modules register one handler per record type with @handles("type"). A handler gets
(ctx, record). It first checks the record -- raising offline.protocol.RecordError for
malformed data -- and only then plans what the record does: rows to insert (ctx.insert_later,
ctx.flag), people, tubes, boxes... created or changed in its module's batch state (written by
the finisher the module registers with ctx.finish_with). It returns warning codes. It never
touches the session: the plan is made before the write lock and written under it in a few
wide statements (offline/ingest.py; writes in SyncContext.write).

A handler that fails after changing its module's state would leave the plan half-changed:
offline.ingest then applies that batch record by record (ctx.undo says so)."""
import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from offline.ingest import OTHER_COMMUNITY
from offline.protocol import (FORBIDDEN_SITE, INVALID_FIELD, MAX_INT, UNKNOWN_SITE, Record,
                              RecordError, is_clean_text, record_id_of)
from offline.text import clean_line
from . import bulk
from ..clock import local_day, local_time
from ..extensions import db
from ..models import Flag, InboxRecord, Person, SyncRejection
from ..models.sampling import Box, Tube
from .reads import Lookups

HANDLERS: dict = {}
# Tables whose new rows get their ids back (RETURNING) before the rows naming them are written.
CREATE_ORDER = (Person.__table__, Box.__table__, Tube.__table__)


def handles(record_type: str):
    def register(fn):
        HANDLERS[record_type] = fn
        return fn
    return register


@dataclass(frozen=True)
class Syncer:
    """Who is syncing, read with the device token (plain values: nothing to reload later)."""

    device_id: str
    device_name: str
    user_id: int
    community_id: int
    fever_threshold_c: Decimal


class SyncContext:
    """The plan of one batch (offline.ingest.Plan): what its records write, and the helpers
    every handler shares."""

    def __init__(self, who: Syncer, now: datetime, records: list[Record]):
        self.who, self.now = who, now
        self.today = local_day(now)  # the community's day: no birth date after it
        self.lookups = Lookups(who.community_id, records)
        self.memo: dict = {}  # each domain module's batch state
        self.finishers: list = []
        self.changes = 0  # state changes (not rows): what undo() cannot take back
        self.accepted_ids: set = set()
        self._rows: dict = {}  # table -> rows appended by handlers, in order
        self._rejections: list = []
        self._inbox: list = []
        self._discards: list = []  # ids of rejected records the user discarded
        self._creates: dict = {}  # table -> [(Ref, key columns, row)]
        self._updates: dict = {}  # (table, columns, where) -> [(key, values)]
        self._steps: list | None = None  # finish(): statements with converted rows
        self._calls: list = []  # write_with(): ORM work done under the write lock

    # -- what handlers use ------------------------------------------------------------------

    @property
    def community_id(self) -> int:
        return self.who.community_id

    @property
    def device_id(self) -> str:
        return self.who.device_id

    @property
    def user_id(self) -> int:
        return self.who.user_id

    def site(self, data: dict, kind: str | None = None):
        """The record's site_id as a site of the user's community (else rejected)."""
        site_id = data.get("site_id")
        if not isinstance(site_id, int) or isinstance(site_id, bool):
            raise RecordError(INVALID_FIELD, "`site_id` must be the id of a site.", "site_id")
        if not 0 < site_id <= MAX_INT:  # the database cannot even look such a number up
            raise RecordError(UNKNOWN_SITE, f"No site {str(site_id)[:20]}.", "site_id")
        site = self.lookups.site(site_id)
        if site is None:
            raise RecordError(UNKNOWN_SITE, f"No site {site_id}.", "site_id")
        if site.community_id != self.community_id:
            raise RecordError(FORBIDDEN_SITE, "That site belongs to another community.", "site_id")
        if kind and site.kind != kind:
            raise RecordError(INVALID_FIELD, f"Site {site.code} is not a {kind}.", "site_id")
        return site

    def insert_later(self, model, **row) -> None:
        """Queue a row of `model` (every row of a model has the same keys; ids of rows the
        batch creates may be given as their bulk.Ref)."""
        self._rows.setdefault(model.__table__, []).append(row)

    def flag(self, kind: str, record: Record | None = None, **fields) -> str:
        """Raise a Flag for the supervisor; returns its kind, the record's warning code."""
        self.insert_later(
            Flag, community_id=self.community_id, kind=kind, site_id=fields.get("site_id"),
            device_id=self.device_id, tube_id=fields.get("tube_id"), person_id=fields.get("person_id"),
            record_id=record.id if record else None, detail=fields.get("detail", {}),
            note=fields.get("note"), created_at=self.now, resolved_at=None, resolved_by=None,
            resolution_note=None)
        return kind

    def clock_warnings(self, record: Record) -> list[str]:
        """clock_skew for a record whose time judge_time replaced: one open Flag per phone,
        counting its records (a phone with a wrong clock sends hundreds), not one per record.
        Counted in the batch's state; written by _write_clock_flag at finish()."""
        if record.claimed_at is None:
            return []
        clock = self.memo.setdefault("clock", {"records": 0, "first": record})
        clock["records"] += 1
        clock["phone_time"] = str(record.raw.get("recorded_at"))[:40]
        self.touch()
        self.finish_with(_write_clock_flag)
        return ["clock_skew"]

    def touch(self) -> None:
        """A handler changed its module's batch state (a tube, a person, a slot...)."""
        self.changes += 1

    def finish_with(self, finisher) -> None:
        """Call finisher(ctx) once at finish(): it turns the module's state into writes."""
        if finisher not in self.finishers:
            self.finishers.append(finisher)

    def create(self, table, ref: bulk.Ref, key: tuple, row: dict) -> None:
        """A new row whose id `ref` gets at write time; `key`: columns that tell it apart."""
        self._creates.setdefault(table, []).append((ref, key, row))

    def write_with(self, fn, *args) -> None:
        """Call fn(*args) under the write lock, after the batch's inserts, in its savepoint:
        for the few records whose effect is the ledger's own ORM logic (a slot's report row,
        a Flag closed), checked by the handler first so that the call does not refuse."""
        self._calls.append((fn, args))

    def update_later(self, table, columns: tuple, key, values: dict, where: str = "") -> None:
        """UPDATE table SET columns WHERE id = key (a bulk.Ref for a row this batch creates)."""
        self._updates.setdefault((table, columns, where), []).append((key, values))

    def discard(self, record_id: str) -> None:
        """The user gave up a rejected record: close its open rejections (those this batch
        made before, too)."""
        self._discards.append(record_id)
        for row in self._rejections:
            if row["record_id"] == record_id and row["resolved_at"] is None:
                row["resolved_at"] = self.now

    # -- offline.ingest.Plan ---------------------------------------------------------------

    def apply(self, record: Record) -> list:
        warnings = list(HANDLERS[record.type](self, record))
        # After the handler: a malformed record must not count on its phone's clock Flag.
        return self.clock_warnings(record) + warnings

    def accept(self, record: Record, warnings: list) -> None:
        self.accepted_ids.add(record.id)
        payload = record.text if record.text is not None else json.dumps(record.raw, ensure_ascii=False)
        self._inbox.append(dict(
            id=record.id, device_id=self.device_id, user_id=self.user_id,
            community_id=self.community_id, type=record.type, seq=record.seq,
            digest=record.digest, payload=payload, warnings=warnings,
            recorded_at=record.recorded_at, received_at=self.now))

    def reject(self, raw, error: RecordError) -> None:
        self._rejections.append(dict(
            record_id=record_id_of(raw), device_id=self.device_id, community_id=self.community_id,
            type=_clean_type(raw), code=error.code, message=error.message[:300], field=error.field,
            # ASCII escapes: a malformed record may hold text no database could store.
            payload=json.dumps(raw, default=str)[:100_000], received_at=self.now, resolved_at=None))

    def mark(self):
        return (self.changes, {table: len(rows) for table, rows in self._rows.items()},
                len(self._discards), len(self._calls))

    def undo(self, mark) -> bool:
        changes, lengths, discards, calls = mark
        if changes != self.changes:
            return False
        for table in list(self._rows):
            if table in lengths:
                del self._rows[table][lengths[table]:]
            else:
                del self._rows[table]
        del self._discards[discards:]
        del self._calls[calls:]
        return True

    def finish(self) -> None:
        """Everything that needs no lock: state turned into rows, rows converted (encrypted)."""
        for finisher in self.finishers:
            finisher(self)
        dialect = db.session.get_bind().dialect
        steps = []
        for table in CREATE_ORDER:
            items = self._creates.get(table)
            if items:
                columns = tuple(items[0][2])
                rows = bulk.convert(dialect, table, columns, [row for _ref, _key, row in items])
                steps.append(("create", table, columns, rows, items))
        for (table, columns, where), items in self._updates.items():
            rows = bulk.convert(dialect, table, columns, [values for _key, values in items])
            steps.append(("update", table, columns, [r + [key] for r, (key, _v) in zip(rows, items)], where))
        if self._discards:
            steps.append(("discard", None, None, [(self.now, i, self.device_id) for i in self._discards], None))
        for table, rows in [*self._rows.items(), (SyncRejection.__table__, self._rejections),
                            (InboxRecord.__table__, self._inbox)]:
            if rows:
                columns = tuple(rows[0])
                steps.append(("insert", table, columns, bulk.convert(dialect, table, columns, rows), None))
        self._steps = steps

    def holds(self) -> bool:
        return self.lookups.holds()

    def write(self) -> None:
        conn = db.session.connection()
        for kind, table, columns, rows, extra in self._steps:
            if kind == "create":
                key_columns = extra[0][1]
                refs = {tuple(row[c] for c in key): ref for ref, key, row in extra}
                for found in bulk.insert(conn, table, columns, rows, returning=("id", *key_columns)):
                    refs.pop(tuple(found[1:])).id = found[0]
                if refs:
                    raise RuntimeError(f"{table.name}: rows inserted without their ids")
            elif kind == "update":
                bulk.update(conn, table, columns, rows, where=extra)
            elif kind == "discard":
                m = bulk.mark(conn.dialect)
                conn.exec_driver_sql(
                    f"UPDATE sync_rejection SET resolved_at = {m} WHERE record_id = {m} "
                    f"AND device_id = {m} AND resolved_at IS NULL",
                    [(bulk.bind_value(conn.dialect, SyncRejection.__table__, "resolved_at", at), i, d)
                     for at, i, d in rows])
            else:
                bulk.insert(conn, table, columns, rows)
        for fn, args in self._calls:
            fn(*args)
        if self._calls:
            db.session.flush()


def text_field(data: dict, name: str, *, required=False, max_length=200, pattern=None) -> str | None:
    """A string field of `data`, checked, or a RecordError naming the field."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise RecordError(INVALID_FIELD, f"`{name}` is required.", name)
        return None
    if not isinstance(value, str) or len(value) > max_length or not is_clean_text(value):
        raise RecordError(INVALID_FIELD, f"`{name}` must be text of at most {max_length} characters.", name)
    value = clean_line(value)  # bidi controls out (offline/text.py)
    if not value:
        if required:
            raise RecordError(INVALID_FIELD, f"`{name}` is required.", name)
        return None
    if pattern and not re.fullmatch(pattern, value):
        raise RecordError(INVALID_FIELD, f"`{name}` has the wrong format.", name)
    return value


def _write_clock_flag(ctx: SyncContext) -> None:
    """The phone's open clock_skew Flag, created or its count raised (a finisher)."""
    clock = ctx.memo["clock"]
    facts = {"phone_time": clock["phone_time"], "counted_at": local_time(ctx.now)}
    found = db.session.execute(
        select(Flag.id, Flag.detail).where(Flag.device_id == ctx.device_id, Flag.kind == "clock_skew",
                                           Flag.resolved_at.is_(None)).order_by(Flag.id).limit(1)).first()
    if found is None:
        ctx.flag("clock_skew", clock["first"], detail={**facts, "records": clock["records"]})
        return
    flag_id, detail = found
    detail = detail or {}
    ctx.update_later(Flag.__table__, ("detail",), flag_id,
                     {"detail": {**detail, **facts, "records": detail.get("records", 1) + clock["records"]}})


class DatabaseInbox:
    """offline.ingest.Domain on our database."""

    def __init__(self, who: Syncer, now: datetime):
        self.who, self.now = who, now
        config = current_app.config  # read once, not once per record
        self._ahead = timedelta(seconds=config["CLOCK_SKEW_SECONDS"])
        self._behind = timedelta(days=config["CLOCK_MAX_AGE_DAYS"])

    def judge_time(self, record: Record) -> Record:
        """The record as the server counts it. A time ahead of the server's by more than
        CLOCK_SKEW_SECONDS, or older than a record can plausibly wait on a phone
        (CLOCK_MAX_AGE_DAYS), says the phone's clock is wrong (reset to 1970 by a battery swap,
        set by hand): the record is kept and counted at the time the server received it, with
        the phone's own time beside it (claimed_at) for the clock_skew Flag."""
        if -self._behind <= record.recorded_at - self.now <= self._ahead:
            return record
        return dataclasses.replace(record, recorded_at=self.now, claimed_at=record.recorded_at)

    def handles(self, kind: str) -> bool:
        return kind in HANDLERS

    def plan(self, records: list[Record]) -> SyncContext:
        return SyncContext(self.who, self.now, records)

    def stored(self, ids: list[str]) -> dict:
        if not ids:
            return {}
        conn = db.session.connection()
        where, param = bulk.any_of(conn.dialect, "id", ids)
        rows = conn.exec_driver_sql(f"SELECT id, digest, community_id FROM inbox_record WHERE {where}",
                                    (param,)).all()  # one fetch, not one per row
        # An id stored by another community is a conflict for this one: never a "duplicate"
        # that would confirm someone else's record exists with the same content.
        return {rid: (digest if cid == self.who.community_id else OTHER_COMMUNITY)
                for rid, digest, cid in rows}

    def stored_content(self, record_id: str):
        """The stored record's JSON (None if purged or unreadable)."""
        payload = db.session.scalar(select(InboxRecord.payload).where(InboxRecord.id == record_id))
        try:
            return json.loads(payload) if payload else None
        except ValueError:
            return None


def _clean_type(raw) -> str | None:
    kind = str(raw.get("type"))[:40] if isinstance(raw, dict) else None
    return kind if is_clean_text(kind) else repr(kind)[:40].encode("ascii", "replace").decode()


@handles("record_discard")
def apply_discard(ctx: SyncContext, record: Record) -> list:
    """The user discarded a rejected record: close its rejections, keep the reason."""
    target = text_field(record.data, "record_id", required=True, max_length=36)
    text_field(record.data, "reason", required=True, max_length=200)
    ctx.discard(target)
    return []
