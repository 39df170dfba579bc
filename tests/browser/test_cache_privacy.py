"""No personal data in any service-worker cache: after a volunteer's offline gate shift, a
clerk's sampling screen and a supervisor's pages, every Cache Storage entry of the phone is read
and none holds a resident's ID number, phone or name, and none is an API or personal page."""
import re

from sqlalchemy import select

from server.extensions import db
from server.models import Person

from .conftest import DEMO_PIN
from .gate_helpers import open_gate, saved_count, scan, wait_drained, wait_saved
from .sampling_helpers import site_id, wait_ready as wait_sampling_ready

TUBE = "T2022050699"
# Paths whose answers are personal or session-bound: none may be in a cache.
PERSONAL_PATHS = re.compile(r"^/($|api/|auth/|gate/\d|sampling/\d|supervisor|residents|login|logout|scan)")

CACHE_ENTRIES = """async (needles) => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const text = await response.text();
      found.push({ url: request.url, bytes: text.length,
                   hits: needles.filter((needle) => text.includes(needle)) });
    }
  }
  return found;
}"""


def roster(server, used: int):
    """Every resident's ID number and phone, and the names of the first `used` (the ones we scan)."""
    app = server.app()
    with app.app_context():
        people = db.session.scalars(select(Person).where(Person.in_roster.is_(True))
                                    .order_by(Person.id)).all()
        rows = [(p.doc_number, p.phone, p.name) for p in people]
        db.engine.dispose()
    return rows[:used], rows


def switch_user(page, server, username):
    """Log in as someone else on the same phone (the login form, not the header's logout)."""
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#pin", DEMO_PIN)
    page.click("main button[type=submit]")
    page.wait_for_url(server.url + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")


def gate_shift(page, numbers):
    """Each resident through the gate, in, at 36.5 (typed into the field: the stores are under
    test, not the wedge); waits for each 已保存."""
    for number in numbers:
        before = saved_count(page)
        scan(page, number, wedge=False)
        page.click("#dir-in")
        page.click(".preset[data-t='36.5']")  # saves the passage
        wait_saved(page, before)


def open_sampling_as_clerk(page, server):
    """The clerk logs in on the same phone and opens the sampling point's screen."""
    switch_user(page, server, "clerk")
    page.goto(f"{server.url}/sampling/{site_id(server)}")
    wait_sampling_ready(page)


def fill_tube(page, tube, numbers):
    """A tube, then the residents, scanned into it; waits until the screen counts them."""
    page.focus("#scan")
    for text in [tube, *numbers]:
        page.keyboard.type(text, delay=1)
        page.keyboard.press("Enter")
    page.wait_for_function("(n) => document.getElementById('tube-count').textContent === `${n}/10`",
                           arg=len(numbers))


def test_no_cache_entry_holds_personal_data(page, context, live_server):
    used, everyone = roster(live_server, 3)
    assert len(everyone) > 100 and all(number and phone for number, phone, _name in everyone)

    def counts():  # the demo holds passages and samples of its own
        return [live_server.query(f"SELECT count(*) FROM {table}")[0][0] for table in ("gate_entry", "sample")]

    at_start = counts()
    # A volunteer's gate shift, offline, with residents of the roster.
    open_gate(page, live_server)
    context.set_offline(True)
    gate_shift(page, [number for number, _phone, _name in used])
    page.reload()  # the gate screen from the cache, offline
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)

    # A clerk's sampling screen: a tube and the same residents.
    open_sampling_as_clerk(page, live_server)
    fill_tube(page, TUBE, [number for number, _phone, _name in used])
    page.click("#st-sync")
    wait_drained(page)

    # A supervisor's pages, every one of the menu.
    switch_user(page, live_server, "supervisor")
    page.goto(live_server.url + "/supervisor/board")
    links = page.locator("nav.subnav a").evaluate_all("(links) => links.map((a) => a.href)")
    assert len(links) >= 7
    for link in links:
        page.goto(link)

    assert counts() == [at_start[0] + 3, at_start[1] + 3]
    needles = [n for number, phone, _name in everyone for n in (number, phone)]
    needles += [name for _number, _phone, name in used if name]
    entries = page.evaluate(CACHE_ENTRIES, needles)
    urls = [re.sub(r"^https?://[^/]+", "", e["url"]) for e in entries]
    assert "/shell/gate" in urls and "/shell/sampling" in urls  # the check saw the real caches
    assert sum(e["bytes"] for e in entries) > 1_000_000  # the .wasm and the scripts were read
    assert [e for e in entries if e["hits"]] == []
    assert [u for u in urls if PERSONAL_PATHS.match(u.split("?")[0])] == []
