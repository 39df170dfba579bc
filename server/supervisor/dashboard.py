"""Dashboard: passages and fevers per gate per hour, samples and tubes per sampling point per
hour, sync lag per phone. Charts are server-drawn SVG bars (no JS, nothing inline for the CSP)."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from ..access import role_required, scoped
from ..clock import day_bounds, local
from ..extensions import db
from ..models import Device, GateEntry, Sample, Site, Tube, utcnow
from . import bp
from .periods import requested_day


def hourly(rows) -> dict:
    """{site_id: {series: [24 counts]}} from (site_id, time, series) rows (local hours)."""
    out: dict[int, dict[str, list[int]]] = {}
    for site_id, at, series in rows:
        hours = out.setdefault(site_id, {}).setdefault(series, [0] * 24)
        hours[local(at).hour] += 1
    return out


def day_charts(community_id: int, day) -> dict:
    start, end = day_bounds(day)
    gate_rows = db.session.execute(select(GateEntry.site_id, GateEntry.recorded_at, GateEntry.fever).where(
        GateEntry.community_id == community_id, GateEntry.recorded_at >= start, GateEntry.recorded_at < end))
    gate = hourly((s, at, "passages") for s, at, _f in gate_rows)
    fevers = db.session.execute(select(GateEntry.site_id, GateEntry.recorded_at).where(
        GateEntry.community_id == community_id, GateEntry.fever.is_(True),
        GateEntry.recorded_at >= start, GateEntry.recorded_at < end))
    for site_id, hours in hourly((s, at, "fevers") for s, at in fevers).items():
        gate.setdefault(site_id, {}).update(hours)
    samples = db.session.execute(select(Sample.site_id, Sample.recorded_at).where(
        Sample.community_id == community_id, Sample.voided_at.is_(None),
        Sample.recorded_at >= start, Sample.recorded_at < end))
    sampling = hourly((s, at, "samples") for s, at in samples)
    tubes = db.session.execute(select(Tube.site_id, Tube.opened_at).where(
        Tube.community_id == community_id, Tube.opened_at >= start, Tube.opened_at < end))
    for site_id, hours in hourly((s, at, "tubes") for s, at in tubes).items():
        sampling.setdefault(site_id, {}).update(hours)
    return {"gate": gate, "sampling": sampling}


@bp.get("/dashboard")
@role_required("supervisor")
def dashboard():
    """The day at a glance."""
    day = requested_day()
    charts = day_charts(current_user.community_id, day)
    sites = db.session.scalars(scoped(Site).order_by(Site.kind, Site.code)).all()
    now = utcnow()
    devices = db.session.scalars(scoped(Device).where(Device.revoked_at.is_(None))
                                 .order_by(Device.last_sync_at)).all()
    lags = [(d, int((now - d.last_sync_at).total_seconds() // 60) if d.last_sync_at else None)
            for d in devices]
    max_lag = max([lag for _d, lag in lags if lag is not None] or [1])
    from ..rounds.status import round_coverage, round_covering

    rnd = round_covering(current_user.community_id, day)
    in_round = round_coverage(rnd, day) if rnd else None
    return render_template("supervisor/dashboard.html", day=day, charts=charts, sites=sites,
                           lags=lags, max_lag=max_lag or 1, rnd=rnd, in_round=in_round)
