"""The board's checks: live queries over tubes, boxes, results, rejections and phones.

A check yields Items (what is wrong, since when, by when it must be dealt with). Nothing is
written while looking: an item becomes a (resolved) Flag only when a supervisor resolves it,
which also keeps it off the board afterwards. Deadlines come from app config
SUPERVISOR_DEADLINES (minutes)."""
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..access import scoped
from ..clock import local, local_day
from ..extensions import db
from ..models import Box, Device, DutyShift, Flag, LabResult, Sample, SyncRejection, Tube
from ..rosters.schedule import staffed_counts

DEFAULT_DEADLINES = {"seal": 30, "box": 60, "handover": 120, "result": 240, "sync": 90, "lab": 120}
# Kinds the sampling handlers may raise as Flags for the same fact: a live item is hidden
# while such a flag is open for the same tube or person.
HANDLER_KINDS = ("tube_over_capacity", "tube_reused_other_site", "person_sampled_twice_today")
CHECK_KINDS = ("tube_open_too_long", "tube_under_filled", "tube_over_capacity",
               "person_sampled_twice_today", "tube_reused_other_site", "tube_not_boxed",
               "box_not_handed_over", "tube_without_result", "lab_result_unknown_tube",
               "sync_rejection_waiting", "device_unsynced", "box_not_received", "tube_received_without_box",
               "shift_understaffed", "gate_uncovered")


@dataclass
class Item:
    kind: str
    ref: str  # what the item is about, stable across refreshes: "tube:12", "device:…:time"
    since: datetime
    due_at: datetime
    tube_id: int | None = None
    person_id: int | None = None
    device_id: str | None = None
    site_id: int | None = None
    facts: dict = field(default_factory=dict)

    def overdue(self, now: datetime) -> bool:
        return self.due_at <= now

    def minutes_left(self, now: datetime) -> int:
        return int((self.due_at - now).total_seconds() // 60)


def deadlines() -> dict:
    return {**DEFAULT_DEADLINES, **current_app.config.get("SUPERVISOR_DEADLINES", {})}


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=deadlines()[name])


def run_checks(community_id: int, now: datetime) -> list[Item]:
    """Every item of every check for one community, overdue or not yet."""
    lookback = now - timedelta(hours=current_app.config.get("SUPERVISOR_LOOKBACK_HOURS", 72))
    items: list[Item] = []
    for check in (_open_tubes, _filling, _twice, _reused, _not_boxed, _boxes, _not_received,
                  _received_loose, _no_result, _unknown_results, _rejections, _devices, _understaffed,
                  _uncovered):
        items.extend(check(community_id, now, lookback))
    return items


_recent: dict = {}  # community id -> (when computed, monotonic; items)
_recent_lock = threading.Lock()


def recent_checks(community_id: int, now: datetime) -> list[Item]:
    """run_checks, computed at most once every BOARD_CACHE_SECONDS per community in this
    process: a room of supervisors whose boards refresh every 30 s costs one run of the
    checks, not one each (60-190 ms at district scale). Items resolved meanwhile are still
    taken off by the caller (handled_refs is read fresh); new ones show within seconds."""
    ttl = current_app.config.get("BOARD_CACHE_SECONDS", 0)
    if not ttl:
        return run_checks(community_id, now)
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], community_id)
    with _recent_lock:
        cached = _recent.get(key)
    if cached is not None and time.monotonic() - cached[0] < ttl:
        return cached[1]
    items = run_checks(community_id, now)
    with _recent_lock:
        _recent[key] = (time.monotonic(), items)
    return items


def _tube_item(kind, tube, since, due, **facts) -> Item:
    return Item(kind, f"tube:{tube.id}", since, due, tube_id=tube.id, site_id=tube.site_id,
                facts={"tube": tube.barcode, **facts})


def _open_tubes(cid, now, lookback):
    deadline = _minutes("seal")
    tubes = db.session.scalars(scoped(Tube, cid).where(Tube.status == "open"))
    return [_tube_item("tube_open_too_long", t, t.opened_at, t.opened_at + deadline) for t in tubes]


def _filled_counts(cid, lookback):
    """Non-voided samples per tube, for the tubes of the look-back window only."""
    return (select(Sample.tube_id, func.count().label("filled")).join(Tube, Tube.id == Sample.tube_id)
            .where(Tube.community_id == cid, Tube.opened_at >= lookback, Sample.voided_at.is_(None))
            .group_by(Sample.tube_id).subquery())


def _filling(cid, now, lookback):
    counts = _filled_counts(cid, lookback)
    filled = func.coalesce(counts.c.filled, 0)
    rows = db.session.execute(select(Tube, filled).outerjoin(counts, counts.c.tube_id == Tube.id).where(
        Tube.community_id == cid, Tube.opened_at >= lookback,
        ((Tube.sealed_at.is_not(None)) & (filled < Tube.capacity)) | (filled > Tube.capacity)))
    items = []
    for tube, n in rows:
        kind = "tube_over_capacity" if n > tube.capacity else "tube_under_filled"
        since = tube.sealed_at or tube.opened_at
        items.append(_tube_item(kind, tube, since, since, filled=n, capacity=tube.capacity))
    return items


