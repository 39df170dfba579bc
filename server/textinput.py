"""Incoming text on every request: the one normalisation of offline/text.py, wired into Flask.

- Refused first: before the login throttle counts an attempt or a view reaches the database, a
  NUL or a lone surrogate anywhere in the query, the form (names and values), the URL, an
  uploaded file's name, a header or a JSON body is answered 400 with a message naming the field.
  (On PostgreSQL a NUL used to fail the request as "database unavailable", 503: a phone or the
  door platform would retry it forever.)
- Bidi controls are removed from every query parameter and form field as it is parsed, so no
  view can forget it; JSON fields are cleaned by the code that stores them (clean_line).
- The sync endpoint is left out: its contract rejects the one record holding such text and
  accepts the others (server/sync/records.py text_field).
"""
from flask import Flask, Request, abort, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from offline.text import refused, without_bidi
from .errors import wants_json

# Endpoints whose body is checked record by record by the sync contract.
PER_RECORD = ("api.sync",)
MAX_JSON_DEPTH = 32


class CleanParams(ImmutableMultiDict):
    """Query and form fields with their bidi controls removed (files are left as they are)."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = mapping.items()
        else:
            pairs = mapping
        super().__init__([(without_bidi(k) if isinstance(k, str) else k,
                           without_bidi(v) if isinstance(v, str) else v) for k, v in pairs])


class CleanRequest(Request):
    parameter_storage_class = CleanParams


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest
    # First of all before_request functions (the login throttle's included).
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unstorable_text)


def refuse_unstorable_text():
    if request.endpoint in PER_RECORD:
        return None
    for field, text in incoming_texts():
        if refused(text):
            message = _("The field “%(field)s” holds characters that cannot be stored (NUL or "
                        "invalid Unicode): remove them and try again.", field=_printable(field))
            if wants_json():  # the API's own shape of a bad request (the device login's code)
                return jsonify(error={"code": "invalid_request", "message": message,
                                      "field": _printable(field)}), 400
            abort(400, description=message)
    return None


def incoming_texts():
    """(field, text) of everything the client sent as text."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            yield name, name
            yield name, value
    for name, upload in request.files.items(multi=True):
        yield name, name
        yield name, upload.filename or ""
    for name, value in request.headers.items():
        yield name, value
    if request.is_json:
        yield from _json_texts(request.get_json(silent=True), "body", 0)


def _json_texts(value, field, depth):
    if depth > MAX_JSON_DEPTH:
        return
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key, key
            yield from _json_texts(item, key, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(item, field, depth + 1)


def _printable(field: str) -> str:
    """The field's name as it can be shown back (without what was refused)."""
    return "".join(c for c in field if not refused(c))[:40] or "?"
