"""PIN hashing and the one authenticate() used by the page login and the device API."""
from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both failures take the same time.
    Made on first use: hashing is slow on purpose, and startup should not pay for it."""
    return generate_password_hash("000000")


def hash_pin(pin: str) -> str:
    return generate_password_hash(pin)


def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12


def authenticate(username: str, pin: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), pin or "")
        return None
    if not check_password_hash(user.pin_hash, pin or ""):
        current_app.logger.info("failed PIN for user id %s", user.id)
        return None
    return user
