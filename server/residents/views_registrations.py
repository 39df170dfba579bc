"""/people/registrations: a worker confirms a resident's self-registration with the ID card in
hand, and the resident's link then shows their personal code.

Confirming needs the document number typed from the card (not picked from the list): whoever
only knows a neighbour's number and registered with it is caught at the desk, since the card
they show does not carry that number. The code goes to the roster's resident when the number is
on the roster (the roster's name, phone and address are kept: a registration never overwrites
them, it only fills what the roster lacks), else to a new person outside the roster."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from offline.protocol import RecordError
from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..extensions import db
from ..sync.identify import check_document
from ..models import Person, Registration, utcnow
from .personal_codes import ensure_code
from . import bp

SHOWN = 200  # pending registrations listed at once (a search by reference finds the others)
ADDRESS_FIELDS = ("building", "unit", "room")


@bp.get("/people/registrations")
@role_required("supervisor")
def registrations():
    """Pending self-registrations, newest first, masked; ?q= finds one by its reference."""
    query = scoped(Registration).where(Registration.status == "pending")
    wanted = (request.args.get("q") or "").strip().upper().replace(" ", "")[:12]
    if wanted:
        if "-" not in wanted and len(wanted) == 8:
            wanted = f"{wanted[:4]}-{wanted[4:]}"
        query = query.where(Registration.reference == wanted)
    rows = db.session.scalars(query.order_by(Registration.created_at.desc()).limit(SHOWN)).all()
    return render_template("residents/registrations.html", rows=rows, q=wanted)


def _page(registration, error, status):
    return render_template("residents/registrations.html", rows=[registration], q=registration.reference,
                           error=error), status


@bp.post("/people/registrations/<int:registration_id>/confirm")
@role_required("supervisor")
def registration_confirm(registration_id):
    """Check the number typed from the ID card, then issue (or reuse) the resident's code."""
    registration = scoped_or_404(Registration, registration_id)
    if registration.status != "pending":
        return _page(registration, _("This registration was already handled."), 409)
    try:
        _type, number = check_document(registration.doc_type, request.form.get("doc_number", ""))
    except RecordError:
        number = None
    if number is None or Person.lookup_hash(registration.doc_type, number) != registration.doc_hash:
        return _page(registration, _("The number typed from the card does not match this registration: "
                                     "check the card, or reject the registration."), 400)
    person = db.session.scalar(scoped(Person).where(
        Person.doc_type == registration.doc_type, Person.doc_hash == registration.doc_hash))
    if person is None:
        person = Person(community_id=registration.community_id, doc_type=registration.doc_type,
                        doc_number=registration.doc_number,
                        name=registration.name, phone=registration.phone, in_roster=False,
                        **{k: getattr(registration, k) for k in ADDRESS_FIELDS})
        db.session.add(person)
    else:
        # Checked in person: fill what the roster lacks; never overwrite what it says.
        person.name = person.name or registration.name
        person.phone = person.phone or registration.phone
        for name in ADDRESS_FIELDS:
            if not getattr(person, name):
                setattr(person, name, getattr(registration, name))
    ensure_code(person)
    db.session.flush()
    registration.status, registration.person_id = "confirmed", person.id
    registration.decided_at, registration.decided_by = utcnow(), current_user.id
    audit("registration_confirmed", target=f"registration:{registration.id}", person=person.id,
          in_roster=person.in_roster)
    db.session.commit()
    flash(_("Confirmed: the resident's link now shows the code (reference %(reference)s).",
            reference=registration.reference))
    return redirect(url_for(".registrations"))


@bp.post("/people/registrations/<int:registration_id>/reject")
@role_required("supervisor")
def registration_reject(registration_id):
    """Not who they say (or a mistake): the link says so, nothing is issued."""
    registration = scoped_or_404(Registration, registration_id)
    if registration.status == "pending":
        registration.status, registration.decided_at, registration.decided_by = "rejected", utcnow(), current_user.id
        audit("registration_rejected", target=f"registration:{registration.id}")
        db.session.commit()
    return redirect(url_for(".registrations"))
