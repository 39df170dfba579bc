"""The phone never loses or duplicates a record (issue 3), in real Chromium."""
import statistics
import time
import uuid

from tests.records import valid_id

from .conftest import MOBILE, login
from .gate_helpers import (assert_pending, capture_many, open_gate, pass_resident, sync_now, wait_drained,
                           wait_ready)

BAD_ID = "110105194912310021"  # checksum fails: the server rejects it
IMPORTS = """
  const outbox = await import('/client/offline/outbox.js');
  const session = await import('/client/offline/session.js');
  const me = await session.current();
"""


def rows(server, sql="SELECT count(*), count(DISTINCT record_id) FROM gate_entry"):
    return tuple(server.query(sql)[0])


def inject(page, data):
    """A record the screen would refuse, put straight into the outbox (as a buggy client might)."""
    return page.evaluate(f"async (data) => {{ {IMPORTS} return (await outbox.add('gate_entry', data, me)).id; }}", data)


def test_hundred_records_offline_survive_reload_and_restart(browser_type, browser_type_launch_args,
                                                            live_server, tmp_path, capsys):
    profile = tmp_path / "profile"

    def launch():
        ctx = browser_type.launch_persistent_context(profile, **browser_type_launch_args, **MOBILE)
        return ctx, ctx.pages[0]

    ctx, page = launch()
    site = open_gate(page, live_server)
    ctx.set_offline(True)
    capture_many(page, [valid_id(n) for n in range(50)])
    in_page = sorted(page.evaluate("() => performance.getEntriesByName('passage').map(e => e.duration)"))
    with capsys.disabled():
        print(f"\n[gate] in-page scan→saved over {len(in_page)} passages: median "
              f"{statistics.median(in_page):.1f} ms, p95 {in_page[int(0.95 * (len(in_page) - 1))]:.1f} ms")
    page.reload()
    wait_ready(page)
    capture_many(page, [valid_id(n) for n in range(50, 100)], direction="out")
    assert_pending(page, 100)
    ctx.close()

    ctx, page = launch()  # same profile, same port: the outbox is still there
    page.goto(f"{live_server.url}/gate/{site}")  # the session ended with the browser: login page
    wait_drained(page)  # the outbox drains anyway, with the token of the user who captured
    ctx.close()
    assert rows(live_server) == (100, 100)
    assert rows(live_server, "SELECT count(*), count(DISTINCT seq) FROM inbox_record") == (100, 100)
    # Ids in capture order (UUIDv7), across the reload and the restart: the server's indexes
    # on record ids take them side by side.
    ids = [i for (i,) in live_server.query("SELECT id FROM inbox_record ORDER BY seq")]
    assert {uuid.UUID(i).version for i in ids} == {7} and ids == sorted(ids)


def test_a_lost_response_is_retried_and_stored_once(page, context, live_server):
    open_gate(page, live_server)
    context.set_offline(True)
    for n in range(3):
        pass_resident(page, n)
    lost = []

    def lose_response(route):
        route.fetch()  # the server commits the batch...
        lost.append(route.request.url)
        route.abort("connectionreset")  # ...and the phone never hears back

    context.route("**/api/v1/sync", lose_response, times=1)
    # The phone notices the network and sends; the answer is lost (wait for that request to fail,
    # however long a busy machine takes to send it).
    with context.expect_event("requestfailed", lambda request: bool(lost) and request.url in lost):
        context.set_offline(False)
    assert len(lost) == 1
    sync_now(page)  # the user does not wait out the backoff (a busy machine makes it long)
    wait_drained(page)
    assert rows(live_server) == (3, 3)
    results = live_server.query("SELECT count(*) FROM inbox_record")
    assert results[0][0] == 3


def test_server_down_during_sync_loses_nothing(page, live_server):
    open_gate(page, live_server)
    live_server.stop()
    for n in range(5):
        pass_resident(page, n)
    sync_now(page)
    page.wait_for_function("() => document.getElementById('st-message').textContent.length > 0")
    assert_pending(page, 5)
    live_server.start()  # same port
    sync_now(page)
    wait_drained(page)
    assert rows(live_server) == (5, 5)


