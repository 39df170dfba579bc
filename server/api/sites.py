"""The sites a device's user may capture at."""
from flask import g, jsonify

from ..access import scoped
from ..extensions import db
from ..models import Site
from . import bp
from .auth import token_required


@bp.get("/sites")
@token_required
def sites():
    """Sites of the user's community, and its settings the capture screens need offline."""
    rows = db.session.scalars(scoped(Site, g.user.community_id).order_by(Site.code))
    community = g.user.community
    return jsonify(sites=[site.as_api() for site in rows],
                   community={"code": community.code, "name": community.name,
                              "fever_threshold_c": float(community.fever_threshold_c)})
