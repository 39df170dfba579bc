"""POST /api/v1/sync: the phone's outbox arrives here (DESIGN §5)."""
import json
import os
import time

from flask import current_app, g, jsonify, request
from sqlalchemy import func, select

from offline.ingest import ingest, read
from offline.protocol import ACCEPTED, EnvelopeError, parse_envelope
from ..database import reads_first, start_writing
from ..extensions import db
from ..models import Flag, InboxRecord, utcnow
from ..records import HANDLERS, DatabaseInbox, SyncContext
from . import bp
from .auth import token_required


def _error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/sync")
@reads_first
@token_required
def sync():
    """Store a batch of records exactly once each; one result per record, in order."""
    limit = current_app.config["SYNC_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return _error(413, "too_large", f"Send at most {limit} bytes per request.")
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        return _error(413, "too_large", f"Send at most {limit} bytes per request.")
    try:
        envelope = parse_envelope(json.loads(raw))
    except RecursionError:
        return _error(400, "invalid_request", "The body is nested too deeply.")
    except (ValueError, EnvelopeError) as error:
        message = str(error) if isinstance(error, EnvelopeError) else "The body is not JSON."
        return _error(400, "invalid_request", message)
    max_records = current_app.config["SYNC_MAX_RECORDS"]
    if len(envelope.records) > max_records:
        return _error(413, "too_many_records", f"Send at most {max_records} records per request.")
    device = g.device
    if envelope.device_id and envelope.device_id != device.id:
        return _error(400, "invalid_request", "device_id does not match the token.")

    now = utcnow()
    ctx = SyncContext(device=device, user=g.user, now=now)
    handlers = {kind: _bound(fn, ctx) for kind, fn in HANDLERS.items()}
    inbox = DatabaseInbox(ctx)
    batch = read(envelope.records, inbox, handlers)
    start_writing()
    results = ingest(db.session, batch, inbox, handlers)
    _update_device(device, envelope, results, now)
    _test_only_slow_down()
    db.session.commit()
    return jsonify(server_time=now.isoformat(), results=[r.as_dict() for r in results])


def _test_only_slow_down():
    # Fault tests only: hold the transaction open so that a worker can be killed (or its
    # database connection cut) with the batch written but not committed. Unset in production.
    slow_ms = os.environ.get("CHECKPOINT_TEST_SLOW_INGEST_MS")
    if slow_ms:
        time.sleep(int(slow_ms) / 1000)


def _bound(fn, ctx):
    def apply(record):
        return ctx.clock_warnings(record) + list(fn(ctx, record))
    return apply


def _update_device(device, envelope, results, now):
    device.last_sync_at = now
    device.last_seen_at = now
    if envelope.app_version:
        device.app_version = envelope.app_version
    if envelope.pending is not None:
        device.pending = envelope.pending
    accepted = [r for r, res in zip(envelope.records, results)
                if res.status == ACCEPTED and isinstance(r, dict) and isinstance(r.get("seq"), int)]
    if accepted:
        device.max_seq = max(device.max_seq, *(r["seq"] for r in accepted))
        # Each discard accounts for the seq of the record it gave up, which never comes.
        device.received_count += len(accepted) + sum(r.get("type") == "record_discard" for r in accepted)
    if envelope.pending == 0 and device.max_seq > device.received_count:
        _flag_seq_gaps(device)


def _flag_seq_gaps(device):
    """The phone holds nothing more: every seq up to the highest should have arrived.
    The running count says some did not: count exactly (once per suspected gap, not per sync)."""
    received = db.session.scalar(select(func.count(func.distinct(InboxRecord.seq))).where(
        InboxRecord.device_id == device.id, InboxRecord.seq.is_not(None)))
    discarded = db.session.scalar(select(func.count()).select_from(InboxRecord).where(
        InboxRecord.device_id == device.id, InboxRecord.type == "record_discard"))
    device.received_count = received + discarded
    missing = device.max_seq - device.received_count
    if missing <= 0:
        return
    open_flag = db.session.scalar(select(Flag).where(
        Flag.device_id == device.id, Flag.kind == "seq_gap", Flag.resolved_at.is_(None)))
    detail = {"missing": missing, "max_seq": device.max_seq}  # the flag names the device by id
    if open_flag:
        open_flag.detail = detail
    else:
        db.session.add(Flag(community_id=device.community_id, kind="seq_gap", device_id=device.id,
                            detail=detail))
