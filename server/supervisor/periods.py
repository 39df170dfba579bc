"""The local day a page is about (?date=YYYY-MM-DD, default today in Shanghai time)."""
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l

from ..models import utcnow


def today() -> date:
    return utcnow().astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


def requested_day() -> date:
    value = request.args.get("date")
    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=_l("Write the date as YYYY-MM-DD, for example 2022-05-06."))
