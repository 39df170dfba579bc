"""The gate capture page (its offline copy is served by the service worker)."""
from flask import render_template
from flask_login import login_required

from ..access import scoped_or_404
from ..models import Site
from . import bp


def gate_or_404(site_id: int) -> Site:
    """A gate of the user's community; another community's site is simply not found."""
    return scoped_or_404(Site, site_id, Site.kind == "gate")


@bp.get("/gate/<int:site_id>")
@login_required
def capture(site_id: int):
    """Register passages at a gate of the user's community."""
    gate_or_404(site_id)
    return render_template("gate/capture.html", shell=False)
