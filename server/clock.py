"""The local clock: times are stored in UTC; days and the times people read are local.

The zone is the campaign's (config DISPLAY_TIMEZONE, Asia/Shanghai by default). Everything that
counts by day (a gate's log, the exports, a round's days, "sampled twice today", the quarantine
slots, rosters) or shows a time asks here, so the day boundary is the same everywhere and moves
with the configuration. Needs an app context."""
import functools
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from .models import utcnow


def init_app(app: Flask) -> None:
    """A misspelt zone stops the start (rather than every page), and Babel's own date formatting
    follows the same zone: DISPLAY_TIMEZONE is the one setting."""
    name = app.config["DISPLAY_TIMEZONE"]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise RuntimeError(f"DISPLAY_TIMEZONE {name!r} is not a time zone: give an IANA name such as "
                           "Asia/Shanghai.") from None
    app.config["BABEL_DEFAULT_TIMEZONE"] = name


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])  # ZoneInfo caches its instances


def local(moment: datetime) -> datetime:
    """An aware time as the local clock shows it."""
    return moment.astimezone(zone())


def local_day(moment: datetime) -> date:
    """The local calendar day holding an aware time."""
    return local(moment).date()


def local_today() -> date:
    return local_day(utcnow())


def local_at(day: date, wall: time = time(0)) -> datetime:
    """A local day and wall-clock time, as an aware time."""
    return datetime.combine(day, wall, zone())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as a UTC [start, end) range (to the next local midnight: a day with a
    daylight-saving change is not 24 hours)."""
    return _bounds(current_app.config["DISPLAY_TIMEZONE"], day)


def day_range(moment: datetime) -> tuple[datetime, datetime]:
    """The local calendar day holding `moment`, as a UTC [start, end) range."""
    key = current_app.config["DISPLAY_TIMEZONE"]
    return _bounds(key, moment.astimezone(ZoneInfo(key)).date())


def day_ranges():
    """day_range for many times in a row (a sync batch's records): the zone read once."""
    key = current_app.config["DISPLAY_TIMEZONE"]
    local_zone = ZoneInfo(key)
    return lambda moment: _bounds(key, moment.astimezone(local_zone).date())


@functools.lru_cache(maxsize=64)
def _bounds(key: str, day: date) -> tuple[datetime, datetime]:
    # Cached: the sync asks for the day of every sample record it checks, nearly always the same.
    local_zone = ZoneInfo(key)
    return (datetime.combine(day, time(0), local_zone).astimezone(timezone.utc),
            datetime.combine(day + timedelta(days=1), time(0), local_zone).astimezone(timezone.utc))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the user reads it ("" for none); also the `local_time` template filter."""
    if value is None:
        return ""
    return local(value).strftime(fmt)


def local_clock(value: datetime | None) -> str:
    """"08:00" today, "12-01 08:00" on another day (a board item may be days old); also the
    `local_clock` template filter."""
    if value is None:
        return ""
    moment = local(value)
    return moment.strftime("%H:%M" if moment.date() == local_today() else "%m-%d %H:%M")
