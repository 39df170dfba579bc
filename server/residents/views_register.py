"""/register: a resident asks for a personal QR code without an account.

The anonymous form never looks at the roster (issue 15: it used to match a roster resident by ID
number, hand out their code and write the stranger's phone into the roster, and it answered
differently for residents and strangers). Now every valid form, whoever it names, does the same
work and gets the same answer: a Registration is stored and the resident is sent to a link of
their own (/register/<token>) showing a reference to read out to a community worker together
with the ID card. The worker types the number from the card (server/residents/views_registrations.py);
only then is the code issued, to the roster resident or to a new person, and the link shows it.
"""
import hashlib
import secrets

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from offline.protocol import INVALID_ID_NUMBER, RecordError
from offline.rules import DOC_TYPES, OTHER_DOC_LENGTH, is_phone, normalise_phone
from offline.text import clean_line, has_controls
from ..audit import audit
from ..extensions import db, limiter
from ..sync.identify import check_document
from ..models import Community, Person, Registration
from .personal_codes import payload, qr_png_data_uri, qr_svg_data_uri
from . import bp

ADDRESS_FIELDS = ("building", "unit", "room")
# A reference is read aloud and typed by a worker: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])  # per address: slows flooding the worker's list
def register():
    """The public registration form; a valid form goes to the resident's own link."""
    form = {k: clean_line(request.values.get(k) or "") for k in
            ("community", "name", "doc_type", "doc_number", "phone", *ADDRESS_FIELDS)}
    form["doc_type"] = form["doc_type"] or "cn_ric"
    if request.method == "GET":
        form["community"] = form["community"] or clean_line(request.args.get("c", ""))
        return render_template("residents/register.html", form=form, errors=[])
    data, errors = _validate(form)
    if errors:
        return render_template("residents/register.html", form=form, errors=errors), 400
    token = secrets.token_urlsafe(24)
    registration = Registration(
        community_id=data["community"].id, claim_hash=claim_hash(token), reference=new_reference(),
        doc_type=data["doc_type"], doc_hash=Person.lookup_hash(data["doc_type"], data["doc_number"]),
        doc_number=data["doc_number"], name=data["name"], phone=data["phone"],
        **{k: data[k] for k in ADDRESS_FIELDS})
    db.session.add(registration)
    db.session.flush()
    audit("registration_received", target=f"registration:{registration.id}",
          community_id=registration.community_id)
    db.session.commit()
    # 303: the resident's browser shows (and can bookmark) their link, and a reload of it
    # does not send the form again.
    return redirect(url_for(".claim", token=token), code=303)


@bp.get("/register/<token>")
def claim(token):
    """The resident's link: the reference to show a worker, then the code once confirmed."""
    registration = db.session.scalar(select(Registration).where(
        Registration.claim_hash == claim_hash(token)))
    if registration is None:
        abort(404)
    context = {"registration": registration}
    if registration.status == "confirmed" and registration.person and registration.person.personal_code:
        code = registration.person.personal_code
        context.update(person=registration.person, svg=qr_svg_data_uri(code), png=qr_png_data_uri(code),
                       text=payload(code))
    return render_template("residents/claim.html", **context)


def claim_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_reference() -> str:
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _n in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def _validate(form: dict) -> tuple[dict, list[str]]:
    """Clean values or messages for the resident (one place for the form's rules). Nothing here
    depends on who is on the roster."""
    errors = []
    community = db.session.scalar(select(Community).where(Community.code == form["community"]))
    if community is None:
        errors.append(_("Unknown community code: ask your community office for it."))
    if not 1 <= len(form["name"]) <= 60:
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
                          else _("The document number must be %(min)s to %(max)s letters or digits.",
                                 min=OTHER_DOC_LENGTH[0], max=OTHER_DOC_LENGTH[1]))
    phone = normalise_phone(form["phone"])
    if not is_phone(phone):
        errors.append(_("Enter your mobile phone number."))
    for name in ADDRESS_FIELDS:
        if len(form[name]) > 20 or has_controls(form[name]):
            errors.append(_("Building, unit and room are at most 20 characters each."))
            break
    data = {"community": community, "name": form["name"], "doc_type": form["doc_type"],
            "doc_number": number, "phone": phone,
            **{name: form[name] or None for name in ADDRESS_FIELDS}}
    return data, errors
