"""No personal data in any service-worker cache: after a volunteer's offline gate shift, a
clerk's sampling screen and a supervisor's pages, every Cache Storage entry of the phone is read
and none holds a resident's ID number, phone or name, and none is an API or personal page."""
import re

from sqlalchemy import select

from server.extensions import db
from server.models import Person

from .conftest import DEMO_PIN, login, wait_offline_ready
from .gate_helpers import gate_site_id, scan, wait_drained

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


def test_no_cache_entry_holds_personal_data(page, context, live_server):
    used, everyone = roster(live_server, 3)
    assert len(everyone) > 100 and all(number and phone for number, phone, _name in everyone)

    def counts():  # the demo holds passages and samples of its own
        return [live_server.query(f"SELECT count(*) FROM {table}")[0][0] for table in ("gate_entry", "sample")]

    at_start = counts()
    # A volunteer's gate shift, offline, with residents of the roster.
    login(page, live_server, "volunteer")
    page.goto(f"{live_server.url}/gate/{gate_site_id(live_server)}")
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    wait_offline_ready(page, "() => document.getElementById('gate').dataset.ready === '1'")
    context.set_offline(True)
    for number, _phone, _name in used:
        before = int(page.locator("#feedback").get_attribute("data-count") or 0)
        scan(page, number, wedge=False)
        page.click("#dir-in")
        page.click(".preset[data-t='36.5']")  # saves the passage
        page.wait_for_function(f"() => Number(document.getElementById('feedback').dataset.count || 0) > {before}")
    page.reload()  # the gate screen from the cache, offline
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)

    # A clerk's sampling screen: a tube and the same residents.
    switch_user(page, live_server, "clerk")
    point = live_server.query("SELECT id FROM site WHERE code = 'S1'")[0][0]
    page.goto(f"{live_server.url}/sampling/{point}")
    page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
    page.focus("#scan")
    for text in [TUBE] + [number for number, _phone, _name in used]:
        page.keyboard.type(text, delay=1)
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('tube-count').textContent === '3/10'")
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
