"""The gate capture page (its offline copy is served by the service worker)."""
from flask import render_template
from flask_login import login_required

from . import bp
from .lookup import gate_or_404


@bp.get("/gate/<int:site_id>")
@login_required
def capture(site_id: int):
    """Register passages at a gate of the user's community."""
    gate_or_404(site_id)
    return render_template("gate/capture.html", shell=False)
