"""Is this request htmx's (a fragment is answered), or a whole page load?"""
from flask import request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
