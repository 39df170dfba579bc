"""The audit trail: who did what, when, from where. Rows are only ever added."""
from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent


def audit(action: str, *, target: str | None = None, community_id: int | None = None,
          user=None, **detail) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable with the act.
    `detail` holds ids, kinds, codes, counts and dates: never free text (notes, names, file
    names), which is personal data the append-only trail could never give back (issue 15)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action, target=target[:120] if target else target, detail=detail,
        user_id=user.id if user is not None else None,
        community_id=community_id if community_id is not None else getattr(user, "community_id", None),
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
