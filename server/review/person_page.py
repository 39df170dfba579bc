"""One person's page of the special groups' ledger (needs, visits, categories, guardian), shown
by the care and the categories pages, and the one way their forms change a person."""
from flask import redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..models import utcnow
from ..models.followup import NEEDS
from . import categories
from .care import active_needs, special_tags, visits
from .problems import community_users


def person_page(person, error=None, status=200):
    cid = current_user.community_id
    return render_template("review/person.html", person=person, groups=special_tags(person),
                           categories=categories.categories(cid), category_names=categories.names(cid),
                           contact=categories.contact_of(person),
                           needs=active_needs(cid, [person.id]).get(person.id, []), needs_all=NEEDS,
                           visits=visits(cid, person.id), users=community_users(cid),
                           now=utcnow(), error=error), status


def change_person(person, change, refused, anchor=None):
    """Run change() for the person's ledger page: a refused input (an exception of type
    `refused`) shows the page again with the reason and saves nothing; otherwise saved, and back
    to the page (at `anchor`)."""
    try:
        change()
    except refused as error:
        return person_page(person, str(error), 400)
    db.session.commit()
    return redirect(url_for(".person", person_id=person.id, _anchor=anchor))
