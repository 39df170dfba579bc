"""Languages and times: Chinese by default, English when the browser asks; times shown on the
local clock (server/clock.py)."""
from flask import Flask, has_request_context, request
from flask_babel import get_locale, gettext

from . import clock
from .extensions import babel


def select_locale() -> str:
    if not has_request_context():
        return "en"  # the command line (`checkpoint ...`) speaks English, like its own output
    # Phones say "zh-CN", "zh", "en-US"...; anything Chinese or unknown gets Chinese.
    # (Babel reads zh_CN as zh_Hans_CN, so the catalog lives in translations/zh/.)
    for lang, _quality in request.accept_languages:
        lang = lang.lower()
        if lang.startswith("zh"):
            return "zh_CN"
        if lang.startswith("en"):
            return "en"
    return "zh_CN"


def duration(minutes) -> str:
    """Minutes as a supervisor reads them at a glance: "90 min", "35 h 18 min", "3 d 4 h"
    ("2118 min" overdue had to be divided in one's head)."""
    minutes = max(0, int(minutes))
    if minutes < 120:
        return gettext("%(m)s min", m=minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return gettext("%(h)s h %(m)s min", h=hours, m=rest) if rest else gettext("%(h)s h", h=hours)
    days, hours = divmod(hours, 24)
    return gettext("%(d)s d %(h)s h", d=days, h=hours) if hours else gettext("%(d)s d", d=days)


def init_app(app: Flask) -> None:
    clock.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="../translations")
    app.jinja_env.filters["local_time"] = clock.local_time
    app.jinja_env.filters["local_clock"] = clock.local_clock
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals["html_lang"] = lambda: "zh-CN" if str(get_locale()).startswith("zh") else "en"
