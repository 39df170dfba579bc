"""What the board shows: its groups of checks and flags (board_groups, also the daily review's),
when a flag falls due, and which items a handler already flagged."""
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from ..access import scoped
from ..extensions import db
from ..models import Flag
from .checks import HANDLER_KINDS, handled_refs, recent_checks, run_checks


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
