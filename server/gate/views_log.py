"""The online page of one gate: today's log, fevers, turn-backs and passages per hour."""
from flask import render_template
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import day_bounds
from ..extensions import db
from ..models import GateEntry
from ..privacy import mask_name
from ..supervisor.charts import hourly
from ..supervisor.periods import requested_day
from . import bp
from .lookup import gate_or_404

LOG_ROWS = 300  # the page shows the latest passages; exports carry the whole day


@bp.get("/gate/<int:site_id>/log")
@login_required
def log(site_id: int):
    """Today's passages at a gate of the user's community (masked)."""
    site = gate_or_404(site_id)
    day = requested_day()
    start, end = day_bounds(day)
    entries = db.session.scalars(
        select(GateEntry).where(GateEntry.site_id == site.id, GateEntry.recorded_at >= start,
                                GateEntry.recorded_at < end)
        .options(selectinload(GateEntry.person)).order_by(GateEntry.recorded_at.desc())).all()
    hours = hourly((site.id, e.recorded_at, "passages") for e in entries).get(site.id, {})
    fever_hours = hourly((site.id, e.recorded_at, "fevers") for e in entries if e.fever)
    counts = {"in": sum(e.direction == "in" for e in entries),
              "out": sum(e.direction == "out" for e in entries),
              "fevers": sum(e.fever for e in entries),
              "turned_back": sum(e.turned_back for e in entries)}
    return render_template(
        "gate/log.html", site=site, day=day, counts=counts,
        series=[hours.get("passages", [0] * 24), fever_hours.get(site.id, {}).get("fevers", [0] * 24)],
        rows=[_row(e) for e in entries[:LOG_ROWS]], fevers=[_row(e) for e in entries if e.fever],
        turned_back=[_row(e) for e in entries if e.turned_back], more=max(0, len(entries) - LOG_ROWS))


def _row(entry: GateEntry) -> dict:
    person = entry.person
    return {
        "at": entry.recorded_at, "direction": entry.direction, "temperature": entry.temperature_c,
        "fever": entry.fever, "turned_back": entry.turned_back, "reason": entry.reason,
        "plate": entry.vehicle_plate, "remeasure": bool(entry.remeasure_of),
        "sent_to_sample": entry.sent_to_sample,
        "who": person.masked["name"] if person else mask_name(entry.visitor_name),
        "doc": person.masked["doc_number"] if person else "",
        "address": person.address if person else "",
        "visitor": person is None,
    }
