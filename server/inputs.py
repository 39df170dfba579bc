"""Numbers, dates and times typed or sent by users, bounded before they reach a query.

Every page, form, query parameter, import and webhook reads them through here:
- ids: ASCII digits, 1 to 2**31-1 (the databases' integer; 2**63 overflowed SQLite's driver
  and PostgreSQL's int4, a 500 or a 503). URL arguments use the bounded `int` converter below.
- days: YYYY-MM-DD in ASCII digits from 2000-01-01 to 2100-12-31, the sync contract's bounds
  for `recorded_at` (0001-01-01 and 9999-12-31 made a day's UTC bounds overflow: 500).
- local times (datetime-local inputs, a lab's report time, a door event): the same years.
"""
import re
from datetime import date, datetime, timezone, tzinfo

from werkzeug.routing import IntegerConverter

from offline.protocol import MAX_INT

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]{1,10}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]{4,15}(Z|[+-][0-9]{2}:?[0-9]{2})?)?")


class InputError(ValueError):
    """A number, date or time out of shape or out of bounds."""


def parse_id(value) -> int | None:
    """The id a form or query names, or None (absent, not a number, out of range)."""
    text = value.strip() if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INT else None


def parse_day(value) -> date:
    """A calendar day typed as YYYY-MM-DD, within FIRST_DAY..LAST_DAY."""
    text = value.strip() if isinstance(value, str) else ""
    if not _DAY.fullmatch(text):
        raise InputError("YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError("YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def parse_time(value, zone: tzinfo) -> datetime:
    """An ISO time ('2022-05-06T10:00', '2022-05-06 10:00:00+08:00', '2022-05-06'); without an
    offset it is in `zone`. Returned aware, within the years of FIRST_DAY..LAST_DAY."""
    text = value.strip() if isinstance(value, str) else ""
    if not _TIME.fullmatch(text):
        raise InputError("YYYY-MM-DDTHH:MM")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("YYYY-MM-DDTHH:MM") from None
    return bounded(moment if moment.tzinfo else moment.replace(tzinfo=zone))


def bounded(moment: datetime) -> datetime:
    """The aware time itself when its year is within bounds (checked before any conversion:
    converting year 1 or 9999 to another zone overflows)."""
    if not FIRST_DAY.year <= moment.year <= LAST_DAY.year:
        raise InputError(f"a time from {FIRST_DAY} to {LAST_DAY}")
    return moment.astimezone(timezone.utc)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` URL arguments from 1 to 2**31-1: a bigger number is a 404 like any unknown id."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)
