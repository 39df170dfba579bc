"""Response headers that keep pages from being framed, sniffed or injected into."""
from flask import Flask, request

# 'wasm-unsafe-eval' lets the barcode polyfill compile its ZXing .wasm; no inline scripts.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin: our own pages send their address with their requests (the CSRF origin
        # check reads it), other sites never see one (no /q/<token> link leaks out).
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages and API answers carry personal data: never let a cache keep them.
        if not request.path.startswith(("/static/", "/client/")):
            headers.setdefault("Cache-Control", "no-store")
        return response
