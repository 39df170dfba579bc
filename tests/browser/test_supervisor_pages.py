"""Every page of the supervisor's row of pages, over HTTPS through the proxy at 360x740 in zh-CN:
it loads without a script error or a blocked style (CSP), fits the screen's width, opens with its
own button of the swipeable row in view (the late ones used to open out of sight), shows every
fold's marker and no table squeezed to a character a line. The devices page tells the phones
apart by their model."""
from playwright.sync_api import expect

from .conftest import login
from .gate_helpers import open_gate
from .sampling_helpers import site_id

# Table cells whose short text (a word, a name, a date: no space in it) is broken over lines: a
# column squeezed to a character or two a line.
SQUEEZED_CELLS = """() => [...document.querySelectorAll('td, th')].filter((cell) => cell.offsetParent).flatMap((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const broken = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (!text || /\\s/.test(text) || text.length > 12) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(text);
    }
    return broken;
})"""

# Folds on the page that do not show that they open: neither the browser's marker nor a ▸ of ours.
BARE_FOLDS = """() => [...document.querySelectorAll('summary')].filter((s) => s.offsetParent
    && getComputedStyle(s).display !== 'list-item'
    && !['"▸"', '"▾"'].includes(getComputedStyle(s, '::before').content)).map((s) => s.textContent.trim())"""


def test_each_supervisor_page_loads_clean_with_its_button_in_view(page, https_server):
    errors = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    login(page, https_server, "supervisor")
    links = page.locator(".subnav a").evaluate_all("(links) => links.map((a) => [a.href, a.textContent.trim()])")
    assert len(links) >= 15, links
    for href, words in links:
        page.goto(href)
        current = page.locator('.subnav a[aria-current="page"]')
        assert current.inner_text().strip() == words, (href, current.inner_text())
        page.wait_for_function("""() => {
            const b = document.querySelector('.subnav [aria-current="page"]').getBoundingClientRect();
            return b.left >= 0 && b.right <= innerWidth;
        }""", timeout=5_000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, href
        # Every fold shows that it opens: the browser's marker, or the ▸ drawn in its place.
        assert page.evaluate(BARE_FOLDS) == [], href
        assert page.evaluate(SQUEEZED_CELLS) == [], href
    # A lost phone is revoked in a hurry: its button is in view however wide the table.
    page.goto(f"{https_server.url}/supervisor/devices")
    revoke = page.locator("#devices-table, table.devices").locator("button", has_text="停用").first
    box = revoke.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # The clerk's list of the day's tubes loads htmx too.
    page.context.clear_cookies()
    login(page, https_server, "clerk")
    page.goto(f"{https_server.url}/sampling/{site_id(https_server)}/tubes")
    with page.expect_response(lambda r: "/tubes?q=T" in r.url):  # htmx's search, 300 ms after typing
        page.locator("#tube-search").fill("T")
    assert page.evaluate(BARE_FOLDS) == []
    assert not errors, errors


def test_the_devices_page_names_each_phone_by_its_model(page, live_server):
    # Chromium on an Android phone: the user-agent string says "Linux; Android 10; K" on every
    # phone; the client hints say the model.
    page.add_init_script("""Object.defineProperty(navigator, 'userAgentData', { configurable: true, value: {
        getHighEntropyValues: async () => ({ model: 'Redmi Note 9', platform: 'Android', platformVersion: '12.0.0' }) } });""")
    open_gate(page, live_server, "volunteer", "G1")
    page.context.clear_cookies()
    login(page, live_server, "supervisor")
    page.goto(live_server.url + "/supervisor/devices")
    row = page.locator("tr", has_text="卡口志愿者")
    expect(row.first).to_contain_text("Redmi Note 9 · Android 12 · 浏览器")
