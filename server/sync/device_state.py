"""What a synced batch tells of the phone that sent it: its last sync, what it still holds, its
highest seq, and a flag when seqs went missing. Shared by the sync route and hand-over files."""
from sqlalchemy import func, select

from offline.protocol import ACCEPTED
from ..extensions import db
from ..models import Device, Flag, InboxRecord
from . import bulk


def update_device(who, envelope, results, now):
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
