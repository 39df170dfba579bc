"""Steps of the gate screen as a volunteer does them, shared by the offline and gate tests."""
from tests.records import valid_id

from .conftest import login

SCAN_DELAY_MS = 5  # a keyboard-wedge scanner types fast, key by key, then Enter


def gate_site_id(server, code="G1") -> int:
    return server.query("SELECT id FROM site WHERE code = :code", code=code)[0][0]


def open_gate(page, server, username="volunteer", site_code="G1"):
    """Log in online, open the gate screen and wait until it works offline."""
    login(page, server, username)
    site = gate_site_id(server, site_code)
    page.goto(f"{server.url}/gate/{site}")
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return site


def wait_ready(page):
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")


def saved_count(page) -> int:
    return int(page.locator("#feedback").get_attribute("data-count") or 0)


def scan(page, text):
    page.locator("#scan").click()
    page.keyboard.type(text, delay=SCAN_DELAY_MS)
    page.keyboard.press("Enter")


def pass_resident(page, n, temperature="36.5", direction="in"):
    """One passage of the n-th fictitious resident; waits for 已保存."""
    before = saved_count(page)
    scan(page, valid_id(n))
    page.click(f"#dir-{direction}")
    page.click(f".preset[data-t='{temperature}']")
    page.click("#save")
    page.wait_for_function(f"() => Number(document.getElementById('feedback').dataset.count || 0) > {before}")


def pending(page) -> int:
    page.wait_for_function("() => document.body.dataset.pending !== undefined")
    return int(page.evaluate("() => document.body.dataset.pending"))


def sync_now(page):
    page.click("#st-sync")


def wait_drained(page, timeout=15000):
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=timeout)
