"""POST /api/v1/sync: the phone's outbox arrives here (DESIGN §5)."""
from decimal import Decimal

from flask import current_app, g, jsonify, request
from sqlalchemy import func, select

from offline.ingest import ingest, read
from offline.protocol import ACCEPTED, EnvelopeError, parse_envelope, split_body
from ..sync import bulk
from ..database import reads_first, start_writing
from ..extensions import db
from ..models import Device, Flag, InboxRecord, utcnow
from ..sync.records import DatabaseInbox, Syncer
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
        body, texts = split_body(raw)
        envelope = parse_envelope(body)
    except RecursionError:
        return _error(400, "invalid_request", "The body is nested too deeply.")
    except (ValueError, EnvelopeError) as error:
        message = str(error) if isinstance(error, EnvelopeError) else "The body is not JSON."
        return _error(400, "invalid_request", message)
    max_records = current_app.config["SYNC_MAX_RECORDS"]
    if len(envelope.records) > max_records:
        return _error(413, "too_many_records", f"Send at most {max_records} records per request.")
    device, user = g.device, g.user
    if envelope.device_id and envelope.device_id != device.id:
        return _error(400, "invalid_request", "device_id does not match the token.")

    now = utcnow()
    who = Syncer(device.id, device.name, user.id, user.community_id,
                 Decimal(str(user.community.fever_threshold_c)))
    domain = DatabaseInbox(who, now)
    # Parse, look up and plan before the write lock; only the writes under it.
    batch = read(envelope.records, domain, texts)
    start_writing()
    results = ingest(db.session, batch, domain)
    _update_device(who, envelope, results, now)
    db.session.commit()
    return jsonify(server_time=now.isoformat(), results=[r.as_dict() for r in results])


def _update_device(who, envelope, results, now):
    """The device's last sync, what it says it holds, its highest seq and the running count
    of seqs accounted for: one statement (SQL arithmetic, so a retry racing on another
    process adds rather than overwrites)."""
    accepted = [r for r, res in zip(envelope.records, results)
                if res.status == ACCEPTED and isinstance(r, dict) and isinstance(r.get("seq"), int)]
    highest = max((r["seq"] for r in accepted), default=0)
    # Each discard accounts for the seq of the record it gave up, which never comes.
    received = len(accepted) + sum(r.get("type") == "record_discard" for r in accepted)
    conn = db.session.connection()
    m = bulk.mark(conn.dialect)
    at = bulk.bind_value(conn.dialect, Device.__table__, "last_sync_at", now)
    max_seq, received_count = conn.exec_driver_sql(
        f"UPDATE device SET last_sync_at = {m}, last_seen_at = {m}, "
        f"app_version = COALESCE({m}, app_version), pending = COALESCE({m}, pending), "
        f"max_seq = CASE WHEN max_seq < {m} THEN {m} ELSE max_seq END, "
        f"received_count = received_count + {m} WHERE id = {m} RETURNING max_seq, received_count",
        (at, at, envelope.app_version or None, envelope.pending, highest, highest, received,
         who.device_id)).one()
    if envelope.pending == 0 and max_seq > received_count:
        _flag_seq_gaps(db.session.get(Device, who.device_id))


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
