"""A resident's self-report link (/q/<token>): a signed token naming the placement, and back."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db
from ..models import Placement

SALT = "checkpoint.quarantine.self-report"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(placement: Placement) -> str:
    return _serializer().dumps({"p": placement.id})


def placement_of(token: str) -> Placement | None:
    max_age = current_app.config["QUARANTINE_LINK_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        return None
    return db.session.get(Placement, data["p"])