def _twice(cid, now, lookback):
    """The same person in two (or more) tubes on the same local day."""
    candidates = (select(Sample.person_id).where(Sample.community_id == cid, Sample.voided_at.is_(None),
                                                 Sample.recorded_at >= lookback)
                  .group_by(Sample.person_id).having(func.count(func.distinct(Sample.tube_id)) > 1))
    rows = db.session.execute(
        select(Sample.person_id, Tube.barcode, Sample.recorded_at).join(Tube, Tube.id == Sample.tube_id)
        .where(Sample.person_id.in_(candidates), Sample.voided_at.is_(None), Sample.recorded_at >= lookback)
        .order_by(Sample.person_id, Sample.recorded_at))
    found: dict[tuple, list] = {}
    for person_id, barcode, at in rows:
        tubes = found.setdefault((person_id, local_day(at)), [])
        if barcode not in [b for b, _ in tubes]:
            tubes.append((barcode, at))
    return [Item("person_sampled_twice_today", f"person:{pid}:{day}:" + ",".join(sorted(b for b, _ in tubes)),
                 tubes[-1][1], tubes[-1][1], person_id=pid,
                 facts={"tubes": ", ".join(b for b, _ in tubes)})
            for (pid, day), tubes in found.items() if len(tubes) > 1]


def _reused(cid, now, lookback):
    """Samples put into a tube opened at another site."""
    first = (select(Sample.tube_id, func.min(Sample.recorded_at).label("at"))
             .join(Tube, Tube.id == Sample.tube_id)
             .where(Tube.community_id == cid, Tube.opened_at >= lookback, Sample.voided_at.is_(None),
                    Sample.site_id != Tube.site_id).group_by(Sample.tube_id).subquery())
    # The window's bounds again on the outer tube: otherwise PostgreSQL hashes every tube.
    rows = db.session.execute(select(Tube, first.c.at).join(first, first.c.tube_id == Tube.id).where(
        Tube.community_id == cid, Tube.opened_at >= lookback))
    return [_tube_item("tube_reused_other_site", t, at, at) for t, at in rows]


def _not_boxed(cid, now, lookback):
    deadline = _minutes("box")
    tubes = db.session.scalars(scoped(Tube, cid).where(
        Tube.status == "sealed", Tube.box_id.is_(None),
        Tube.sealed_at.is_not(None), Tube.opened_at >= lookback))
    return [_tube_item("tube_not_boxed", t, t.sealed_at, t.sealed_at + deadline) for t in tubes]


def _boxes(cid, now, lookback):
    deadline = _minutes("handover")
    boxes = db.session.scalars(scoped(Box, cid).where(
        Box.handed_over_at.is_(None), Box.created_at >= lookback)).all()
    # Tubes of the waiting boxes only: every box the community ever filled is a year of rows.
    counts = dict(db.session.execute(select(Tube.box_id, func.count()).where(
        Tube.box_id.in_([b.id for b in boxes])).group_by(Tube.box_id)).all()) if boxes else {}
    return [Item("box_not_handed_over", f"box:{b.id}", b.created_at, b.created_at + deadline,
                 site_id=b.site_id, facts={"box": b.barcode, "tubes": counts.get(b.id, 0)})
            for b in boxes]


def _not_received(cid, now, lookback):
    """Boxes handed over that no lab confirmed within the "lab" deadline. A box whose every
    tube has a result came back from the lab: the loop is closed without the receipt."""
    deadline = _minutes("lab")
    boxes = db.session.scalars(scoped(Box, cid).where(
        Box.handed_over_at.is_not(None), Box.received_at.is_(None), Box.handed_over_at >= lookback)).all()
    if not boxes:
        return []
    rows = db.session.execute(select(Tube.box_id, func.count(), func.count(Tube.result)).where(
        Tube.box_id.in_([b.id for b in boxes])).group_by(Tube.box_id))
    counts = {box_id: (n, resulted) for box_id, n, resulted in rows}
    return [Item("box_not_received", f"box:{b.id}", b.handed_over_at, b.handed_over_at + deadline,
                 site_id=b.site_id, facts={"box": b.barcode, "tubes": counts.get(b.id, (0, 0))[0]})
            for b in boxes if not (counts.get(b.id, (0, 0))[0] and counts[b.id][0] == counts[b.id][1])]


def _received_loose(cid, now, lookback):
    """Tubes the lab scanned whose box it did not receive (or that were never boxed)."""
    rows = db.session.execute(select(Tube, Box.barcode).outerjoin(Box, Box.id == Tube.box_id).where(
        Tube.community_id == cid, Tube.received_at.is_not(None), Tube.opened_at >= lookback,
        Box.received_at.is_(None)))
    return [_tube_item("tube_received_without_box", t, t.received_at, t.received_at,
                       **({"box": barcode} if barcode else {})) for t, barcode in rows]


