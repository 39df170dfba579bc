"""The reconciliation board: open Flags and live check items, grouped by kind, each with the
records behind it and a resolve action (with a note, audited). Refreshes itself every 30 s."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from offline.text import clean_note

from ..access import role_required, scoped, scoped_or_404
from ..audit import audit
from ..errors import page_error
from ..extensions import db
from ..htmx import is_htmx
from ..ledgers.assignments import routed_workers
from ..models import Device, Flag, Person, Site, SyncRejection, Tube, utcnow
from ..scheduler import status as scheduler_status
from . import bp
from .checks import deadlines, find_item, handled_refs
from .board_state import board_groups, flag_due

SHOWN_PER_GROUP = 50  # a busy day has hundreds of tubes waiting for results: the nearest first
RESOLVE_ERROR = _l("Write a note saying how it was resolved.")


def _context(now, recent=False):
    cid = current_user.community_id
    groups = board_groups(cid, now, recent)
    shown = [x for g in groups.values() for x in (*g["flags"], *g["items"][:SHOWN_PER_GROUP])]
    tube_ids = {x.tube_id for x in shown}
    person_ids = {x.person_id for x in shown}
    device_ids = {x.device_id for x in shown}
    people = _by_id(Person, person_ids, cid)
    flags = [x for g in groups.values() for x in g["flags"]]
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

