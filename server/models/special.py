"""Special-group categories of a community (独居、空巢、孤寡…) and the contacts of a special
group member's children or guardians."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..privacy import Encrypted, mask_name, mask_phone
from .base import UTCDateTime, utcnow


class SpecialCategory(db.Model):
    """A category of the special-groups ledger. `code` is the tag people carry (Person.tags):
    the historical codes for the defaults (elderly-alone…), the name itself for the ones a
    community adds (so a roster import naming it tags people with it). `home_sampling`: its
    people are sampled at home, so they are on the door-to-door list until sampled."""

    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    home_sampling: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpecialContact(db.Model):
    """Who to call for a person of a special group: a child or guardian (encrypted)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    relation: Mapped[str | None] = mapped_column(Encrypted)
    name: Mapped[str | None] = mapped_column(Encrypted)
    phone: Mapped[str | None] = mapped_column(Encrypted)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def masked(self) -> dict:
        return {"name": mask_name(self.name), "phone": mask_phone(self.phone)}
