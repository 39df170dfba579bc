"""The special groups' categories of a community (特殊人群类别), the one list that the ledger,
coverage and the door-to-door list all use. Until a supervisor edits them, a community has the
seven defaults of the seed reports (nothing stored); the first edit stores them. A person's
categories are tags (Person.tags); a category's `code` is its tag."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from offline.rules import is_phone, normalise_phone
from offline.text import clean_note
from ..audit import audit
from ..extensions import db
from ..models import Person, SpecialCategory, SpecialContact, utcnow

# (code, name, sampled at home): "獨居老人、空巢老人、孤寡老人以及生活困難群眾", the disabled,
# the chronically ill and pregnant women. The codes of the first roster tags are kept.
DEFAULTS = (("elderly-alone", "独居", False), ("empty-nest", "空巢", False),
            ("widowed-alone", "孤寡", True), ("disabled", "残障", True), ("chronic", "慢病", False),
            ("pregnant", "孕产", False), ("hardship", "生活困难", False))
MAX_NAME = 20
MAX_TAGS = 200  # Person.tags


class CategoryError(ValueError):
    """A category or a person's categories that cannot be saved; the message says why."""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    active: bool = True
    home_sampling: bool = False
    id: int | None = None


def categories(community_id: int, *, active_only: bool = True) -> list[Category]:
    rows = db.session.scalars(select(SpecialCategory).where(SpecialCategory.community_id == community_id)
                              .order_by(SpecialCategory.position, SpecialCategory.id)).all()
    found = [Category(r.code, r.name, r.active, r.home_sampling, r.id) for r in rows] if rows else \
        [Category(code, name, True, home) for code, name, home in DEFAULTS]
    return [c for c in found if c.active or not active_only]


def codes(community_id: int) -> tuple[str, ...]:
    """The tags of the active categories."""
    return tuple(c.code for c in categories(community_id))


def names(community_id: int) -> dict[str, str]:
    """{tag: the community's name for it} of every category, inactive ones too (old tags)."""
    return {c.code: c.name for c in categories(community_id, active_only=False)}


def home_sampling_codes(community_id: int) -> tuple[str, ...]:
    return tuple(c.code for c in categories(community_id) if c.home_sampling)


def _stored(community_id: int) -> list[SpecialCategory]:
    """The community's rows, the defaults stored first if it had none."""
    rows = db.session.scalars(select(SpecialCategory).where(SpecialCategory.community_id == community_id)
                              .order_by(SpecialCategory.position, SpecialCategory.id)).all()
    if rows:
        return rows
    rows = [SpecialCategory(community_id=community_id, code=code, name=name, position=i,
                            home_sampling=home, active=True)
            for i, (code, name, home) in enumerate(DEFAULTS)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _clean_name(name: str) -> str:
    name = clean_note(name or "").replace(";", "").replace("；", "").strip()
    if not name or len(name) > MAX_NAME:
        raise CategoryError(_l("Give the category a name of at most 20 characters."))
    return name


def add_category(community_id: int, name: str, home_sampling: bool) -> SpecialCategory:
    name = _clean_name(name)
    rows = _stored(community_id)
    if any(r.name == name or r.code == name for r in rows):
        raise CategoryError(_l("The community has this category already."))
    row = SpecialCategory(community_id=community_id, code=name, name=name, position=len(rows),
                          home_sampling=home_sampling, active=True)
    db.session.add(row)
    db.session.flush()
    audit("special_category_added", target=f"category:{row.id}")
    return row


def update_category(community_id: int, code: str, name: str, active: bool, home_sampling: bool) -> SpecialCategory:
    name = _clean_name(name)
    rows = _stored(community_id)
    row = next((r for r in rows if r.code == code), None)
    if row is None:
        raise CategoryError(_l("No such category."))
    if any(r.name == name and r.id != row.id for r in rows):
        raise CategoryError(_l("The community has this category already."))
    row.name, row.active, row.home_sampling = name, active, home_sampling
    audit("special_category_changed", target=f"category:{row.id}", active=active, home_sampling=home_sampling)
    return row


def set_person_categories(person: Person, chosen: list[str]) -> None:
    """The person's categories become `chosen` (of the community's active ones); their other
    tags (home quarantine, tags an import brought) stay."""
    known = set(codes(person.community_id))
    if any(c not in known for c in chosen):
        raise CategoryError(_l("Choose categories of the community."))
    kept = [t for t in person.tag_list if t not in known]
    tags = ";".join(dict.fromkeys([*kept, *chosen]))
    if len(tags) > MAX_TAGS:
        raise CategoryError(_l("Too many categories for one person."))
    person.tags = tags
    audit("special_groups_set", target=f"person:{person.id}", categories=sorted(chosen))


def contact_of(person: Person) -> SpecialContact | None:
    return db.session.scalar(select(SpecialContact).where(SpecialContact.person_id == person.id))


def save_contact(person: Person, relation: str, name: str, phone: str, user_id: int | None,
                 remove: bool = False) -> SpecialContact | None:
    """A child's or guardian's contact (encrypted). The page never shows the stored name and
    phone in clear, so a field left empty keeps what is stored; `remove` deletes the contact."""
    relation, name = clean_note(relation or "")[:20], clean_note(name or "")[:60]
    phone = normalise_phone((phone or "").strip())
    if phone and not is_phone(phone):  # the rule of sync, /register and the roster
        raise CategoryError(_l("Give a phone number the guardian can be reached at."))
    found = contact_of(person)
    if remove:
        if found is not None:
            db.session.delete(found)
            audit("special_contact_removed", target=f"person:{person.id}")
        return None
    if found is None:
        if not (name or phone):
            raise CategoryError(_l("Give the guardian's name or phone."))
        found = SpecialContact(community_id=person.community_id, person_id=person.id)
        db.session.add(found)
    found.relation = relation or found.relation
    found.name = name or found.name
    found.phone = phone or found.phone
    found.updated_by, found.updated_at = user_id, utcnow()
    db.session.flush()
    audit("special_contact_saved", target=f"person:{person.id}")
    return found
