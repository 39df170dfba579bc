"""What a community did on one local day, counted for the evening review. The coverage, the
board's open items and the work groups come from their own modules; this adds the day's totals."""
from datetime import date

from sqlalchemy import func, select

from ..clock import day_bounds
from ..extensions import db
from ..models import Box, Flag, GateEntry, Sample, Tube, utcnow
from ..supervisor.board_state import board_groups
from ..rounds.status import coverage_for_day
from .problems import problems_for_day
from .workgroups import members_on


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def day_counts(community_id: int, day: date) -> dict[str, int]:
    """Passages, fevers, turn-backs, tubes through each step, samples: {name: count}."""
    start, end = day_bounds(day)

    def during(column):
        return (column >= start, column < end)

    gate = (GateEntry.community_id == community_id, *during(GateEntry.recorded_at))
    tubes = (Tube.community_id == community_id,)
    boxed = select(func.count()).select_from(Tube).join(Box, Box.id == Tube.box_id).where(*tubes)
    return {
        "passages_in": _count(GateEntry, *gate, GateEntry.direction == "in"),
        "passages_out": _count(GateEntry, *gate, GateEntry.direction == "out"),
        "fevers": _count(GateEntry, *gate, GateEntry.fever.is_(True)),
        "turned_back": _count(GateEntry, *gate, GateEntry.turned_back.is_(True)),
        "tubes_opened": _count(Tube, *tubes, *during(Tube.opened_at)),
        "tubes_sealed": _count(Tube, *tubes, *during(Tube.sealed_at)),
        "tubes_boxed": db.session.scalar(boxed.where(*during(Box.created_at))) or 0,
        "tubes_handed_over": db.session.scalar(boxed.where(*during(Box.handed_over_at))) or 0,
        "samples": _count(Sample, Sample.community_id == community_id, Sample.voided_at.is_(None),
                          *during(Sample.recorded_at)),
    }


def flags_raised(community_id: int, day: date) -> dict[str, int]:
    """Flags recorded on the day, by kind."""
    start, end = day_bounds(day)
    rows = db.session.execute(select(Flag.kind, func.count()).where(
        Flag.community_id == community_id, Flag.created_at >= start, Flag.created_at < end)
        .group_by(Flag.kind).order_by(Flag.kind))
    return dict(rows.all())


def daily_review(community_id: int, day: date) -> dict:
    """Everything the review page shows for one day."""
    now = utcnow()
    cover, rnd = coverage_for_day(community_id, day)
    # The board is live: what is open and overdue now, whichever day is reviewed.
    open_now = {kind: {"total": len(g["flags"]) + len(g["items"]), "overdue": g["overdue"]}
                for kind, g in board_groups(community_id, now).items()}
    return {
        "counts": day_counts(community_id, day),
        "coverage": {"roster": cover["roster"], "sampled": cover["sampled"],
                     "special_missing": len(cover["missing_special"]),
                     "round": rnd},
        "flags_raised": flags_raised(community_id, day),
        "open_now": open_now, "now": now,
        "groups": members_on(community_id, day),
        "problems": problems_for_day(community_id, day),
    }
