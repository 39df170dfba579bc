"""A phone whose clock is wrong is told so, in Chinese, at its next sync (issue 13)."""
from .conftest import MOBILE, login

# The phone's clock reads 1970-01-01 (a battery swap), then runs on: what the page sees as now.
CLOCK_1970 = """(() => {
  const RealDate = Date;
  const shift = RealDate.UTC(1970, 0, 1, 0, 3) - RealDate.now();
  class PhoneDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + shift); }
    static now() { return RealDate.now() + shift; }
  }
  globalThis.Date = PhoneDate;
})();"""

CAPTURE_AND_SYNC = """async (site) => {
  const session = await import('/client/offline/session.js');
  let me = await session.current();
  while (!me || !me.token) {  // status.js is still fetching this page's device token
    await new Promise((resolve) => setTimeout(resolve, 100));
    me = await session.current();
  }
  const outbox = await import('/client/offline/outbox.js');
  await outbox.add('gate_entry', {site_id: site, direction: 'in', temperature_c: 36.5}, me);
  const sync = await import('/client/offline/sync.js');
  // The page's own sync loop may hold the sync lock (syncNow then skips, and that loop sends
  // the record): ask until a sync of ours ran, then count what still waits.
  while ((await sync.syncNow()).skipped) await new Promise((resolve) => setTimeout(resolve, 100));
  return (await outbox.counts()).pending;
}"""


def _phone(browser, live_server, init_script=None):
    context = browser.new_context(**MOBILE, service_workers="block")
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    login(page, live_server, "volunteer")
    site = live_server.query("SELECT id FROM site WHERE code = 'G1'")[0][0]
    assert page.evaluate(CAPTURE_AND_SYNC, site) == 0  # sent: nothing waits
    return context, page


def test_a_phone_whose_clock_says_1970_is_told_to_fix_it(browser, live_server, tmp_path):
    context, page = _phone(browser, live_server, CLOCK_1970)
    warning = page.locator("#st-message .st-notice[data-topic='clock']")
    warning.wait_for(state="visible")
    text = warning.inner_text()
    assert "手机时间不准" in text and "1970/01/01" in text and "慢了" in text
    assert "设置" in text and "自动设置" in text
    # Seen without scrolling on a 360x740 screen, nothing pushed sideways.
    box = warning.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740 and box["x"] + box["width"] <= 360
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "clock-1970.png"))
    # The record itself was kept by the server, flagged for the supervisor.
    assert live_server.query("SELECT count(*) FROM gate_entry")[0][0] == 1
    assert live_server.query("SELECT detail FROM flag WHERE kind = 'clock_skew'")
    # Another page of the same phone shows it at once (remembered), before any sync.
    page.goto(live_server.url + "/")
    page.locator("#st-message .st-notice[data-topic='clock']").wait_for(state="visible")
    context.close()


def test_a_phone_with_the_right_time_sees_no_clock_warning(browser, live_server):
    context, page = _phone(browser, live_server)
    page.wait_for_function("() => document.body.dataset.pending === '0'")
    assert page.locator("#st-message .st-notice[data-topic='clock']").count() == 0
    context.close()
