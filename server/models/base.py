"""Shared column and constraint helpers."""
import re
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from offline.rules import TEMPERATURE_MAX, TEMPERATURE_MIN

_WORD = re.compile(r"[a-z][a-z0-9_-]*")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stored in UTC; always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times in UTC with tzinfo")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# CHECK constraints are built from the constants the code validates against, so the database
# refuses exactly what the validators refuse. They are written as the migrations write them
# (tests/test_models_match_migrations.py compares the two on each backend); the migrations keep
# their literals, they are history.

def in_list(column: str, values: tuple[str, ...]) -> str:
    """`column IN ('a', 'b')`, for a CHECK: values are code words, never user text."""
    if not values or not all(_WORD.fullmatch(v) for v in values):
        raise ValueError(f"not code words: {values!r}")
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def between(column: str, low: int | Decimal, high: int | Decimal) -> str:
    return f"{column} BETWEEN {low} AND {high}"


# A temperature as offline/rules.py accepts it (34.0–43.0 °C from offline/client/rules.json).
TEMPERATURE_RANGE = between("temperature_c", TEMPERATURE_MIN, TEMPERATURE_MAX)
