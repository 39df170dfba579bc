"""The sites a device's user may capture at."""
from flask import g, jsonify
from sqlalchemy import select

from ..extensions import db
from ..models import Site
from . import bp
from .auth import token_required


@bp.get("/sites")
@token_required
def sites():
    """Sites of the user's community."""
    rows = db.session.scalars(
        select(Site).where(Site.community_id == g.user.community_id).order_by(Site.code))
    return jsonify(sites=[site.as_api() for site in rows])
