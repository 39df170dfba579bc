"""Users (PIN login) and the devices (phones) they sync from."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy import Encrypted
from .base import UTCDateTime, in_list, utcnow
from .community import Community

# lab: receives transfer boxes and sees nothing else (issue 18).
ROLES = ("volunteer", "clerk", "supervisor", "admin", "lab")


class User(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint(in_list("role", ROLES), name="user_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped at logout so that an old session cookie stops working everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def as_api(self) -> dict:
        return {"id": self.id, "username": self.username, "name": self.display_name,
                "role": self.role, "community": self.community.code}


class Device(db.Model):
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(Encrypted)  # typed at login ("张三的手机"): free text
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    app_version: Mapped[str | None] = mapped_column(String(40))
    # What the phone said it still holds, and the highest record sequence number received.
    pending: Mapped[int] = mapped_column(default=0)
    max_seq: Mapped[int] = mapped_column(default=0)
    # Seqs accounted for: records received, plus those the user discarded (they never come).
    received_count: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
