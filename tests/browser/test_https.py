"""Over HTTPS through the proxy, as phones on the network use the app (`make run HOST=0.0.0.0`,
deploy/Caddyfile): Chromium's own Referer/Origin behaviour, nothing forged by the test."""
from .conftest import login
from .gate_helpers import open_gate, pass_resident, sync_now, wait_drained


def test_a_clerk_logs_in_and_out_through_the_page_over_https(page, https_server):
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    login(page, https_server, "clerk")
    assert "示范社区" in page.locator("h1").inner_text()
    sent = posts[0].all_headers()  # what the browser itself sent with the form
    assert posts[0].url == https_server.url + "/login"
    assert sent["origin"] == https_server.url and sent["referer"].startswith(https_server.url)
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.click("#logout-form button[type=submit]")
    page.wait_for_url(https_server.url + "/login")
    assert "已退出" in page.content(), page.locator("body").inner_text()
    assert "此表单已过期" not in page.content()


def test_an_offline_gate_shift_over_https_reaches_the_server(page, context, https_server):
    site = open_gate(page, https_server)  # waits until the service worker controls the page
    assert page.locator("#st-message .st-notice[data-topic='offline-mode']").count() == 0  # the certificate is trusted
    context.set_offline(True)
    for n in (1, 2, 3):
        pass_resident(page, n)
    page.reload()  # the shell comes from the service worker: the network is still off
    page.wait_for_function("() => document.body.dataset.pending === '3'")
    context.set_offline(False)
    sync_now(page)
    wait_drained(page)
    rows = https_server.query("SELECT direction FROM gate_entry WHERE site_id = :s", s=site)
    assert [r[0] for r in rows] == ["in", "in", "in"]


def test_a_self_report_link_never_reaches_the_proxy_or_gunicorn_logs(page, https_server):
    from sqlalchemy import select

    from server.extensions import db
    from server.ledgers.selfreport_links import link_token
    from server.models import Placement

    app = https_server.app()
    with app.app_context():
        placement = db.session.scalar(select(Placement).where(Placement.kind == "quarantine")
                                      .order_by(Placement.id).limit(1))
        token = link_token(placement)
        db.engine.dispose()
    page.goto(f"{https_server.url}/q/{token}")
    page.fill("#temperature", "36.7")
    page.click("button[type=submit]")  # a POST over HTTPS from a public page: CSRF + Origin
    page.locator("#report-saved").wait_for()
    page.goto(f"{https_server.url}/q/{token}-tampered")  # a 404 is logged too
    https_server.stop()  # every log line written and flushed

    proxy_log = https_server.proxy_log.read_text()
    assert token[:20] not in proxy_log
    assert token[:20] not in https_server.logs()  # gunicorn's and Caddy's output
    # The visits were logged, redacted (so the checks above mean something).
    gunicorn_lines = [line for line in https_server.logs().splitlines() if '"POST /q/' in line]
    assert any("/q/[redacted]" in line for line in gunicorn_lines), gunicorn_lines
    assert proxy_log.count('"uri":"/q/[redacted]') >= 3
    # The page's own requests carry it as their Referer (same-origin): redacted by gunicorn,
    # not logged by the proxy.
    assert any(f'"{https_server.url}/q/[redacted]' in line for line in
               https_server.logs().splitlines() if "GET /static/" in line)


def test_a_phone_that_tapped_through_the_certificate_warning_is_told_offline_mode_is_off(
        browser, tmp_path, lan_certificate):
    from .conftest import MOBILE, HttpsServer, proxy_problem, require

    require(proxy_problem())
    server = HttpsServer(tmp_path).start()  # its own certificate: this browser does not trust it
    context = browser.new_context(ignore_https_errors=True, **MOBILE)  # "continue anyway"
    try:
        page = context.new_page()
        login(page, server, "volunteer")  # pages work...
        warning = page.locator("#st-message .st-notice[data-topic='offline-mode']")
        warning.wait_for()  # ...but the service worker was refused, and the phone says so
        assert "离线模式不可用" in warning.inner_text() and "证书" in warning.inner_text()
        assert page.evaluate("() => navigator.serviceWorker.controller") is None
        box = warning.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740  # seen without scrolling
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "untrusted.png"))
    finally:
        context.close()
        server.stop()
        server.close()
