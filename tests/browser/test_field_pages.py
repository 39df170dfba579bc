"""The pages as they are used: Chromium at 360×740, zh-CN, after their scripts ran, as each role
over a demo-like community (tests/demo_world.py). On every page:
- every word shown (and every tooltip, placeholder and label read aloud) is Chinese: no English
  word outside names and units, no snake_case code, no None/True/False (tests/crawl_text.py);
- every tappable element (links, buttons, inputs, selects, folds) is at least 44×44 px;
- nothing scrolls sideways; chart labels are at least 12 px.
The capture screens are measured by their own tests (gate, sampling); their words are read here.
Screenshots of every page go to $CHECKPOINT_SCREENSHOTS when it is set."""
import os
import re
from pathlib import Path

import pytest

from server.extensions import db
from tests import demo_world
from tests.crawl_text import not_chinese
from tests.records import valid_id

from .conftest import login

MIN_TARGET = 44
MIN_LABEL_PX = 12
TAPPABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary"
# Everything a user reads: what is shown, and what tooltips, placeholders and labels say.
READ_PAGE = """() => {
  // Identifiers a user copies or reads out as they are (<code>, <kbd>) are not words: as in crawl_text.
  let body = document.body.innerText;
  for (const el of document.querySelectorAll('code, kbd')) body = body.replace(el.innerText, ' ');
  const texts = [body];
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], img[alt]')) {
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}"""
TARGETS = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return { tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 30),
           id: el.id, width: box.width, height: box.height,
           shown: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' };
}).filter((t) => t.shown)"""
# Pages of each role (the capture screens too: their words are read; the gate and sampling
# helpers measure their targets).
CAPTURE = ("/gate/", "/sampling/")


def pages_of(role, ids) -> list[str]:
    if role == "anonymous":
        return ["/login", "/register", f"/q/{ids['token']}", "/no-such-page"]
    if role == "lab":  # its pages, and what any other page answers it
        return ["/lab/", f"/lab/boxes/{ids['lab_box']}", "/supervisor/board", "/tasks"]
    mine = ["/", "/tasks", "/offline/attention", "/scan", f"/gate/{ids['gate']}", f"/gate/{ids['gate']}/log",
            "/supervisor/board"]  # a volunteer's and a clerk's: the 403 page
    if role != "volunteer":
        mine += [f"/sampling/{ids['point']}", f"/sampling/{ids['point']}/tubes"]
    if role in ("supervisor", "admin"):
        mine += ["/supervisor/coverage", "/supervisor/coverage?building=1-1", "/supervisor/retests",
                 "/supervisor/dashboard", "/supervisor/results", "/supervisor/exports", "/supervisor/devices",
                 "/supervisor/review", "/supervisor/review/problems", "/supervisor/special",
                 f"/supervisor/special/{ids['person']}", "/supervisor/special/door-to-door",
                 "/supervisor/workgroups", "/ledgers/quarantine", f"/ledgers/quarantine/{ids['placement']}",
                 "/ledgers/buildings", "/people/codes", "/supervisor/rounds/",
                 f"/supervisor/rounds/{ids['round']}", f"/supervisor/rounds/{ids['round']}?building=1",
                 "/supervisor/rosters/", f"/supervisor/rosters/{ids['gate']}", "/supervisor/rosters/print",
                 "/supervisor/special/categories", "/supervisor/special/find?building=1-1&unit=1"]
    return mine


@pytest.fixture
def demo_server(live_server):
    app = live_server.app()
    with app.app_context():
        from server.ledgers.selfreport_links import link_token
        from server.models import Placement

        world = demo_world.build(app)
        ids = {"gate": world.gate, "point": world.point, "person": world.person, "placement": world.placement,
               "token": link_token(db.session.get(Placement, world.placement)),
               "round": world.round, "lab_box": world.lab_box}
        db.session.remove()
        db.engine.dispose()
    return live_server, ids


def refused_records(page, server, ids):
    """Two passages the server refuses (a bad ID number, 45 °C), put in this phone's outbox as a
    buggy client might and sent: they wait on the attention page."""
    page.goto(f"{server.url}/gate/{ids['gate']}")
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    for data in ({"person": {"doc_type": "cn_ric", "doc_number": "110105194912310021"}, "temperature_c": 36.5},
                 {"temperature_c": 45.0}):
        page.evaluate("""async (data) => {
          const outbox = await import('/client/offline/outbox.js');
          const me = await (await import('/client/offline/session.js')).current();
          await outbox.add('gate_entry', data, me);
          dispatchEvent(new Event('outbox-changed'));
        }""", {"site_id": ids["gate"], "direction": "in", **data})
    page.wait_for_function("() => document.body.dataset.attention === '2'")


def settle(page):
    """The page's scripts ran: the status bar drew itself and the server's reachability is known."""
    page.wait_for_function("() => document.body.dataset.ready === '1' || !document.getElementById('statusbar')")
    page.wait_for_function("() => document.body.dataset.reachable !== undefined")
    for root, done in (("tasks", "dataset.ready"), ("home", "dataset.ready")):
        if page.locator(f"#{root}").count():
            page.wait_for_function(f"() => document.getElementById('{root}').{done} !== undefined")


def open_every_fold(page):
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


@pytest.mark.parametrize("role", ("anonymous", "volunteer", "clerk", "supervisor", "lab"))
def test_every_field_page_reads_in_chinese_with_big_targets(page, demo_server, role):
    server, ids = demo_server
    shots = os.environ.get("CHECKPOINT_SCREENSHOTS")
    if role != "anonymous":
        login(page, server, role)
    words, small, wide, labels = [], [], [], []

    def check(path):
        settle(page)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "_", f"{role}{path}").strip("_")
            page.screenshot(path=f"{shots}/{name}.png", full_page=True)
        for text in page.evaluate(READ_PAGE):
            bad = not_chinese(text)
            if bad:
                words.append(f"{role} {path}: {sorted(set(bad))}")
        if path.startswith(CAPTURE) and not path.endswith(("/log", "/tubes")):
            return  # measured by the gate and sampling tests
        open_every_fold(page)
        for target in page.evaluate(TARGETS, TAPPABLE):
            if target["width"] < MIN_TARGET or target["height"] < MIN_TARGET:
                small.append(f"{role} {path}: {target['tag']} “{target['text']}” "
                             f"{target['width']:.0f}×{target['height']:.0f}")
        if page.evaluate("() => document.documentElement.scrollWidth") > 360:
            wide.append(path)
        for size in page.evaluate("() => [...document.querySelectorAll('.chart-hours span, .chart figcaption')]"
                                  ".map((el) => parseFloat(getComputedStyle(el).fontSize))"):
            if size < MIN_LABEL_PX:
                labels.append(f"{path}: {size}px")

    for path in pages_of(role, ids):
        page.goto(server.url + path)
        check(path)
    if role == "anonymous":  # a resident registers, a worker confirms, the resident's link shows the code
        number = valid_id(9999)
        page.goto(server.url + "/register")
        for field, value in (("#community", "demo"), ("#name", "张新来"), ("#doc_number", number),
                             ("#phone", "13912345678")):
            page.fill(field, value)
        page.click("main button[type=submit]")
        page.wait_for_selector("#reference")
        check("/register (received)")
        reference, link = page.text_content("#reference").strip(), page.url
        worker = page.context.browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
        login(worker, server, "supervisor")
        worker.goto(f"{server.url}/people/registrations?q={reference}")
        worker.fill("input[name=doc_number]", number)
        with worker.expect_navigation():  # the confirmation stored before the page closes
            worker.click("main form.stack button[type=submit]")
        worker.close()
        page.goto(link)
        page.wait_for_selector(".qr-card")
        check("/register (confirmed)")
    assert words == [], "\n".join(words)
    assert small == [], "\n".join(small)
    assert wide == [], wide
    assert labels == [], labels


def test_refused_records_on_the_attention_page_read_in_chinese(page, live_server):
    login(page, live_server, "volunteer")
    gate = live_server.query("SELECT id FROM site WHERE code = 'G1'")[0][0]
    refused_records(page, live_server, {"gate": gate})
    page.goto(live_server.url + "/offline/attention")
    page.wait_for_function("() => document.querySelectorAll('#attention-list li').length === 2")
    words = [bad for text in page.evaluate(READ_PAGE) for bad in not_chinese(text)]
    assert words == []
