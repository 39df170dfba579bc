"""Every tappable element of the gate screen is at least 44x44 CSS px (a gloved thumb), in each
state a volunteer meets: ready, keypad, a fever alert, a question, the more sheet with a visitor,
the camera refused (its fallback), and the status bar with a notice and records needing
attention. Also: the screen never scrolls sideways at 360 px."""
from tests.records import valid_id

from .gate_helpers import open_gate, scan, type_temperature

MIN = 44
TAPPABLE = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, label.btn, [role=button], summary')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'
                  && !el.closest('.visually-hidden') && !el.classList.contains('visually-hidden'))
  .map((el) => { const r = el.getBoundingClientRect();
                 return {what: el.id || el.textContent.trim().slice(0, 12) || el.outerHTML.slice(0, 40),
                         width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}; })"""


def too_small(page, state, seen):
    found = page.evaluate(TAPPABLE)
    assert found, f"nothing tappable found in state {state}"
    seen.update(f"{state}:{f['what']}" for f in found)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, state
    return [f"{state}: {f}" for f in found if f["width"] < MIN or f["height"] < MIN]


def test_every_tappable_element_of_the_gate_screen_is_at_least_44px(page, live_server):
    open_gate(page, live_server)
    # A record the server refused: the status bar links to the attention page.
    page.evaluate("""async () => {
        const db = await import('/client/offline/db.js');
        const session = await import('/client/offline/session.js');
        const me = await session.current();
        await db.outboxApply([], [{id: 'x-refused', seq: 999, type: 'gate_entry', recorded_at: '2022-05-06T08:00:00+08:00',
            data: {}, user_id: me.user_id, device_id: me.device_id, state: 'rejected',
            error: {code: 'invalid_field', message: 'x', field: null}, created: Date.now()}]);
        dispatchEvent(new Event('outbox-changed')); }""")
    page.wait_for_function("() => document.body.dataset.attention === '1'")
    page.context.set_offline(True)  # nothing is sent; the storage notice shows while records wait
    small, seen = [], set()
    small += too_small(page, "ready", seen)

    scan(page, valid_id(1))
    page.wait_for_function("() => document.getElementById('outcome').dataset.tone === 'person'")
    type_temperature(page, "38.5")
    small += too_small(page, "keypad", seen)
    page.click("#save")
    page.locator("#fever-alert").wait_for()
    small += too_small(page, "fever", seen)
    page.click("#turn-back")
    page.wait_for_function("() => document.getElementById('fever-alert').hidden")

    scan(page, valid_id(2))
    scan(page, valid_id(3))
    page.locator("#ask").wait_for()
    small += too_small(page, "ask", seen)
    page.click("#ask-drop")  # the second one is the passage now
    page.wait_for_function("() => document.getElementById('ask').hidden")

    page.click("#unidentified")  # "no ID" does not drop the unsaved passage either: it asks
    page.locator("#ask").wait_for()
    page.click("#ask-drop")
    page.click("#more")
    page.locator("#visitor").wait_for()
    small += too_small(page, "more", seen)
    page.click("#more-done")

    page.click("#camera-toggle")  # no camera permission in this context: the fallback shows
    page.wait_for_function("() => document.querySelector('.scanner')?.dataset.state === 'fallback'")
    small += too_small(page, "camera-refused", seen)

    # The measure saw what matters (the brand link, logout, the status bar, each state's buttons).
    for needed in ("ready:防疫登记", "ready:退出", "ready:st-sync", "ready:st-attention-link", "ready:×",
                   "ready:scan", "ready:camera-toggle", "ready:more", "keypad:save", "fever:remeasure",
                   "fever:turn-back", "ask:ask-keep", "more:visitor-name", "more:more-done",
                   "camera-refused:拍照识别"):
        # (offline, an online-only control carries its reason after its name: 退出需联网)
        assert any(what.startswith(needed) for what in seen), f"{needed} was not measured"
    assert small == []
