"""POST /api/v1/sync: the phone's outbox arrives here (DESIGN §5)."""
from decimal import Decimal

from flask import current_app, g, jsonify, request

from offline.ingest import ingest, read
from offline.protocol import EnvelopeError, parse_envelope, split_body
from ..database import reads_first, start_writing
from ..extensions import db
from ..models import utcnow
from ..sync.device_state import update_device
from ..sync.records import DatabaseInbox, Syncer
from . import bp
from .auth import token_holder_required


def _error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/sync")
@reads_first
@token_holder_required
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
    holder = g.holder
    if envelope.device_id and envelope.device_id != holder.device_id:
        return _error(400, "invalid_request", "device_id does not match the token.")

    now = utcnow()
    who = Syncer(holder.device_id, holder.device_name, holder.user_id, holder.community_id,
                 Decimal(str(holder.fever_threshold_c)))
    domain = DatabaseInbox(who, now)
    # Parse, look up and plan before the write lock; only the writes under it.
    batch = read(envelope.records, domain, texts)
    start_writing(captured=not batch.replays_only)
    results = ingest(db.session, batch, domain)
    update_device(who, envelope, results, now)
    db.session.commit()
    return jsonify(server_time=now.isoformat(), results=[r.as_dict() for r in results])
