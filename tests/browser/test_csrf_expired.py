"""A page's CSRF token gone stale while the phone was away (a new login rotated the session):
the page fetches a fresh token and retries once, and nothing the user did is lost."""
import re

from .conftest import DEMO_PIN, login
from .gate_helpers import open_gate, pass_resident, sync_now, wait_drained

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def page_token(page) -> str:
    return page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")


def log_in_again(context, server, username):
    """A new login in another tab (the header's logout button is left alone): a fresh session."""
    tab = context.new_page()
    tab.goto(server.url + "/login")
    tab.fill("#username", username)
    tab.fill("#pin", DEMO_PIN)
    tab.click("main button[type=submit]")
    tab.wait_for_url(server.url + "/")
    tab.close()


def count_requests(context, path):
    seen = []
    context.on("request", lambda r: seen.append(r.method) if r.url.split("?")[0].endswith(path) else None)
    return seen


def test_device_adoption_with_a_stale_token_refreshes_it_and_nothing_is_lost(page, context, live_server):
    open_gate(page, live_server, "volunteer")
    stale = page_token(page)
    log_in_again(context, live_server, "volunteer")

    context.set_offline(True)
    pass_resident(page, 3)  # captured offline, waiting in the outbox
    # Meanwhile the phone's API token expired (what a 401 from /api/v1/sync records).
    page.evaluate("""async () => {
        const store = await import('/client/offline/db.js');
        const session = await import('/client/offline/session.js');
        const me = await session.current();
        await store.putDevice({ ...me, needs_login: true }); }""")
    context.set_offline(False)

    def serve_stale_page(route):
        # The home page as the phone kept it: rendered before the session rotated.
        response = route.fetch()
        body = response.text()
        route.fulfill(response=response, body=body.replace(TOKEN.search(body).group(1), stale))

    def rekeyed():
        return live_server.query("SELECT count(*) FROM audit_event WHERE action = 'device_rekeyed'")[0][0]

    rekeyed_before = rekeyed()
    context.route(live_server.url + "/", serve_stale_page)
    adoptions = count_requests(context, "/auth/device-token")
    refreshes = count_requests(context, "/auth/csrf-token")
    page.goto(live_server.url + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert adoptions == ["POST", "POST"] and refreshes == ["GET"]  # refused once, then retried
    assert "HTTP" not in page.locator("#st-message").inner_text()  # no "device token: HTTP 400"
    assert page_token(page) != stale
    sync_now(page)
    wait_drained(page)  # the re-keyed token sends what was captured offline
    assert live_server.query("SELECT count(*) FROM gate_entry")[0][0] == 1
    assert rekeyed() == rekeyed_before + 1  # the refused attempt changed nothing


def test_an_htmx_action_with_a_stale_token_is_retried_once_and_done_once(page, context, live_server):
    login(page, live_server, "supervisor")
    page.wait_for_function("() => document.body.dataset.ready === '1'")  # this phone's device adopted
    page.goto(live_server.url + "/supervisor/devices")
    row = page.locator("tr[id^='device-']:has(button.danger)").first
    device_id = row.get_attribute("id").removeprefix("device-")

    log_in_again(context, live_server, "supervisor")

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    revokes = count_requests(context, f"/supervisor/devices/{device_id}/revoke")
    row.locator("button.danger").click()
    page.locator(f"#device-{device_id} .tag.bad").wait_for()  # 已吊销: the retry swapped in
    assert len(dialogs) == 1  # confirmed once, not asked again for the retry
    assert revokes == ["POST", "POST"]
    assert live_server.query("SELECT revoked_at IS NOT NULL FROM device WHERE id = :d", d=device_id)[0][0]
    audited = live_server.query("SELECT count(*) FROM audit_event WHERE action = 'revoke_device'")
    assert audited[0][0] == 1
