"""The dashboard's figures: a day's passages and samples per hour (also the gate log's)."""
from sqlalchemy import select

from ..clock import day_bounds, local
from ..extensions import db
from ..models import GateEntry, Sample, Tube


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
