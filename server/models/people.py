"""People: residents of the roster and anyone identified at a gate or sampling point."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..privacy import Encrypted, mask_doc_number, mask_name, mask_phone, vault
from .base import UTCDateTime, in_list, utcnow

REGISTRATION_STATUSES = ("pending", "confirmed", "rejected")


class _Shown:
    """How a person's details are shown: masked on every page, the address in one line."""

    @property
    def masked(self) -> dict:
        return {"name": mask_name(self.name), "doc_number": mask_doc_number(self.doc_number),
                "phone": mask_phone(self.phone)}

    @property
    def address(self) -> str:
        return "-".join(p for p in (self.building, self.unit, self.room) if p)


class Person(_Shown, db.Model):
    __table_args__ = (UniqueConstraint("community_id", "doc_type", "doc_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    # HMAC of the normalised number (Person.lookup_hash): the only searchable form. Set by the
    # person itself whenever its document changes (below), never by hand.
    doc_hash: Mapped[str] = mapped_column(String(64), index=True)
    doc_number: Mapped[str] = mapped_column(Encrypted)
    name: Mapped[str | None] = mapped_column(Encrypted)
    phone: Mapped[str | None] = mapped_column(Encrypted)
    compound: Mapped[str | None] = mapped_column(String(60))
    building: Mapped[str | None] = mapped_column(String(20), index=True)
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    # ';'-separated: elderly-alone, disabled, home-quarantine, ...
    tags: Mapped[str] = mapped_column(String(200), default="")
    in_roster: Mapped[bool] = mapped_column(default=False)
    # Random token printed in the person's QR code (scanner.classify's CP1: prefix).
    personal_code: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def lookup_hash(doc_type: str, doc_number: str) -> str:
        """The keyed hash a person is found by: the one place it is computed (a query, a bulk
        insert or a registration that names a document asks here)."""
        return vault().lookup_hash(doc_type, doc_number)

    @staticmethod
    def hasher():
        """lookup_hash with the app's key fetched once: for the many hashes of a sync batch."""
        return vault().lookup_hash

    @validates("doc_type", "doc_number")
    def _keep_doc_hash(self, key, value):
        # Both set (in either order): the hash follows, so a row can never hold a stale one.
        doc_type = value if key == "doc_type" else self.doc_type
        number = value if key == "doc_number" else self.doc_number
        if doc_type is not None and number is not None:
            self.doc_hash = Person.lookup_hash(doc_type, number)
        return value

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]


class Registration(_Shown, db.Model):
    """A resident's self-registration for a personal code, waiting for a worker who checks the
    ID card (issue 15). The anonymous form only ever adds one of these: it never reads or writes
    the roster, so it can neither obtain a resident's code nor tell who lives here. The resident
    keeps a link (its token stored hashed) that shows the code once a worker confirmed."""

    __table_args__ = (
        UniqueConstraint("community_id", "reference"),
        CheckConstraint(in_list("status", REGISTRATION_STATUSES), name="registration_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    claim_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the link token
    reference: Mapped[str] = mapped_column(String(12))  # read out to the worker: "K7QM-4TXP"
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_hash: Mapped[str] = mapped_column(String(64))
    doc_number: Mapped[str] = mapped_column(Encrypted)
    name: Mapped[str] = mapped_column(Encrypted)
    phone: Mapped[str] = mapped_column(Encrypted)
    building: Mapped[str | None] = mapped_column(Encrypted)
    unit: Mapped[str | None] = mapped_column(Encrypted)
    room: Mapped[str | None] = mapped_column(Encrypted)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person | None] = relationship()
