"""The replay policy of offline/client/sync.js against a real server: 413, 401, two tabs, storage."""
import json
import sqlite3

from playwright.sync_api import expect

from .gate_helpers import assert_pending, open_gate, pass_resident, sync_now, wait_drained
from .test_sampling import wait_server

INJECT = """async ([site, n]) => {
  const outbox = await import('/client/offline/outbox.js');
  const session = await import('/client/offline/session.js');
  const me = await session.current();
  for (let i = 0; i < n; i++)
    await outbox.add('gate_entry', {site_id: site, direction: 'in', temperature_c: 36.5}, me);
}"""


def count_entries(server):
    return tuple(server.query("SELECT count(*), count(DISTINCT record_id) FROM gate_entry")[0])


def test_a_413_halves_the_batch_until_it_fits(page, context, live_server):
    site = open_gate(page, live_server)
    context.set_offline(True)
    page.evaluate(INJECT, [site, 250])
    sizes = []

    def small_server(route):
        size = len(json.loads(route.request.post_data)["records"])
        sizes.append(size)
        if size > 60:
            route.fulfill(status=413, json={"error": {"code": "too_many_records", "message": "60 at most"}})
        else:
            route.continue_()

    context.route("**/api/v1/sync", small_server)
    context.set_offline(False)
    sync_now(page)
    wait_drained(page)
    assert sizes[:3] == [200, 100, 50] and max(sizes[3:]) <= 60
    assert count_entries(live_server) == (250, 250)


def test_two_tabs_never_send_the_same_record_twice(page, context, live_server):
    site = open_gate(page, live_server)
    other = context.new_page()
    other.goto(page.url)
    other.wait_for_function("() => document.body.dataset.ready === '1'")
    context.set_offline(True)
    page.evaluate(INJECT, [site, 300])
    sent = []

    def record(route):
        try:  # whatever the body, the request goes on: a handler that raised would hold it forever
            sent.extend(r["id"] for r in json.loads(route.request.post_data_buffer or b"{}").get("records", []))
        finally:
            route.continue_()

    context.route("**/api/v1/sync", record)
    context.set_offline(False)
    page.evaluate("() => { document.getElementById('st-sync').click(); }")
    other.evaluate("() => { document.getElementById('st-sync').click(); }")
    # Wait on the server holding them all (a tab's pending count may still read the 0 of
    # before the injection), then on both tabs having nothing left to send. The wait goes through
    # the page so that the route handler above runs.
    expected = [(300, 300)]
    assert wait_server(live_server, "SELECT count(*), count(DISTINCT record_id) FROM gate_entry",
                       expected, timeout=120, page=page) == expected
    wait_drained(page)
    wait_drained(other)
    assert len(sent) == len(set(sent)) == 300


def test_a_full_phone_never_says_saved_and_low_storage_is_told(page, live_server):
    page.add_init_script("""
      navigator.storage.estimate = async () => ({quota: 200 * 1048576, usage: 170 * 1048576});""")
    open_gate(page, live_server)
    expect(page.locator("#st-message")).to_contain_text("存储空间不足")
    page.evaluate("""() => { IDBObjectStore.prototype.add = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }; }""")
    page.click("#unidentified")
    page.click(".preset[data-t='36.5']")  # the passage is complete: the tap saves it
    page.locator("#form-error").wait_for(state="visible")
    assert "未保存" in page.locator("#form-error").inner_text()
    assert page.locator("#feedback").inner_text() != "已保存"
    assert_pending(page, 0)


def test_an_expired_token_keeps_records_and_asks_to_log_in_again(page, live_server):
    site = open_gate(page, live_server)
    live_server.stop()
    pass_resident(page, 4)
    live_server.start()
    # The server no longer accepts this phone's token (expired).
    with sqlite3.connect(live_server.db_path) as conn:
        conn.execute("UPDATE device SET expires_at = '2000-01-01 00:00:00.000000'")
    sync_now(page)
    page.wait_for_function("() => document.getElementById('st-message').textContent.includes('重新登录')")
    assert_pending(page, 1)
    assert count_entries(live_server) == (0, 0)
    page.goto(f"{live_server.url}/gate/{site}")  # still logged in: the page gets a fresh token
    wait_drained(page)
    assert count_entries(live_server) == (1, 1)
    # One device for this phone and user (re-keyed, never a new one): seq stays continuous.
    assert live_server.query("SELECT count(*) FROM device")[0][0] == 1
    seq_device = live_server.query("SELECT device_id FROM inbox_record")[0][0]
    assert live_server.query("SELECT max_seq FROM device WHERE id = :d", d=seq_device)[0][0] == 1
