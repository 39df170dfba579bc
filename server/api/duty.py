"""GET /api/v1/duty?site_id=<gate>: who is on duty at a gate now and who takes over next, for the
gate screen's duty line (static/js/gate-duty.js). Asking is also the phone's sign-in at that
gate: with the passages captured there, it is the actual presence the roster is checked against."""
from flask import abort, g, jsonify, request

from ..access import scoped_or_404
from ..extensions import db
from ..inputs import parse_id
from ..models import Site, utcnow
from ..rosters.presence import record_sign_in
from ..rosters.schedule import on_duty
from . import bp
from .auth import token_required


def _shift(shift, people, me):
    """A shift's hours and names; the asking user, when on it, first and flagged `includes_me`
    (the phone says "我" there: shorter on a 360-px line than a name, and read at a glance)."""
    if shift is None:
        return None
    ordered = sorted(people, key=lambda u: u.id != me.id)
    return {"starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
            "needed": shift.needed, "people": [u.display_name or u.username for u in ordered],
            "includes_me": any(u.id == me.id for u in people)}


@bp.get("/duty")
@token_required
def duty():
    """The current and next shift of a gate of the user's community (404 otherwise)."""
    site_id = parse_id(request.args.get("site_id"))
    if site_id is None:
        abort(400, description="site_id: the id of a gate")
    site = scoped_or_404(Site, site_id, Site.kind == "gate", community_id=g.user.community_id)
    now = utcnow()
    record_sign_in(g.user, site.id, now)
    db.session.commit()
    found = on_duty(site.id, now)
    current = _shift(found.shift, found.people, g.user)
    return jsonify(server_time=now.isoformat(), site_id=site.id, current=current,
                   next=_shift(found.next_shift, found.next_people, g.user),
                   me_rostered=bool(current and current["includes_me"]))
