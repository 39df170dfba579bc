"""One place that turns failures into answers: JSON under /api, pages elsewhere."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .csrf_origin import ForeignOrigin
from .extensions import db
from .htmx import is_htmx

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"
CSRF_EXPIRED_HEADER = "X-CSRF-Expired"


# What a page says for each status, in the reader's language (Werkzeug's own descriptions are
# English and written for developers). A view's own description (abort(400, description=_l(...)))
# is shown instead when it gave one.
PAGE_ERRORS = {
    400: (_l("The request could not be understood"),
          _l("Nothing was changed. Go back, check what you entered and try again.")),
    401: (_l("Please log in."), _l("Log in first, then open the page again.")),
    403: (_l("Not for your role"),
          _l("Your account may not open this page. Ask your community office if you need it.")),
    404: (_l("Page not found"),
          _l("This page does not exist, or what it showed is no longer there. Check the link or go back to the home page.")),
    405: (_l("Not possible here"), _l("This page cannot do that. Go back and use its buttons.")),
    413: (_l("Too large"), _l("What you sent is too large: send a smaller file.")),
    429: (_l("Too many attempts"), _l("Too many attempts: wait a few minutes, then try again.")),
    500: (_l("Something went wrong"),
          _l("The server failed on this request and saved nothing of it. Try again; if it keeps failing, tell your community office.")),
    503: (_l("Temporarily unavailable"), _l("The database is unavailable; please retry later.")),
}


def page_error(status: int, message=None, error: HTTPException | None = None):
    """The error page for `status`: a title and a sentence the user can act on."""
    title, default = PAGE_ERRORS.get(status, PAGE_ERRORS[500 if status >= 500 else 400])
    if message is None and error is not None and error.description != type(error).description:
        message = error.description  # the view said why
    return render_template("error.html", status=status, title=title, message=message or default)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if wants_json():
            code = error.name.lower().replace(" ", "_")
            return jsonify(error={"code": code, "message": error.description}), error.code
        return page_error(error.code, error=error), error.code

    @app.errorhandler(429)
    def too_many_attempts(error):
        # Flask-Limiter's own description ("10 per 5 minute") means nothing to a volunteer.
        db.session.rollback()
        return _answer(429, "too_many_requests", _("Too many attempts: wait a few minutes, then try again."))

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
        if is_htmx():
            return render_template("partials/_error.html", message=message), 400, headers
        return page_error(400, message), 400, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        # Locked, full, read-only or unreachable: nothing was committed; the phone retries.
        db.session.rollback()
        log.warning("database unavailable: %s", type(error.orig).__name__ if error.orig else error)
        response = _answer(503, "database_unavailable", _("The database is unavailable; please retry later."))
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response

    def _answer(status: int, code: str, message: str):
        """The error as JSON for the phones' API, as a page (in the user's language) otherwise."""
        if wants_json():
            response = jsonify(error={"code": code, "message": message})
        else:
            response = app.response_class(page_error(status, message))
        response.status_code = status
        return response
