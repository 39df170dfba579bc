"""The status bar (offline/client/status.js and its parts): one line at 360 px; "online" only
while the server answers (not navigator.onLine, which says true after an offline reload); the
storage warning only where records wait, and it can be dismissed; other modules' notices."""
from .conftest import login, wait_offline_ready
from .gate_helpers import gate_site_id, open_gate, pass_resident, wait_ready

REACH = "() => document.body.dataset.reach"


def bar_height(page):
    return page.evaluate("() => document.getElementById('statusbar').getBoundingClientRect().height")


def test_online_means_the_server_answered(page, context, live_server):
    site = open_gate(page, live_server)
    page.wait_for_function(f"{REACH} === 'online'")
    assert page.locator("#st-net").inner_text() == "在线"
    assert bar_height(page) <= 48  # one line
    assert page.evaluate("() => { const b = document.getElementById('statusbar'); return b.scrollWidth <= b.clientWidth; }")

    live_server.stop()  # the phone still has a network; the server does not answer
    page.click("#st-sync")
    page.wait_for_function(f"{REACH} === 'offline'")
    assert page.locator("#st-net").inner_text() == "离线"
    assert page.evaluate("() => navigator.onLine")
    live_server.start()
    page.click("#st-sync")
    page.wait_for_function(f"{REACH} === 'online'")

    # After a reload with no network the browser claims to be online; the bar does not.
    context.set_offline(True)
    page.goto(f"{live_server.url}/gate/{site}")
    page.wait_for_function(f"{REACH} === 'offline'")
    assert page.evaluate("() => navigator.onLine")
    assert page.locator("#st-net").inner_text() == "离线"


def test_the_storage_warning_shows_only_while_records_wait_and_can_be_dismissed(page, context, live_server):
    # Headless Chromium never grants persistent storage: the warning applies to this phone.
    login(page, live_server, "volunteer")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    notices = page.locator("#st-message .st-notice")
    assert notices.count() == 0  # nothing waits: nothing to warn about (home page)
    page.goto(f"{live_server.url}/gate/{gate_site_id(live_server)}")
    wait_ready(page)
    wait_offline_ready(page, "() => document.getElementById('gate').dataset.ready === '1'")
    assert notices.count() == 0  # nor on the gate screen while the outbox is empty

    context.set_offline(True)
    pass_resident(page, 1)  # one record waits now
    page.wait_for_function("() => document.querySelectorAll('#st-message .st-notice').length === 1")
    assert "永久保存" in page.locator("#st-message").inner_text()
    page.locator("#st-message .st-dismiss").click()
    assert notices.count() == 0
    page.reload()  # dismissed for this browser session
    page.wait_for_function("() => document.body.dataset.pending === '1'")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert notices.count() == 0


def test_a_module_shows_and_removes_its_own_notice(page, live_server):
    login(page, live_server, "volunteer")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.evaluate("""async () => {
        const { notice } = await import('/client/offline/status.js');
        notice('clock', '手机时间不准：请校准后再登记。', { dismissible: true });
        notice('other', '另一条提示'); }""")
    assert page.locator("#st-message .st-notice[data-topic='clock']").inner_text().startswith("手机时间不准")
    assert page.locator("#st-message .st-notice").count() == 2
    page.evaluate("async () => (await import('/client/offline/status.js')).notice('other', '')")
    assert page.locator("#st-message .st-notice").count() == 1
    assert page.locator("#st-message .st-notice[data-topic='clock'] .st-dismiss").is_visible()
