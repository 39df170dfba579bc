"""/q/<token> self-report links are redacted from every log the app writes itself (the real
gunicorn and proxy logs are checked end to end in tests/browser/test_https.py)."""
import datetime
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from server.logredact import GunicornLogger, redact

TOKEN = "eyJwIjoxfQ.aw7BYg.USSPY_DWlaUMTpxN-jZtNqWgsNU"


def test_redact_keeps_everything_but_the_token():
    assert redact(f"GET /q/{TOKEN}?done=1 HTTP/1.1") == "GET /q/[redacted]?done=1 HTTP/1.1"
    assert redact(f"https://h:5000/q/{TOKEN}") == "https://h:5000/q/[redacted]"
    assert redact("GET /quarantine/q HTTP/1.1") == "GET /quarantine/q HTTP/1.1"
    assert redact(42) == 42


def test_flask_and_development_server_lines_are_redacted(make_app, caplog):
    app = make_app()
    caplog.set_level(logging.INFO)
    app.logger.error("Exception on /q/%s [GET]", TOKEN)  # what Flask logs for a 500
    app.logger.error(f"Exception on /q/{TOKEN} [POST]")
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "127.0.0.1", "now",
                                       f"GET /q/{TOKEN} HTTP/1.1", 200)
    assert caplog.text.count("/q/[redacted]") == 3
    assert TOKEN not in caplog.text


def test_gunicorn_access_atoms_are_redacted():
    logger = GunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/q/{TOKEN}", "PATH_INFO": f"/q/{TOKEN}",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": f"https://h/q/{TOKEN}",
               "REMOTE_ADDR": "127.0.0.1"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("Location", f"/q/{TOKEN}")])
    request = SimpleNamespace(headers=[("REFERER", f"https://h/q/{TOKEN}")])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=5))
    assert atoms["r"] == "GET /q/[redacted] HTTP/1.1" and atoms["U"] == "/q/[redacted]"
    assert atoms["f"] == "https://h/q/[redacted]" and atoms["{location}o"] == "/q/[redacted]"
    assert TOKEN not in repr(atoms)
