"""/register: a resident registers once, without an account, and gets a personal QR code."""
import re

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from offline.protocol import INVALID_ID_NUMBER, RecordError
from ..audit import audit
from ..extensions import db, limiter
from ..identify import PHONE_PATTERN, check_document
from ..models import Community, Person
from ..models.people import DOC_TYPES
from ..personal_codes import ensure_code, payload, qr_png_data_uri, qr_svg_data_uri
from ..privacy import vault
from . import bp

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ADDRESS_FIELDS = ("building", "unit", "room")


def _limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])  # per address: slows guessing of ID numbers
def register():
    """The public registration form; on success, the resident's QR code."""
    form = {k: (request.values.get(k) or "").strip() for k in
            ("community", "name", "doc_type", "doc_number", "phone", *ADDRESS_FIELDS)}
    form["doc_type"] = form["doc_type"] or "cn_ric"
    if request.method == "GET":
        form["community"] = form["community"] or request.args.get("c", "")
        return render_template("residents/register.html", form=form, errors=[])
    data, errors = _validate(form)
    if errors:
        return render_template("residents/register.html", form=form, errors=errors), 400
    person, error = _register(data)
    if error:
        return render_template("residents/register.html", form=form, errors=[error]), 400
    token = ensure_code(person)
    audit("personal_code_self_registered", target=f"person:{person.id}",
          community_id=person.community_id)
    db.session.commit()
    return render_template("residents/registered.html", person=person,
                           svg=qr_svg_data_uri(token), png=qr_png_data_uri(token), text=payload(token))


def _validate(form: dict) -> tuple[dict, list[str]]:
    """Clean values or messages for the resident (one place for the form's rules)."""
    errors = []
    community = db.session.scalar(select(Community).where(Community.code == form["community"]))
    if community is None:
        errors.append(_("Unknown community code: ask your community office for it."))
    if not 1 <= len(form["name"]) <= 60 or _CONTROL.search(form["name"]):
        errors.append(_("Enter your name."))
    number = None
    if form["doc_type"] not in DOC_TYPES:
        errors.append(_("Choose a document type."))
    else:
        try:
            _type, number = check_document(form["doc_type"], form["doc_number"])
        except RecordError as error:
            errors.append(_("The ID number is not valid: check it digit by digit.")
                          if error.code == INVALID_ID_NUMBER
                          else _("The document number must be 5 to 30 letters or digits."))
    phone = form["phone"].replace(" ", "").replace("-", "")
    if not PHONE_PATTERN.fullmatch(phone):
        errors.append(_("Enter your mobile phone number."))
    for name in ADDRESS_FIELDS:
        if len(form[name]) > 20 or _CONTROL.search(form[name]):
            errors.append(_("Building, unit and room are at most 20 characters each."))
            break
    data = {"community": community, "name": form["name"], "doc_type": form["doc_type"],
            "doc_number": number, "phone": phone,
            **{name: form[name] or None for name in ADDRESS_FIELDS}}
    return data, errors


def _register(data: dict) -> tuple[Person | None, str | None]:
    """Match the roster by document number, or add the person outside the roster."""
    community = data["community"]
    doc_hash = vault().lookup_hash(data["doc_type"], data["doc_number"])
    person = db.session.scalar(select(Person).where(
        Person.community_id == community.id, Person.doc_type == data["doc_type"],
        Person.doc_hash == doc_hash))
    if person is None:
        person = Person(community_id=community.id, doc_type=data["doc_type"], doc_hash=doc_hash,
                        doc_number=data["doc_number"], name=data["name"], phone=data["phone"],
                        in_roster=False, **{k: data[k] for k in ADDRESS_FIELDS})
        db.session.add(person)
        db.session.flush()
        return person, None
    # Someone who only knows a neighbour's ID number must not get their code: when the
    # roster has a phone, it must match.
    if person.phone and person.phone != data["phone"]:
        return None, _("These details do not match the community's records; "
                       "please ask the community office.")
    # Fill what the roster lacked; never overwrite what it says.
    person.name = person.name or data["name"]
    person.phone = person.phone or data["phone"]
    for name in ADDRESS_FIELDS:
        if not getattr(person, name):
            setattr(person, name, data[name])
    return person, None
