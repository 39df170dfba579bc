"""POST /api/v1/sync: the phone's outbox arrives here (DESIGN §5)."""
import json
import os
import time

from flask import current_app, g, jsonify, request
from sqlalchemy import func, select

from offline.ingest import ingest
from offline.protocol import ACCEPTED, EnvelopeError, parse_envelope
from ..extensions import db
from ..models import Flag, InboxRecord, utcnow
from ..records import HANDLERS, DatabaseInbox, SyncContext
from . import bp
from .auth import token_required


def _error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/sync")
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
    results = ingest(db.session, envelope.records, DatabaseInbox(ctx), handlers)
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
    seqs = [r.get("seq") for r, res in zip(envelope.records, results)
            if res.status == ACCEPTED and isinstance(r, dict) and isinstance(r.get("seq"), int)]
    if seqs:
        device.max_seq = max(device.max_seq, *seqs)
    if envelope.pending == 0:
        _flag_seq_gaps(device)


def _flag_seq_gaps(device):
    """The phone holds nothing more: every seq up to the highest should have arrived.
    Each discarded record accounts for one seq that will never come."""
    received = db.session.scalar(select(func.count(func.distinct(InboxRecord.seq))).where(
        InboxRecord.device_id == device.id, InboxRecord.seq.is_not(None)))
    discarded = db.session.scalar(select(func.count()).select_from(InboxRecord).where(
        InboxRecord.device_id == device.id, InboxRecord.type == "record_discard"))
    device.received_count = received
    missing = device.max_seq - received - discarded
    if missing <= 0:
        return
    open_flag = db.session.scalar(select(Flag).where(
        Flag.device_id == device.id, Flag.kind == "seq_gap", Flag.resolved_at.is_(None)))
    detail = {"missing": missing, "max_seq": device.max_seq, "device": device.name}
    if open_flag:
        open_flag.detail = detail
    else:
        db.session.add(Flag(community_id=device.community_id, kind="seq_gap", device_id=device.id,
                            detail=detail))
