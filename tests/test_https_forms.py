"""Page forms over HTTPS, directly and behind a TLS proxy: the CSRF token plus an Origin/Referer
check that accepts the page's own origin; Secure cookies whenever the request is HTTPS; an
absolute session lifetime besides the idle timeout."""
import re
import time

import pytest

from server import sessions as sessions_module
from tests.conftest import PIN

SITE = "https://checkpoint.example"


@pytest.fixture
def csrf_app(make_app, world):
    return make_app(WTF_CSRF_ENABLED=True)


def form_token(client, base_url, path="/login") -> str:
    page = client.get(path, base_url=base_url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def post_login(client, base_url, headers, username="clerk-a"):
    token = form_token(client, base_url)
    return client.post("/login", base_url=base_url, headers=headers,
                       data={"username": username, "pin": PIN, "csrf_token": token})


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_login_over_https_with_the_browsers_origin_works_and_the_cookie_is_secure(csrf_app):
    """What Chromium sends for a same-origin form POST under Referrer-Policy: same-origin."""
    client = csrf_app.test_client()
    response = post_login(client, SITE, {"Origin": SITE, "Referer": SITE + "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/", base_url=SITE)
    assert home.status_code == 200 and home.headers["Referrer-Policy"] == "same-origin"


def test_a_referer_alone_is_enough_when_a_browser_sends_no_origin(csrf_app):
    client = csrf_app.test_client()
    assert post_login(client, SITE, {"Referer": SITE + "/login?next=/"}).status_code == 302


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://checkpoint.example"},  # same host, downgraded scheme
    {"Origin": "https://checkpoint.example:8443"},  # same host, other port
    {"Origin": "null", "Referer": "https://evil.example/form"},
    {},  # neither header over HTTPS: a browser always sends one
], ids=["other-site", "http-scheme", "other-port", "null-origin-foreign-referer", "none"])
def test_a_post_from_elsewhere_is_refused_with_a_clear_page_and_changes_nothing(csrf_app, headers):
    client = csrf_app.test_client()
    response = post_login(client, SITE, {**headers, "Accept-Language": "en"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    # A fresh token would not help: the page's scripts must not retry.
    assert "X-CSRF-Expired" not in response.headers
    assert client.get("/", base_url=SITE).status_code == 302  # not logged in
    zh = post_login(client, SITE, headers)
    assert "请求不是来自本站页面" in zh.get_data(as_text=True)


def test_a_foreign_origin_is_refused_over_plain_http_too(csrf_app):
    client = csrf_app.test_client()
    assert post_login(client, "http://localhost", {"Origin": "http://evil.example"}).status_code == 400
    # Loopback HTTP without either header (scripts, older pages) keeps working on the token.
    other = csrf_app.test_client()
    response = post_login(other, "http://localhost", {})
    assert response.status_code == 302
    assert "Secure" not in session_cookie(response)  # HTTP: a Secure cookie would be dropped


def test_htmx_and_fetch_posts_carry_the_token_header_and_pass_the_origin_check(csrf_app):
    client = csrf_app.test_client()
    assert post_login(client, SITE, {"Origin": SITE}, username="supervisor-a").status_code == 302
    token = client.get("/auth/csrf-token", base_url=SITE).get_json()["token"]
    ok = client.post("/auth/device-token", base_url=SITE, json={},
                     headers={"X-CSRFToken": token, "Origin": SITE})
    assert ok.status_code == 201
    refused = client.post("/auth/device-token", base_url=SITE, json={},
                          headers={"X-CSRFToken": token, "Origin": "https://evil.example"})
    assert refused.status_code == 400


PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "checkpoint.example",
           "X-Forwarded-For": "203.0.113.7", "Origin": SITE}


def proxied_login(make_app, trusted_proxies):
    """A login sent through a TLS proxy: the proxy talks plain HTTP to the app on loopback
    and says (X-Forwarded-*) what the phone used."""
    client = make_app(WTF_CSRF_ENABLED=True, TRUSTED_PROXIES=trusted_proxies).test_client()
    token = form_token(client, "http://127.0.0.1:8000")
    return client.post("/login", base_url="http://127.0.0.1:8000", headers=PROXIED,
                       data={"username": "clerk-a", "pin": PIN, "csrf_token": token})


def test_behind_a_trusted_tls_proxy_the_login_works_and_the_cookie_is_secure(make_app, world):
    response = proxied_login(make_app, trusted_proxies=1)
    assert response.status_code == 302
    assert "Secure" in session_cookie(response)


def test_without_trusting_the_proxy_its_https_claim_is_not_believed(make_app, world):
    """A forged X-Forwarded-Proto/Host cannot make a foreign page look same-origin."""
    assert proxied_login(make_app, trusted_proxies=0).status_code == 400


class Clock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


def test_a_busy_session_still_ends_after_its_absolute_lifetime(client, world, login, monkeypatch):
    clock = Clock(time.time())
    monkeypatch.setattr(sessions_module, "time", clock)
    assert login(world["a"]["clerk"]).status_code == 302
    for _ in range(35):  # a request every 20 minutes: never idle, 11 h 40 min in all
        clock.now += 20 * 60
        assert client.get("/").status_code == 200
    clock.now += 21 * 60  # 12 h 1 min after the login
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(world["a"]["clerk"]).status_code == 302  # a new login starts a new 12 h
    assert client.get("/").status_code == 200


def test_a_session_from_before_the_absolute_lifetime_is_ended(client, world, login):
    assert login(world["a"]["clerk"]).status_code == 302
    with client.session_transaction() as session:
        del session[sessions_module.LOGIN_KEY]
    assert client.get("/").status_code == 302
