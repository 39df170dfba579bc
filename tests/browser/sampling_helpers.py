"""Steps of the sampling screen as a clerk does them, and what the clerk sees, for the tests of
issue 14 (one resident by QR code and by ID card, refused codes, the camera)."""
import os
import statistics

from sqlalchemy import select

from .conftest import login

SCAN_DELAY_MS = 3  # a keyboard-wedge scanner types fast, key by key, then Enter
# Everything a gloved thumb can tap on the sampling screen (the hidden file input of the
# camera's photo button is tapped through its label).
TAPPABLE = """() => [...document.querySelectorAll(
    '#sampling button, #sampling a[href], #sampling input:not(.visually-hidden), #sampling select,'
    + ' #sampling summary, #sampling label.btn')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => { const r = e.getBoundingClientRect();
    return { what: e.id || e.className || e.tagName, text: e.textContent.trim().slice(0, 24),
             w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10 }; })"""
OUTCOME = """() => { const r = document.getElementById('feedback').getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, scrollY: scrollY, height: innerHeight,
           wide: document.documentElement.scrollWidth }; }"""


def site_id(server, code="S1") -> int:
    return server.query("SELECT id FROM site WHERE code = :code", code=code)[0][0]


def open_point(page, server, throttle=None):
    """Log in online and open the sampling screen; with `throttle`, the CPU runs that much
    slower on every page (BROWSER-TESTS.md §8: re-applied after each navigation)."""
    if throttle:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.on("framenavigated", lambda frame: frame == page.main_frame and cdp.send(
            "Emulation.setCPUThrottlingRate", {"rate": throttle}))
    login(page, server, "clerk")
    site = site_id(server)
    page.goto(f"{server.url}/sampling/{site}")
    wait_ready(page)
    return site


def wait_ready(page):
    page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")


def said(page) -> int:
    return int(page.locator("#feedback").get_attribute("data-count") or 0)


def scan(page, text):
    """A wedge scan: the code typed key by key into the focused scan field, then Enter; returns
    (class, text) of the outcome the screen shows for it."""
    before = said(page)
    page.focus("#scan")
    page.keyboard.type(text, delay=SCAN_DELAY_MS)
    page.keyboard.press("Enter")
    page.wait_for_function("(n) => Number(document.getElementById('feedback').dataset.count || 0) > n"
                           " || !document.getElementById('ask').hidden", arg=before)
    return outcome(page)


def outcome(page):
    return page.locator("#feedback").get_attribute("class"), page.locator("#feedback").inner_text()


def assert_outcome_in_view(page):
    """The outcome is on the screen as it is: nothing scrolled, nothing off the bottom or sideways."""
    box = page.evaluate(OUTCOME)
    assert box["scrollY"] == 0 and box["top"] >= 0 and box["bottom"] <= box["height"], box
    assert box["wide"] <= 360, box


def count(page) -> str:
    return page.locator("#tube-count").inner_text()


def wait_count(page, expected):
    page.wait_for_function("(c) => document.getElementById('tube-count').textContent === c", arg=expected)


def small_targets(page):
    """Tappable elements of the screen smaller than 44x44 CSS px."""
    return [e for e in page.evaluate(TAPPABLE) if e["w"] < 44 or e["h"] < 44]


def shots_dir(tmp_path):
    """Where screenshots go: CHECKPOINT_SCREENSHOTS to keep them, else the test's tmp folder."""
    folder = os.environ.get("CHECKPOINT_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        return folder
    return str(tmp_path)


def residents_with_codes(server, n):
    """Give n roster residents a personal code (as /people/codes does): [(doc_number, code, id)],
    plus a code signed by this server that nobody holds (reissued, or printed for a purged row)."""
    from server.extensions import db
    from server.models import Person
    from server.residents.personal_codes import ensure_code, new_token, payload

    with server.app().app_context():
        people = db.session.scalars(select(Person).where(Person.in_roster.is_(True))
                                    .order_by(Person.id).limit(n)).all()
        made = [(p.doc_number, payload(ensure_code(p)), p.id) for p in people]
        db.session.commit()
        return made, payload(new_token())


def figures(page, name):
    durations = sorted(page.evaluate("(n) => performance.getEntriesByName(n).map((e) => e.duration)", name))
    return (len(durations), statistics.median(durations), durations[max(0, int(0.95 * len(durations)) - 1)])
