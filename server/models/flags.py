"""What the supervisor must review: a flag raised by a synced record, a board check or a handler."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..privacy import Encrypted
from .base import UTCDateTime, utcnow


class Flag(db.Model):
    __table_args__ = (
        # The board lists a community's open flags; resolved ones pile up for a year.
        Index("ix_flag_open", "community_id", "created_at",
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
        # Resolved check items and handler flags of the recent window (board).
        Index("ix_flag_community_kind_created_at", "community_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))  # indexed above
    # A warning code of the sync contract (fever, tube_over_capacity, ...) or a board check.
    kind: Mapped[str] = mapped_column(String(40), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"))
    tube_id: Mapped[int | None] = mapped_column(ForeignKey("tube.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Plain facts for the board (no personal data in clear, no free text: ids, codes and
    # masked values only; free text goes to `note`).
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Free text typed by people may name anyone: encrypted like names (issue 15).
    resolution_note: Mapped[str | None] = mapped_column(Encrypted)
    # Free text that came with the flag from the field (a tube reopened: the clerk's reason).
    note: Mapped[str | None] = mapped_column(Encrypted)
