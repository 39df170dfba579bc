"""scanner/client/wedge.js on a slow phone: 4x CPU throttle, the page's main thread busy in long
tasks, keys arriving late. Every scan arrives whole and in order, wherever the focus is (the
scan field, a button just tapped, nothing); a first key that comes well before the rest (a
Bluetooth scanner waking up) still belongs to its scan; a scanner's burst typed into another
field (a plate) is taken back out of it and that field is left as it was."""
from tests.records import valid_id

from .gate_helpers import open_gate
from .wedge import Scanner

THROTTLE = 4
BUSY = """() => { window.busy = setInterval(() => {  // long tasks, as on a cheap phone under load
    const t = performance.now(); while (performance.now() - t < 120) {} }, 200); }"""
LISTEN = """() => { window.scans = [];
    document.getElementById('gate').addEventListener('scan', (e) => scans.push([e.detail.text, e.detail.source]), true); }"""


def test_wedge_scans_arrive_whole_and_in_order_on_a_throttled_busy_page(page, context, live_server):
    cdp = context.new_cdp_session(page)
    page.on("framenavigated", lambda frame: frame == page.main_frame
            and cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE}))
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    open_gate(page, live_server)
    page.evaluate(LISTEN)
    page.evaluate(BUSY)
    scanner = Scanner(page)
    codes = [valid_id(n) for n in range(12)] + ["CP1:" + "aB3-_x" * 6 + "Zz", "TB20220506A1"]
    sent = []
    for i, code in enumerate(codes):
        if i % 3 == 0:
            page.locator("#scan").focus()  # the field itself
        elif i % 3 == 1:
            page.locator("#dir-in").focus()  # a button the volunteer just tapped
        else:
            page.evaluate("() => document.activeElement.blur()")  # nothing
        if i % 2:
            page.keyboard.type(code, delay=0)  # keys as fast as the harness can send them
            page.keyboard.press("Enter")
        else:
            scanner.scan(code, first_key_late_ms=300 if i % 4 == 0 else 0)
        sent.append(code)
    page.wait_for_function("(n) => window.scans.length >= n", arg=len(sent))
    assert [text for text, _source in page.evaluate("() => scans")] == sent
    assert page.input_value("#scan") == ""

    # A scanner's burst into the plate field: taken out and sent as a scan; the plate is kept.
    page.evaluate("() => { scans.length = 0; }")
    page.click("#more")
    page.fill("#plate", "京A")
    page.locator("#plate").focus()
    scanner.scan(valid_id(20))
    page.wait_for_function("() => window.scans.length === 1")
    assert page.evaluate("() => scans") == [[valid_id(20), "wedge"]]
    assert page.input_value("#plate") == "京A"
    # A person typing into the plate field keeps what they type (and no scan is made).
    page.keyboard.type("12345", delay=150)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('plate').value === '京A12345'")
    assert page.evaluate("() => scans.length") == 1
