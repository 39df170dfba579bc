"""Every record a phone delivered, kept for idempotency and audit."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..privacy import Encrypted
from .base import UTCDateTime, utcnow


class InboxRecord(db.Model):
    """An accepted record. Its id is the phone's UUID: the primary key makes replays harmless."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int | None] = mapped_column()
    # sha256 of the canonical JSON of {type, recorded_at, data}: tells a replay from a conflict.
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Encrypted)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncRejection(db.Model):
    """A record refused as malformed. It does not reserve its id: the corrected record may
    come back under the same id and be accepted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    type: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(300))
    field: Mapped[str | None] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Encrypted)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