def _no_result(cid, now, lookback):
    deadline = _minutes("result")
    tubes = db.session.scalars(scoped(Tube, cid).where(
        Tube.result.is_(None), Tube.sealed_at.is_not(None),
        Tube.status != "open", Tube.opened_at >= lookback))
    return [_tube_item("tube_without_result", t, t.sealed_at, t.sealed_at + deadline) for t in tubes]


def _unknown_results(cid, now, lookback):
    results = db.session.scalars(scoped(LabResult, cid).where(
        LabResult.tube_id.is_(None)))
    return [Item("lab_result_unknown_tube", f"lab_result:{r.id}", r.imported_at, r.imported_at,
                 facts={"tube": r.tube_barcode, "result": r.result}) for r in results]


def _rejections(cid, now, lookback):
    rows = db.session.scalars(scoped(SyncRejection, cid).where(
        SyncRejection.resolved_at.is_(None)))
    return [Item("sync_rejection_waiting", f"rejection:{r.id}", r.received_at, r.received_at,
                 device_id=r.device_id, facts={"type": r.type or "", "code": r.code,
                                               "field": r.field or "", "message": r.message})
            for r in rows]


def _devices(cid, now, lookback):
    deadline = _minutes("sync")
    devices = db.session.scalars(scoped(Device, cid).where(
        Device.revoked_at.is_(None), Device.pending > 0))
    items = []
    for d in devices:
        since = d.last_sync_at or d.created_at
        items.append(Item("device_unsynced", f"device:{d.id}:{since.isoformat()}", since, since + deadline,
                          device_id=d.id, facts={"pending": d.pending}))
    return items


def _lookahead(now):
    """Shifts are checked this long before they start (ROSTER_LOOKAHEAD_HOURS)."""
    return now + timedelta(hours=current_app.config.get("ROSTER_LOOKAHEAD_HOURS", 36))


def _shift_words(shift) -> str:
    start, end = local(shift.starts_at), local(shift.ends_at)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


def _understaffed(cid, now, lookback):
    """Shifts under way or starting within the look-ahead with fewer people than they need;
    due when they start. The ref holds the count: a resolved shortage that gets worse (or is
    fixed and comes back) shows again."""
    shifts = db.session.scalars(scoped(DutyShift, cid).where(
        DutyShift.ends_at > now, DutyShift.starts_at < _lookahead(now))).all()
    counts = staffed_counts([s.id for s in shifts])
    items = []
    for s in shifts:
        n = counts.get(s.id, 0)
        if n < s.needed:
            items.append(Item("shift_understaffed", f"shift:{s.id}:{n}", s.created_at, s.starts_at,
                              site_id=s.site_id, facts={"shift": _shift_words(s), "rostered": n,
                                                        "needed": s.needed}))
    return items


def _uncovered(cid, now, lookback):
    """Time in the look-ahead with no shift at a gate that keeps a roster (a gate that never
    had one is not the roster's business): due when the gap begins. A gap is named by where it
    begins (the end of the shift before it), so its ref stays the same as it nears."""
    horizon = _lookahead(now)
    rostered = db.session.scalars(select(DutyShift.site_id).where(
        DutyShift.community_id == cid, DutyShift.ends_at > now - timedelta(days=7)).distinct()).all()
    items = []
    for site_id in rostered:
        shifts = db.session.execute(select(DutyShift.starts_at, DutyShift.ends_at).where(
            DutyShift.site_id == site_id, DutyShift.ends_at > now, DutyShift.starts_at < horizon)
            .order_by(DutyShift.starts_at)).all()
        cursor = db.session.scalar(select(func.max(DutyShift.ends_at)).where(
            DutyShift.site_id == site_id, DutyShift.ends_at <= now))
        if cursor is None:  # a roster that has not begun yet leaves no gap before it
            if not shifts:
                continue
            cursor = shifts[0].starts_at
        for starts, ends in [*shifts, (None, None)]:
            if starts is None or starts > cursor:
                until = f"{local(starts):%m-%d %H:%M}" if starts is not None else ""
                if cursor < horizon:
                    items.append(Item("gate_uncovered", f"gap:{site_id}:{cursor.isoformat()}", cursor,
                                      cursor, site_id=site_id,
                                      facts={"shift": f"{local(cursor):%m-%d %H:%M}–{until}"}))
            if ends is not None:
                cursor = max(cursor, ends)
    return items


def handled_refs(community_id: int, now: datetime) -> set[tuple[str, str]]:
    """(kind, ref) of items a supervisor already resolved."""
    since = now - timedelta(days=30)
    rows = db.session.execute(select(Flag.kind, Flag.detail).where(
        Flag.community_id == community_id, Flag.kind.in_(CHECK_KINDS), Flag.created_at >= since))
    return {(kind, detail.get("ref")) for kind, detail in rows if detail and detail.get("ref")}


def find_item(community_id: int, now: datetime, kind: str, ref: str) -> Item | None:
    for item in run_checks(community_id, now):
        if item.kind == kind and item.ref == ref:
            return item
    return None