def test_a_malformed_record_is_rejected_alone_then_corrected_or_discarded(page, context, live_server):
    site = open_gate(page, live_server)
    context.set_offline(True)
    pass_resident(page, 1)
    bad_id = inject(page, {"site_id": site, "direction": "in", "temperature_c": 36.5,
                           "person": {"doc_type": "cn_ric", "doc_number": BAD_ID}})
    too_hot = inject(page, {"site_id": site, "direction": "in", "temperature_c": 45.0})
    pass_resident(page, 2)
    context.set_offline(False)
    sync_now(page)
    page.wait_for_function("() => document.body.dataset.attention === '2'")
    wait_drained(page)
    assert rows(live_server) == (2, 2)  # the two good ones went through

    page.goto(f"{live_server.url}/offline/attention")
    item = page.locator(f"li[data-id='{bad_id}']")
    assert "ID number" in item.inner_text() or "身份证" in item.inner_text()
    item.locator(".fix-value").fill("11010519491231002X")
    # A sync tick while the user types must not wipe the correction. Each repaint of the list ends
    # by hiding the "nothing here" line (there are entries): shown here first, it is hidden again
    # once the tick's repaint is done.
    page.evaluate("() => { document.getElementById('attention-empty').hidden = false;"
                  " dispatchEvent(new Event('outbox-changed')); }")
    page.wait_for_function("() => document.getElementById('attention-empty').hidden")
    assert item.locator(".fix-value").input_value() == "11010519491231002X"
    item.locator(".fix").click()
    # The corrected record leaves the list and the rest moves up: click discard only then.
    page.wait_for_function("(id) => !document.querySelector(`li[data-id='${id}']`)", arg=bad_id)
    page.locator(f"li[data-id='{too_hot}'] .discard").click()
    page.locator(f"li[data-id='{too_hot}'] .reason.other").click()
    page.locator(f"li[data-id='{too_hot}'] .discard-reason").fill("体温计故障，已重新登记")
    page.locator(f"li[data-id='{too_hot}'] .confirm-discard").click()
    page.wait_for_function("() => document.querySelectorAll('#attention-list li').length === 0")
    page.wait_for_function("() => document.body.dataset.attention === '0'")
    wait_drained(page)  # the corrected record sent (the outbox asked, not only the bar)

    assert rows(live_server) == (3, 3)
    assert live_server.query("SELECT count(*) FROM gate_entry WHERE record_id = :r", r=bad_id)[0][0] == 1
    discard = live_server.query("SELECT count(*) FROM inbox_record WHERE type = 'record_discard'")
    assert discard[0][0] == 1
    open_rejections = live_server.query(
        "SELECT record_id FROM sync_rejection WHERE resolved_at IS NULL")
    assert [r[0] for r in open_rejections] == [bad_id]  # corrected later; the discarded one is closed


def test_app_shell_loads_and_captures_with_no_network(page, context, live_server):
    site = open_gate(page, live_server)
    live_server.stop()
    context.set_offline(True)
    page.goto(f"{live_server.url}/gate/{site}")
    wait_ready(page)
    assert page.locator("#site-name").inner_text() == "东苑南门"
    pass_resident(page, 7)
    assert_pending(page, 1)
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys())
          for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
        return urls; }""")
    assert "/static/vendor/zxing_reader.wasm" in cached and "/shell/gate" in cached
    assert not [u for u in cached if u.startswith(("/api/", "/gate/")) or u == "/"]  # nothing personal
    live_server.start()
    context.set_offline(False)
    sync_now(page)
    wait_drained(page)
    assert rows(live_server) == (1, 1)


def test_drain_of_a_thousand_queued_records(page, context, live_server, capsys):
    site = open_gate(page, live_server)
    context.set_offline(True)
    page.evaluate(f"""async () => {{ {IMPORTS}
        for (let i = 0; i < 1000; i++)
          await outbox.add('gate_entry', {{site_id: {site}, direction: 'in', temperature_c: 36.5}}, me);
    }}""")
    page.reload()
    wait_ready(page)
    assert_pending(page, 1000)
    started = time.perf_counter()
    context.set_offline(False)
    wait_drained(page)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[drain] 1000 records drained in {elapsed:.2f} s on loopback")
    assert rows(live_server) == (1000, 1000)


def test_logout_warns_and_the_next_volunteer_does_not_lose_queued_records(page, context, live_server):
    open_gate(page, live_server, "volunteer")
    context.route("**/api/v1/sync", lambda route: route.abort())  # the server cannot be reached
    pass_resident(page, 3)
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.click("#logout-form button")
    page.wait_for_url("**/login")
    assert "1 条记录未上传" in messages[0]
    context.unroute("**/api/v1/sync")
    login(page, live_server, "supervisor")  # shift handover on the same phone
    wait_drained(page)
    captured_by = live_server.query(
        "SELECT u.username FROM gate_entry g JOIN user u ON u.id = g.user_id")
    assert [r[0] for r in captured_by] == ["volunteer"]
