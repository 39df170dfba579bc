"""Applying synced records: the handler registry, the context handlers get, the inbox.

Domain modules register one handler per record type with @handles("type"). A handler gets
(ctx, record), changes the session (flush, never commit) and returns warning codes; it raises
offline.protocol.RecordError for malformed data, which rolls back that record alone: a batch
is first applied whole in one savepoint (ctx.batch.batched: look-ups and slots shared through
ctx.batch), and a RecordError there sends the batch again record by record, each in its own
savepoint (offline/ingest.py)."""
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select

from offline.protocol import (FORBIDDEN_SITE, INVALID_FIELD, MAX_INT, UNKNOWN_SITE, Record,
                              RecordError, is_clean_text)
from offline.text import clean_line
from .extensions import db
from .models import Device, Flag, InboxRecord, Site, SyncRejection, User

HANDLERS: dict = {}


def handles(record_type: str):
    def register(fn):
        HANDLERS[record_type] = fn
        return fn
    return register


@dataclass
class BatchMemory:
    """What the handlers look up or hold once per batch (DatabaseInbox.prepare), forgotten
    whole when the session rolls back (DatabaseInbox.reset)."""

    people: dict = field(default_factory=dict)  # resolve_person's look-ups
    tubes: dict = field(default_factory=dict)  # barcode -> Tube (None: not in the database)
    added: dict = field(default_factory=dict)  # person id -> Samples added in this batch
    slots: dict = field(default_factory=dict)  # tube id -> slots taken
    live: dict | None = None  # person id -> live samples read for the batch (sampling/records.py)
    voided: set = field(default_factory=set)  # ids of samples voided by this batch
    records: list = field(default_factory=list)  # the batch being applied at once
    memo: dict = field(default_factory=dict)  # other look-ups a domain module makes once
    # Rows of append-only tables nothing reads back within a batch, inserted together.
    rows: dict = field(default_factory=dict)
    # Applying a whole batch in one savepoint (offline.ingest's fast path): a unique key
    # taken by a concurrent request may fail the batch, which is then applied carefully.
    batched: bool = False


@dataclass
class SyncContext:
    """Who is syncing, and helpers shared by every handler."""

    device: Device
    user: User
    now: datetime
    _sites: dict = field(default_factory=dict)
    batch: BatchMemory = field(default_factory=BatchMemory)

    def insert_later(self, model, **row) -> None:
        """Queue a row of `model` for the batch's insert (every row of a model has the same keys)."""
        self.batch.rows.setdefault(model.__table__, []).append(row)

    @property
    def community_id(self) -> int:
        return self.user.community_id

    def site(self, data: dict, kind: str | None = None) -> Site:
        """The record's site_id as a Site of the user's community (else rejected)."""
        site_id = data.get("site_id")
        if not isinstance(site_id, int) or isinstance(site_id, bool):
            raise RecordError(INVALID_FIELD, "`site_id` must be the id of a site.", "site_id")
        if not 0 < site_id <= MAX_INT:  # the database cannot even look such a number up
            raise RecordError(UNKNOWN_SITE, f"No site {str(site_id)[:20]}.", "site_id")
        if site_id not in self._sites:
            self._sites[site_id] = db.session.get(Site, site_id)
        site = self._sites[site_id]
        if site is None:
            raise RecordError(UNKNOWN_SITE, f"No site {site_id}.", "site_id")
        if site.community_id != self.community_id:
            raise RecordError(FORBIDDEN_SITE, "That site belongs to another community.", "site_id")
        if kind and site.kind != kind:
            raise RecordError(INVALID_FIELD, f"Site {site.code} is not a {kind}.", "site_id")
        return site

    def flag(self, kind: str, record: Record | None = None, **fields) -> str:
        """Raise a Flag for the supervisor; returns its kind, the record's warning code."""
        detail = fields.pop("detail", {})
        db.session.add(Flag(community_id=self.community_id, kind=kind, device_id=self.device.id,
                            record_id=record.id if record else None, detail=detail, **fields))
        return kind

    def clock_warnings(self, record: Record) -> list[str]:
        skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
        if record.recorded_at > self.now + skew:
            return [self.flag("clock_skew", record, detail={
                "recorded_at": record.recorded_at.isoformat(), "received_at": self.now.isoformat()})]
        return []


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


class DatabaseInbox:
    """offline.ingest.Inbox on our models."""

    def __init__(self, ctx: SyncContext):
        self.ctx = ctx
        self.accepted: list[dict] = []

    def prepare(self, records):
        """One query for every person the batch names (not one per record)."""
        from .identify import prefetch_people

        prefetch_people(self.ctx.community_id, [r.data.get("person") for r in records], self.ctx.batch.people)
        self.ctx.batch.records = records
        self.ctx.batch.batched = True

    def reset(self):
        self.accepted = []
        self.ctx.batch = BatchMemory()

    def digests(self, ids):
        if not ids:
            return {}
        rows = db.session.execute(select(InboxRecord.id, InboxRecord.digest, InboxRecord.community_id)
                                  .where(InboxRecord.id.in_(ids)))
        # An id stored by another community is a conflict for this one: never a "duplicate"
        # that would confirm someone else's record exists with the same content.
        return {rid: (digest if cid == self.ctx.community_id else "other-community")
                for rid, digest, cid in rows}

    def accept(self, record: Record, warnings):
        self.accepted.append(dict(
            id=record.id, device_id=self.ctx.device.id, user_id=self.ctx.user.id,
            community_id=self.ctx.community_id, type=record.type, seq=record.seq,
            digest=record.digest, payload=json.dumps(record.raw, ensure_ascii=False),
            warnings=warnings, recorded_at=record.recorded_at, received_at=self.ctx.now))

    def flush(self):
        """The rows the handlers queued and the accepted records' inbox rows, a statement each."""
        for table, rows in self.ctx.batch.rows.items():
            db.session.execute(insert(table), rows)
        self.ctx.batch.rows.clear()
        if self.accepted:
            db.session.execute(insert(InboxRecord.__table__), self.accepted)
            self.accepted = []

    def reject(self, raw, error: RecordError):
        from offline.protocol import record_id_of

        db.session.add(SyncRejection(
            record_id=record_id_of(raw), device_id=self.ctx.device.id,
            community_id=self.ctx.community_id,
            type=_clean_type(raw), code=error.code, message=error.message[:300], field=error.field,
            # ASCII escapes: a malformed record may hold text no database could store.
            payload=json.dumps(raw, default=str)[:100_000]))


def _clean_type(raw) -> str | None:
    kind = str(raw.get("type"))[:40] if isinstance(raw, dict) else None
    return kind if is_clean_text(kind) else repr(kind)[:40].encode("ascii", "replace").decode()


@handles("record_discard")
def apply_discard(ctx: SyncContext, record: Record) -> list:
    """The user discarded a rejected record: close its rejections, keep the reason."""
    target = text_field(record.data, "record_id", required=True, max_length=36)
    text_field(record.data, "reason", required=True, max_length=200)
    for rejection in db.session.scalars(select(SyncRejection).where(
            SyncRejection.record_id == target, SyncRejection.device_id == ctx.device.id,
            SyncRejection.resolved_at.is_(None))):
        rejection.resolved_at = ctx.now
    return []
