"""Device management: the community's phones, what they still hold, and revoking one."""
from flask import redirect, render_template, url_for
from sqlalchemy.orm import joinedload

from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..extensions import db
from ..models import Device, utcnow
from ..htmx import is_htmx
from . import bp


@bp.get("/devices")
@role_required("supervisor")
def devices():
    """Phones of the community: user, last sync, pending records, revoked or not."""
    rows = db.session.scalars(scoped(Device).options(joinedload(Device.user))
                              .order_by(Device.revoked_at.is_not(None), Device.last_sync_at.desc(),
                                        Device.created_at.desc())).all()
    return render_template("supervisor/devices.html", devices=rows, now=utcnow())


@bp.post("/devices/<device_id>/revoke")
@role_required("supervisor")
def device_revoke(device_id):
    """Revoke a phone's token: the API refuses it from the next request on."""
    device = scoped_or_404(Device, device_id)
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        audit("revoke_device", target=f"device:{device.id}", pending=device.pending)
        db.session.commit()
    if is_htmx():
        return render_template("supervisor/_device_row.html", device=device, now=utcnow())
    return redirect(url_for(".devices"))
