"""One place that turns failures into answers: JSON under /api, pages elsewhere."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .csrf_origin import ForeignOrigin
from .extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"
CSRF_EXPIRED_HEADER = "X-CSRF-Expired"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if wants_json():
            code = error.name.lower().replace(" ", "_")
            return jsonify(error={"code": code, "message": error.description}), error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(429)
    def too_many_attempts(error):
        # Flask-Limiter's own description ("10 per 5 minute") means nothing to a volunteer.
        db.session.rollback()
        message = _("Too many attempts: wait a few minutes, then try again.")
        if wants_json():
            response = jsonify(error={"code": "too_many_requests", "message": message})
        else:
            response = app.response_class(render_template("error.html", error=error,
                                                          message=message))
        response.status_code = 429
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        if isinstance(error, ForeignOrigin):
            # Another site (or a page that hides where it came from): a fresh token would
            # not help, so no retry header.
            message, headers = str(ForeignOrigin.description), {}
        else:
            # Usually a form opened before a logout, an idle timeout or a server restart.
            message = _("This form has expired: nothing was saved. Reload the page and try again.")
            # The header tells the page's scripts to fetch a fresh token and retry once
            # (offline/client/csrf.js); a plain form shows the page with the message.
            headers = {CSRF_EXPIRED_HEADER: "1"}
        if request.headers.get("HX-Request"):
            return render_template("partials/_error.html", message=message), 400, headers
        return render_template("error.html", error=error, message=message), 400, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        # Locked, full, read-only or unreachable: nothing was committed; the phone retries.
        db.session.rollback()
        log.warning("database unavailable: %s", type(error.orig).__name__ if error.orig else error)
        message = _("The database is unavailable; please retry later.")
        if wants_json():
            response = jsonify(error={"code": "database_unavailable", "message": message})
        else:
            response = app.response_class(render_template("error.html", message=message))
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
