"""CSRF: Flask-WTF's token, plus a check that the request comes from one of our own pages.

Flask-WTF's own extra check for HTTPS (WTF_CSRF_SSL_STRICT) demands a Referer. Pages used to
send `Referrer-Policy: no-referrer`, so Chromium sent no Referer and `Origin: null` and every
page POST over HTTPS failed. Now pages send `same-origin` (server/security.py): same-origin
requests carry the page's address, other sites get nothing (no `/q/<token>` link leaks), and
this module checks what modern browsers send on every POST:

- `Origin` (all current browsers on POST): must be this server's own origin;
- no usable `Origin` (absent or `null`): the `Referer`, when present, must be same-origin;
- neither: refused over HTTPS (a browser always sends one there), allowed over plain HTTP
  (loopback, scripts), where the token alone guards as before.

"This server's origin" is the scheme and host the request arrived with: behind a reverse proxy
that is what `CHECKPOINT_TRUSTED_PROXIES` lets ProxyFix take from X-Forwarded-Proto/-Host.
"""
from urllib.parse import urlsplit

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect

DEFAULT_PORTS = {"http": 80, "https": 443}


class ForeignOrigin(CSRFError):
    """The request came from another site (or from nowhere it can say): nothing is done."""

    description = _l("This request did not come from this site's pages: nothing was saved. "
                     "Open the page on this site and try again.")


def _origin(url: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, None when it has none (e.g. "null")."""
    if not url or url == "null":
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("invalid", url, 0)
    if not parts.scheme or not parts.hostname:
        return ("invalid", url, 0)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS.get(scheme, 0)


def own_origin() -> tuple[str, str, int]:
    return _origin(f"{request.scheme}://{request.host}/")


def check_same_origin() -> None:
    """Raise ForeignOrigin unless the request's Origin (or Referer) is this server's origin."""
    claimed = _origin(request.headers.get("Origin"))
    if claimed is None:
        claimed = _origin(request.referrer)
    if claimed is None:
        if request.is_secure:
            raise ForeignOrigin("Neither Origin nor Referer on an HTTPS request.")
        return
    if claimed != own_origin():
        raise ForeignOrigin("The request's Origin/Referer is not this server.")


class OriginCheckingCSRF(CSRFProtect):
    """Flask-WTF's token check, then the origin check on the same requests (same exemptions)."""

    def protect(self, apply_exemptions=False):
        super().protect(apply_exemptions)
        if g.get("csrf_valid"):  # set by Flask-WTF once it has checked this request's token
            check_same_origin()
