"""Self-report links never reach a log.

A resident's `/q/<token>` link lets anyone holding it read the masked name and report
temperatures for 60 days, so it is as secret as a password. Every log line that can hold a URL
(gunicorn's access and error logs, the development server's request lines, Flask's "Exception on
<path>" lines) passes through `redact`; the proxy's logs are filtered the same way by its own
config (deploy/Caddyfile). A Referer header can carry the link too: same treatment.
"""
import logging
import re

from gunicorn import glogging

# The token is one path segment after /q/ (itsdangerous: URL-safe base64 and dots).
SELF_REPORT_LINK = re.compile(r"/q/[^/?#\s\"']+")
REDACTED = "/q/[redacted]"


def redact(value):
    """The value with every self-report token replaced; non-strings are returned as they are."""
    if isinstance(value, str) and "/q/" in value:
        return SELF_REPORT_LINK.sub(REDACTED, value)
    return value


class RedactFilter(logging.Filter):
    """Rewrites a record's message, formatted with its arguments first (a token may sit in
    either, and "%s" after /q/ is a placeholder, not a token). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself, later
            return True
        if "/q/" in message:
            record.msg, record.args = redact(message), None
        return True


def install(*logger_names: str) -> None:
    """Add the filter to these loggers once (idempotent: apps are created many times in tests)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with every access-log atom (request line, path, Referer, any header or
    environ value a custom format names) and every error-log line redacted."""

    def setup(self, cfg):
        super().setup(cfg)
        # The access log is redacted atom by atom below (a filter would replace gunicorn's
        # forgiving atoms mapping with a plain dict).
        if not any(isinstance(f, RedactFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactFilter())

    def atoms(self, resp, req, environ, request_time):
        return {k: redact(v) for k, v in super().atoms(resp, req, environ, request_time).items()}
