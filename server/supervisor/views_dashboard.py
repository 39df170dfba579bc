"""Dashboard: passages and fevers per gate per hour, samples and tubes per sampling point per
hour, sync lag per phone. Charts are server-drawn SVG bars (no JS, nothing inline for the CSP)."""

from flask import render_template
from flask_login import current_user

from ..access import role_required, scoped
from ..extensions import db
from ..models import Device, Site, utcnow
from ..rounds.status import round_coverage, round_covering
from . import bp
from .periods import requested_day
from .charts import day_charts


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
    rnd = round_covering(current_user.community_id, day)
    in_round = round_coverage(rnd, day) if rnd else None
    return render_template("supervisor/dashboard.html", day=day, charts=charts, sites=sites,
                           lags=lags, max_lag=max_lag or 1, rnd=rnd, in_round=in_round)
