"""GET /api/v1/tasks: the worker's task list for the phone to keep offline (masked values only,
the same content as the /tasks page; server/ledgers/tasks.py)."""
from flask import g, jsonify

from ..ledgers.tasks import my_tasks
from ..models import utcnow
from ..labels import label
from . import bp
from .auth import token_required


@bp.get("/tasks")
@token_required
def tasks():
    """Open Flags, due temperature reports and open retests of the user's buildings."""
    now = utcnow()
    found = my_tasks(g.user, now)
    return jsonify(
        generated_at=now.isoformat(), buildings=found["buildings"],
        flags=[{"id": f.id, "kind": f.kind, "label": label("flag_kind", f.kind),
                "name": p.masked["name"], "address": p.address, "created_at": f.created_at.isoformat(),
                "due_at": (f.detail or {}).get("due_at")} for f, p in found["flags"]],
        reports=[{"placement": r["placement"].id, "name": r["placement"].person.masked["name"],
                  "address": r["placement"].person.address,
                  "end_date": r["placement"].end_date.isoformat(),
                  "due": [{"day": d.isoformat(), "slot": s, "missed": m} for d, s, m in r["due"]]}
                 for r in found["reports"]],
        retests=[{"id": r.id, "name": p.masked["name"], "address": p.address, "status": r.status}
                 for r, p in found["retests"]])
