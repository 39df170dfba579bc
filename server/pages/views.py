"""Home page: the user's sites and what they can do there."""
from flask import current_app, render_template, send_from_directory
from flask_login import current_user, login_required

from ..access import scoped, site_kinds_for
from ..extensions import db
from ..models import Site
from . import bp


@bp.get("/")
@login_required
def home():
    """The user's community, the sites their role may open (theirs first) and their tools."""
    kinds = site_kinds_for(current_user)
    sites = db.session.scalars(scoped(Site).where(Site.kind.in_(kinds)).order_by(Site.code)).all()
    sites.sort(key=lambda site: kinds.index(site.kind))
    return render_template("home.html", sites=sites, user=current_user)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest (installable PWA)."""
    response = send_from_directory(current_app.static_folder, "manifest.webmanifest",
                                   mimetype="application/manifest+json")
    return response
