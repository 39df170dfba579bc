"""Steps of the gate screen as a volunteer does them, shared by the offline and gate tests."""
import time
from weakref import WeakKeyDictionary

from tests.records import valid_id

from .conftest import login, wait_offline_ready
from .wedge import Scanner

SCAN_DELAY_MS = 5  # a keyboard-wedge scanner types fast, key by key, then Enter
_scanners = WeakKeyDictionary()  # page -> its wedge Scanner (one CDP session each)


def scanner(page) -> Scanner:
    """The page's keyboard-wedge scanner: keys stamped at the scanner's pace, however busy the
    machine (wedge.py)."""
    if page not in _scanners:
        _scanners[page] = Scanner(page, gap_ms=SCAN_DELAY_MS)
    return _scanners[page]


def gate_site_id(server, code="G1") -> int:
    return server.query("SELECT id FROM site WHERE code = :code", code=code)[0][0]


def open_gate(page, server, username="volunteer", site_code="G1"):
    """Log in online, open the gate screen and wait until it works offline."""
    login(page, server, username)
    site = gate_site_id(server, site_code)
    page.goto(f"{server.url}/gate/{site}")
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    wait_offline_ready(page, "() => document.getElementById('gate').dataset.ready === '1'")
    return site


def wait_ready(page):
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")


def saved_count(page) -> int:
    return int(page.locator("#feedback").get_attribute("data-count") or 0)


def scan(page, text, wedge=True):
    """Key by key like a wedge scanner (wherever the focus is: the screen collects the keys), or
    typed at once into the scan field (fill) where only the outbox is under test."""
    if wedge:
        scanner(page).scan(text)
    else:
        page.locator("#scan").fill(text)
        page.locator("#scan").press("Enter")


def pass_resident(page, n, temperature="36.5", direction="in", wedge=True):
    """One passage of the n-th fictitious resident: scan, direction, a preset temperature (which
    saves the passage); waits for 已保存."""
    before = saved_count(page)
    scan(page, valid_id(n), wedge)
    page.click(f"#dir-{direction}")
    page.click(f".preset[data-t='{temperature}']")
    wait_saved(page, before)


def wait_saved(page, before):
    page.wait_for_function(f"() => Number(document.getElementById('feedback').dataset.count || 0) > {before}")


def open_more(page):
    """The sheet of rare inputs (document type, plate, turn-back reason, visitor details)."""
    page.click("#more")
    page.locator("#gate-more").wait_for(state="visible")


def close_more(page):
    page.click("#more-done")
    page.locator("#gate-more").wait_for(state="hidden")


def type_temperature(page, text):
    """On the keypad (the decimal point is implied: 38.2 is typed 3, 8, 2)."""
    if page.locator("#keypad").is_hidden():
        page.click("#pad-toggle")
    for key in text.replace(".", ""):
        page.click(f".key[data-k='{key}']")


def pending(page) -> int:
    page.wait_for_function("() => document.body.dataset.pending !== undefined")
    return int(page.evaluate("() => document.body.dataset.pending"))


def assert_pending(page, expected: int, timeout=30000):
    """The status bar settles on `expected` waiting records (it updates after each save)."""
    try:
        page.wait_for_function("(n) => document.body.dataset.pending === String(n)", arg=expected,
                               timeout=timeout)
    except Exception:
        pass  # the assertion below says what the page shows instead
    assert pending(page) == expected


def sync_now(page):
    page.click("#st-sync")


# Pending records in the phone's outbox, read from IndexedDB itself (never creating the
# database: the app's own first open must still build its stores).
OUTBOX_PENDING = """async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'checkpoint')) return 0;
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('checkpoint'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  try {
    if (!db.objectStoreNames.contains('outbox')) return 0;
    return await new Promise((ok, fail) => {
      const r = db.transaction('outbox').objectStore('outbox').index('state').count('pending');
      r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  } finally { db.close(); }
}"""


def wait_drained(page, timeout=60000):
    """Nothing waits to be sent. The outbox itself is asked as well as the status bar: the bar
    counts a save a moment after it, so right after a save it may still read 0 (a test then
    went on before anything was sent, seen in CI)."""
    deadline = time.monotonic() + timeout / 1000
    while (waiting := page.evaluate(OUTBOX_PENDING)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert waiting == 0, f"{waiting} records still waiting in the outbox"
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=timeout)


def capture_many(page, numbers, direction="in"):
    """Many passages driven inside the page (scan + Enter, direction, a preset that saves, wait for
    已保存 each): the same screen path, without one Playwright round trip per tap."""
    page.evaluate("""async ([numbers, direction]) => {
        const $ = (id) => document.getElementById(id);
        for (const number of numbers) {
          const before = Number($('feedback').dataset.count || 0);
          $('scan').value = number;
          $('scan').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
          $('dir-' + direction).click();
          document.querySelector(".preset[data-t='36.5']").click();
          while (Number($('feedback').dataset.count || 0) === before) await new Promise((ok) => setTimeout(ok, 2));
        }
    }""", [numbers, direction])
