"""Web protections: CSRF, security headers on every page, session cookies, idle timeout,
secrets in production config."""
import pytest

from server import create_app
from server import sessions as sessions_module
from tests import conftest
from tests.conftest import PIN

FORBIDDEN_CSP = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


def page_urls(app) -> list[str]:
    """Every GET route of the app that takes no argument (pages, manifest, API reads)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            urls.append(rule.rule)
    return sorted(urls)


def assert_protective_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, url
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    for name in ("script-src", "style-src", "default-src"):
        assert not FORBIDDEN_CSP & set(directives[name].split()), (url, name)
    assert directives["frame-ancestors"] == "'none'", url
    assert directives["object-src"] == "'none'", url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["Referrer-Policy"] == "same-origin", url


def test_every_page_route_sends_protective_headers_anonymous_and_logged_in(app, client, world,
                                                                           login):
    urls = page_urls(app)
    assert {"/login", "/", "/api/v1/health"} <= set(urls)
    for url in urls:
        with client.get(url) as response:
            assert_protective_headers(response, url)
    login(world["a"]["supervisor"])
    for url in urls:
        with client.get(url) as response:
            assert response.status_code < 500, url
            assert_protective_headers(response, url)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://checkpoint.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.fixture
def csrf_client(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    return app.test_client()


def test_a_form_post_without_csrf_token_is_refused_with_a_clear_page(csrf_client):
    response = csrf_client.post("/login", data={"username": "clerk-a", "pin": PIN},
                                headers={"Accept-Language": "en"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This form has expired: nothing was saved." in text and "<html" in text
    zh = csrf_client.post("/login", data={"username": "clerk-a", "pin": PIN})
    assert "此表单已过期" in zh.get_data(as_text=True)


def test_an_htmx_post_without_csrf_token_gets_a_fragment(csrf_client):
    response = csrf_client.post("/login", data={"username": "clerk-a", "pin": PIN},
                                headers={"HX-Request": "true", "Accept-Language": "en"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'role="alert"' in text and "<html" not in text


def test_with_the_pages_token_the_post_goes_through(csrf_client):
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = csrf_client.post("/login", data={"username": "clerk-a", "pin": PIN,
                                                "csrf_token": token.group(1)})
    assert response.status_code == 302


def test_logout_without_csrf_token_is_refused(csrf_client):
    """A cross-site page cannot log a volunteer out (nor post anything else in their name)."""
    assert csrf_client.post("/logout").status_code == 400


def test_session_cookie_is_httponly_lax_and_secure_when_configured(make_app, world):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().post("/login", data={"username": "clerk-a", "pin": PIN},
                                      base_url="https://checkpoint.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


class Clock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


def test_an_idle_page_session_is_logged_out_and_activity_keeps_it(client, world, login,
                                                                  monkeypatch):
    import time

    clock = Clock(time.time())
    monkeypatch.setattr(sessions_module, "time", clock)
    assert login(world["a"]["clerk"]).status_code == 302
    clock.now += 20 * 60
    assert client.get("/").status_code == 200  # 20 minutes: still in, and refreshed
    clock.now += 20 * 60
    assert client.get("/").status_code == 200  # 20 more after the last request: still in
    clock.now += 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    clock.now += 1
    assert client.get("/").status_code == 302  # the session was cleared, not just skipped


def test_a_page_session_cookie_is_not_sent_again_with_every_response(client, world, login, monkeypatch):
    """Each Set-Cookie holds the whole session as its request saw it: sent with every response,
    a request in flight when the user logged out (the page's device-token request right after
    login) put the logged-in cookie back over the logout's and its notice was lost. The idle
    clock moves once a minute, so pages answered meanwhile leave the cookie alone."""
    import time

    clock = Clock(time.time())
    monkeypatch.setattr(sessions_module, "time", clock)
    assert login(world["a"]["clerk"]).status_code == 302
    client.get("/")  # the first page after login adds the form token to the session
    clock.now += 30
    assert "session=" not in client.get("/").headers.get("Set-Cookie", "")
    clock.now += 31
    assert "session=" in client.get("/").headers.get("Set-Cookie", "")  # the idle clock moved


@pytest.mark.parametrize("secret", ["dev", "changeme", "x" * 31, "change-me"])
def test_the_app_refuses_a_short_or_placeholder_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**conftest.test_keys(), "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_config_runs_without_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("CHECKPOINT_INSTANCE_PATH", str(tmp_path))
    for name, value in conftest.test_keys().items():
        monkeypatch.setenv(f"CHECKPOINT_{name}", value)
    monkeypatch.setenv("CHECKPOINT_DATABASE_URL", f"sqlite:///{tmp_path}/c.db")
    app = create_app()
    assert app.debug is False and app.testing is False
    assert app.config["RATELIMIT_STORAGE_URI"] == "checkpointdb://"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_login_starts_a_fresh_session(client, world):
    """Nothing planted in a session before login (session fixation) survives it."""
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert client.post("/login", data={"username": "clerk-a", "pin": PIN}).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id")


def _login_with_token(client, username="supervisor-a"):
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "pin": PIN,
                                       "csrf_token": token}).status_code == 302
    return client.get("/auth/csrf-token").get_json()["token"]


def test_a_token_of_a_rotated_session_is_refused_and_a_fresh_one_is_served(csrf_client):
    """A page left open across a new login holds a stale token: the 400 says so
    (X-CSRF-Expired, for the page's scripts) and /auth/csrf-token gives the current one."""
    stale = _login_with_token(csrf_client)
    fresh = _login_with_token(csrf_client)  # a login in another tab: a fresh session
    assert fresh != stale
    refused = csrf_client.post("/auth/device-token", json={}, headers={"X-CSRFToken": stale})
    assert refused.status_code == 400 and refused.headers["X-CSRF-Expired"] == "1"
    answer = csrf_client.get("/auth/csrf-token")
    assert answer.headers["Cache-Control"] == "no-store"
    accepted = csrf_client.post("/auth/device-token", json={},
                                headers={"X-CSRFToken": answer.get_json()["token"]})
    assert accepted.status_code == 201


def test_the_fresh_token_is_only_for_a_logged_in_session(csrf_client):
    response = csrf_client.get("/auth/csrf-token")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
