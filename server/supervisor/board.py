"""The reconciliation board: open Flags and live check items, grouped by kind, each with the
records behind it and a resolve action (with a note, audited). Refreshes itself every 30 s."""
from datetime import datetime, timedelta, timezone

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from offline.text import clean_note
from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..errors import page_error
from ..extensions import db
from ..models import Device, Flag, Person, Site, SyncRejection, Tube, utcnow
from ..htmx import is_htmx
from . import bp
from .checks import HANDLER_KINDS, deadlines, find_item, handled_refs, recent_checks, run_checks

SHOWN_PER_GROUP = 50  # a busy day has hundreds of tubes waiting for results: the nearest first
RESOLVE_ERROR = _l("Write a note saying how it was resolved.")


def board_groups(community_id: int, now, recent: bool = False):
    """{kind: {"flags": [...], "items": [(item, overdue)]}} in a stable order. recent: the
    live checks may be a few seconds old (checks.recent_checks), for the 30 s refresh."""
    flags = db.session.scalars(scoped(Flag, community_id).where(Flag.resolved_at.is_(None))
                               .order_by(Flag.created_at, Flag.id)).all()
    done = handled_refs(community_id, now)
    flagged = handler_flagged(community_id, now)
    groups: dict[str, dict] = {}
    for flag in flags:
        groups.setdefault(flag.kind, {"flags": [], "items": []})["flags"].append(flag)
    for item in (recent_checks if recent else run_checks)(community_id, now):
        if (item.kind, item.ref) in done:
            continue
        if item.kind in HANDLER_KINDS and ((item.kind, item.tube_id) in flagged or
                                           (item.kind, item.person_id) in flagged):
            continue
        groups.setdefault(item.kind, {"flags": [], "items": []})["items"].append(item)
    for group in groups.values():
        group["items"].sort(key=lambda i: i.due_at)
        group["overdue"] = (sum(1 for f in group["flags"] if flag_due(f) <= now)
                            + sum(1 for i in group["items"] if i.overdue(now)))
    return dict(sorted(groups.items(), key=lambda kv: (-kv[1]["overdue"], kv[0])))


def flag_due(flag: Flag) -> datetime:
    """When an open Flag becomes late: its own due time (a missed report's, in `detail`), else
    the ledger's deadline for its kind counted from when it was raised (LEDGER_DEADLINES: a
    door alarm, a fever at home), else at once (a sync warning: the supervisor looks now)."""
    due = (flag.detail or {}).get("due_at")
    if due:
        try:
            parsed = datetime.fromisoformat(due)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError):
            pass
    minutes = current_app.config.get("LEDGER_DEADLINES", {}).get(flag.kind)
    return flag.created_at + timedelta(minutes=minutes) if minutes is not None else flag.created_at


def handler_flagged(community_id: int, now) -> set:
    """(kind, tube id) and (kind, person id) the sync handlers already flagged (open or
    resolved): the live check must not show the same fact a second time."""
    since = now - timedelta(hours=current_app.config.get("SUPERVISOR_LOOKBACK_HOURS", 72))
    rows = db.session.execute(select(Flag.kind, Flag.tube_id, Flag.person_id).where(
        Flag.community_id == community_id, Flag.kind.in_(HANDLER_KINDS), Flag.created_at >= since))
    flagged = set()
    for kind, tube_id, person_id in rows:
        flagged.add((kind, tube_id) if kind != "person_sampled_twice_today" else (kind, person_id))
    return flagged


def _context(now, recent=False):
    # Imported here: the ledgers' task list imports this module's labels.
    from ..ledgers.assignments import routed_workers

    cid = current_user.community_id
    groups = board_groups(cid, now, recent)
    shown = [x for g in groups.values() for x in (*g["flags"], *g["items"][:SHOWN_PER_GROUP])]
    tube_ids = {x.tube_id for x in shown}
    person_ids = {x.person_id for x in shown}
    device_ids = {x.device_id for x in shown}
    people = _by_id(Person, person_ids, cid)
    flags = [x for g in groups.values() for x in g["flags"]]
    from ..scheduler import status as scheduler_status

    return {
        "scheduler": scheduler_status(current_app, now),
        "groups": groups, "now": now, "deadlines": deadlines(),
        "flag_due": {f.id: flag_due(f) for f in flags},
        "workers": routed_workers(cid, flags, people),
        "shown": SHOWN_PER_GROUP,
        "tubes": _by_id(Tube, tube_ids, cid), "people": people,
        "devices": _by_id(Device, device_ids, cid),
        "sites": dict(db.session.execute(select(Site.id, Site.code).where(Site.community_id == cid)).all()),
    }


def _by_id(model, ids, cid):
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(scoped(model, cid).where(model.id.in_(ids)))}


@bp.get("/board")
@role_required("supervisor")
def board():
    """The board page, or (htmx refresh, every 30 s) its fragment."""
    context = _context(utcnow(), recent=is_htmx())
    if is_htmx():
        return render_template("supervisor/_board.html", **context)
    return render_template("supervisor/board.html", **context)


@bp.post("/board/flags/<int:flag_id>/resolve")
@role_required("supervisor")
def resolve_flag(flag_id):
    """Resolve a stored flag with a note."""
    flag = scoped_or_404(Flag, flag_id)
    note = clean_note(request.form.get("note", ""))[:500]
    if not note:
        return _answer(str(RESOLVE_ERROR), 400)
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by, flag.resolution_note = utcnow(), current_user.id, note
        audit("resolve_flag", target=f"flag:{flag.id}", kind=flag.kind)  # the note stays encrypted on the flag
        db.session.commit()
    return _answer(None)


@bp.post("/board/resolve")
@role_required("supervisor")
def resolve_item():
    """Resolve a live check item: it is kept as a resolved Flag, so it leaves the board."""
    now = utcnow()
    kind, ref = request.form.get("kind", ""), request.form.get("ref", "")
    item = find_item(current_user.community_id, now, kind, ref)
    if item is None:
        abort(404)
    note = clean_note(request.form.get("note", ""))[:500]
    if not note:
        return _answer(str(RESOLVE_ERROR), 400)
    if (kind, ref) not in handled_refs(current_user.community_id, now):
        flag = Flag(community_id=current_user.community_id, kind=kind, tube_id=item.tube_id,
                    person_id=item.person_id, device_id=item.device_id, site_id=item.site_id,
                    detail={"ref": ref, "due_at": item.due_at.isoformat(), **kept_facts(item.facts)},
                    created_at=now, resolved_at=now, resolved_by=current_user.id, resolution_note=note)
        db.session.add(flag)
        if kind == "sync_rejection_waiting":
            rejection = db.session.scalar(scoped(SyncRejection).where(
                SyncRejection.id == int(ref.split(":")[1])))
            rejection.resolved_at = now
        db.session.flush()
        audit("resolve_flag", target=f"flag:{flag.id}", kind=kind, ref=ref)
        db.session.commit()
    return _answer(None)


# A rejected record's message may quote what the phone sent: not copied into the flag's
# plain detail (the rejection itself is purged with the campaign).
UNKEPT_FACTS = ("message",)


def kept_facts(facts: dict) -> dict:
    return {k: v for k, v in facts.items() if k not in UNKEPT_FACTS}


def _answer(error, status=200):
    if is_htmx():
        context = _context(utcnow())
        # htmx swaps only 2xx answers: the error shows inside the refreshed board.
        return render_template("supervisor/_board.html", error=error, **context)
    if error:
        return page_error(status, error), status
    return redirect(url_for(".board"))

