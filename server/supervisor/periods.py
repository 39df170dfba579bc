"""The local day a page is about (?date=YYYY-MM-DD, default today, server/clock.py)."""
from datetime import date

from flask import abort, request
from flask_babel import gettext as _

from ..clock import local_today
from ..inputs import FIRST_DAY, LAST_DAY, InputError, parse_day


def requested_day() -> date:
    value = request.args.get("date")
    if not value:
        return local_today()
    try:
        return parse_day(value)
    except InputError:
        abort(400, description=day_message())


def day_message() -> str:
    """What a user is told about a date the server cannot take."""
    return _("Choose a date from %(first)s to %(last)s (YYYY-MM-DD).", first=FIRST_DAY.isoformat(),
             last=LAST_DAY.isoformat())
