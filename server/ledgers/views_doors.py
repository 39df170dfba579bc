"""/ledgers/doors: the door sensors (门磁) of the community and the platforms that send their
events: map a sensor to a roster household, move it, remove it, revoke a platform's key."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import role_required, scoped, scoped_or_404
from ..extensions import db
from ..models import DoorEvent, DoorSensor, Integration, utcnow
from . import bp
from .doors import SensorError, add_sensor, household_label, remove_sensor, revoke_integration


def _page(error=None, form=None, status=200):
    cid = current_user.community_id
    sensors = db.session.scalars(scoped(DoorSensor).order_by(
        DoorSensor.building, DoorSensor.unit, DoorSensor.room, DoorSensor.sensor_id)).all()
    last = dict(db.session.execute(select(DoorEvent.sensor_id, func.max(DoorEvent.occurred_at)).where(
        DoorEvent.community_id == cid).group_by(DoorEvent.sensor_id)).all())
    integrations = db.session.scalars(scoped(Integration).order_by(Integration.id)).all()
    return render_template("ledgers/doors.html", sensors=sensors, last=last, integrations=integrations,
                           error=error, form=form or {}, label=household_label), status


@bp.get("/ledgers/doors")
@role_required("supervisor")
def doors():
    """Sensors with their households and last event; the platforms' keys."""
    return _page()


@bp.post("/ledgers/doors")
@role_required("supervisor")
def doors_save():
    """Add a sensor, or move a known one, to a household of the roster (audited)."""
    form = {k: request.form.get(k, "") for k in ("sensor_id", "building", "unit", "room")}
    try:
        sensor = add_sensor(current_user.community_id, form["sensor_id"], form["building"],
                            form["unit"], form["room"])
    except SensorError as error:
        db.session.rollback()
        return _page(str(error), form, 400)
    db.session.commit()
    flash(_("Sensor %(sensor)s watches household %(household)s.", sensor=sensor.sensor_id,
            household=household_label(sensor.building, sensor.unit, sensor.room)))
    return redirect(url_for(".doors"))


@bp.post("/ledgers/doors/<int:sensor_id>/remove")
@role_required("supervisor")
def doors_remove(sensor_id):
    """The sensor no longer watches anyone (audited)."""
    sensor = scoped_or_404(DoorSensor, sensor_id)
    name = sensor.sensor_id
    remove_sensor(sensor)
    db.session.commit()
    flash(_("Sensor %(sensor)s removed.", sensor=name))
    return redirect(url_for(".doors"))


@bp.post("/ledgers/doors/integrations/<int:integration_id>/revoke")
@role_required("supervisor")
def integration_revoke(integration_id):
    """The platform's key stops working at once (audited)."""
    integration = scoped_or_404(Integration, integration_id)
    if revoke_integration(integration, utcnow()):
        db.session.commit()
        flash(_("Key %(key)s revoked: the platform's next event is refused.", key=integration.key_id))
    return redirect(url_for(".doors"))
