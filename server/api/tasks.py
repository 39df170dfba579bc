"""GET /api/v1/tasks: the worker's task list for the phone to keep offline (masked values only,
the same content as the /tasks page; server/ledgers/views_tasks.py). GET /api/v1/tasks/alerts: the
newest open alert's id, which the open page polls to ring at once for a new one."""
from flask import current_app, g, jsonify

from ..ledgers.households import need_address
from ..ledgers.task_list import latest_alert, my_tasks
from ..models import utcnow
from ..labels import label
from . import bp
from .auth import token_required


@bp.get("/tasks")
@token_required
def tasks():
    """Open Flags, due temperature reports, household needs and open retests of the user's
    buildings."""
    now = utcnow()
    found = my_tasks(g.user, now)
    return jsonify(
        generated_at=now.isoformat(), buildings=found["buildings"], latest_alert=found["latest_alert"],
        poll_seconds=current_app.config["TASKS_POLL_SECONDS"],
        flags=[{"id": f.id, "kind": f.kind, "label": label("flag_kind", f.kind),
                "name": p.masked["name"], "address": p.address, "created_at": f.created_at.isoformat(),
                "due_at": (f.detail or {}).get("due_at")} for f, p in found["flags"]],
        reports=[{"placement": r["placement"].id, "name": r["placement"].person.masked["name"],
                  "address": r["placement"].person.address,
                  "end_date": r["placement"].end_date.isoformat(),
                  "due": [{"day": d.isoformat(), "slot": s, "missed": m} for d, s, m in r["due"]]}
                 for r in found["reports"]],
        needs=[{"id": n.id, "kind": n.kind, "label": label("need_kind", n.kind), "address": need_address(n),
                "due_at": n.due_at.isoformat(), "done": n.done_at is not None} for n in found["needs"]],
        retests=[{"id": r.id, "name": p.masked["name"], "address": p.address, "status": r.status}
                 for r, p in found["retests"]])


@bp.get("/tasks/alerts")
@token_required
def tasks_alerts():
    """{"latest": newest open alert id (0: none), "open": how many}: cheap enough to poll."""
    return jsonify(latest_alert(g.user))
