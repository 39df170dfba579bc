"""Communities (社区) and their sites: gates (卡口) and sampling points."""
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from offline.rules import TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN
from ..extensions import db
from .base import between, in_list

SITE_KINDS = ("gate", "sampling_point")


class Community(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    fever_threshold_c: Mapped[Decimal] = mapped_column(Numeric(3, 1), default=Decimal("37.3"))

    sites: Mapped[list["Site"]] = relationship(back_populates="community", order_by="Site.code")


class Site(db.Model):
    __table_args__ = (
        UniqueConstraint("community_id", "code"),
        CheckConstraint(in_list("kind", SITE_KINDS), name="site_kind"),
        CheckConstraint(between("tube_capacity", TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX), name="site_tube_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    compound: Mapped[str | None] = mapped_column(String(120))
    tube_capacity: Mapped[int] = mapped_column(default=10)
    # A regular expression that tube barcodes at this site must match; None: the default.
    tube_pattern: Mapped[str | None] = mapped_column(String(200))

    community: Mapped[Community] = relationship(back_populates="sites")

    def as_api(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind,
                "community": self.community.code, "compound": self.compound,
                "tube_capacity": self.tube_capacity, "tube_pattern": self.tube_pattern}
