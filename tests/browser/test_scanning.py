"""Scanning in a real Chromium: a fake camera showing a tube label, a refused camera, a wedge scanner.

The camera is Chromium's fake capture device playing a one-frame Y4M of a Code 128 label made
with zxing-cpp's writer (BROWSER-TESTS.md §7). The network is cut after the page loaded, so the
decoder (the barcode-detector polyfill's .wasm) must come from our server, not a CDN.
"""

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from .conftest import MOBILE, login
from .fake_camera import filming
from .wedge import Scanner

TUBE = "TB20220506A1"


def label_image(text: str, size=(1280, 720)) -> Image.Image:
    """A white frame with a Code 128 label in the middle, as a camera would see it close up."""
    bars = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_image(scale=3, add_quiet_zones=True)
    bars = Image.fromarray(np.asarray(bars, dtype=np.uint8))
    bars = bars.resize((bars.width, 160), Image.NEAREST)  # a label's bars are tall
    frame = Image.new("L", size, 255)
    frame.paste(bars, ((size[0] - bars.width) // 2, (size[1] - bars.height) // 2))
    return frame.convert("RGB")


@pytest.fixture(scope="module")
def camera_browser(browser_type, browser_type_launch_args, tmp_path_factory):
    """Chromium whose camera films a tube label (granted per context with permissions)."""
    with filming(browser_type, browser_type_launch_args, label_image(TUBE),
                 tmp_path_factory.mktemp("camera")) as browser:
        yield browser


# When each read entered the scan log, by the page's clock (a read is logged in the frame's own
# task, so within a few ms of the camera's guard timing it).
LOG_TIMES = """() => { window.loggedAt = [];
    const log = document.getElementById('scan-log');
    new MutationObserver(() => { while (loggedAt.length < log.children.length) loggedAt.push(performance.now()); })
      .observe(log, { childList: true }); }"""
REPEAT_MS = 2000  # scanner/client/read-guard.js REPEAT_IGNORE_MS


def open_scan_page(context, server):
    """Log in, open /scan and wait until the decoder's .wasm has been fetched from us."""
    page = context.new_page()
    login(page, server, "clerk")
    with page.expect_response(lambda r: r.url.endswith("/static/vendor/zxing_reader.wasm")) as wasm:
        page.goto(server.url + "/scan")
    assert wasm.value.ok
    return page


def test_a_tube_is_read_by_camera_with_the_network_off(camera_browser, live_server):
    context = camera_browser.new_context(**MOBILE, permissions=["camera"])
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = open_scan_page(context, live_server)
    context.set_offline(True)
    page.evaluate(LOG_TIMES)

    page.get_by_role("button", name="打开相机扫码").click()
    read = page.locator("#scan-log li").first
    read.wait_for()
    assert (read.get_attribute("data-text"), read.get_attribute("data-source"),
            read.get_attribute("data-kind")) == (TUBE, "camera", "tube")
    assert "有效" in read.inner_text()
    # The label stays in view: while the camera decodes it on 15 more frames, it is not added
    # again within 2 s of its read (by the page's clock, however slow the machine).
    frames = int(page.locator(".scanner").get_attribute("data-frames"))
    page.wait_for_function("(n) => Number(document.querySelector('.scanner').dataset.frames) >= n",
                           arg=frames + 15)
    logged = page.evaluate("() => window.loggedAt")
    assert logged and [at - logged[0] for at in logged[1:] if at - logged[0] < REPEAT_MS - 100] == []
    # Nothing was fetched from anywhere but our server.
    assert all(url.startswith(live_server.url) for url in requested), requested

    # Hiding the screen turns the camera off.
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_function("() => !document.querySelector('.scanner-video').srcObject")
    assert page.locator(".scanner").get_attribute("data-state") == "stopped"
    context.close()


def test_a_refused_camera_says_why_then_a_photo_or_typing_works(camera_browser, live_server, tmp_path):
    context = camera_browser.new_context(**MOBILE)  # camera permission not granted
    page = open_scan_page(context, live_server)
    context.set_offline(True)

    page.get_by_role("button", name="打开相机扫码").click()
    message = page.locator(".scanner-message")
    message.wait_for()
    page.wait_for_function("() => document.querySelector('.scanner').dataset.state === 'fallback'")
    assert "相机权限被拒绝" in message.inner_text()

    # Fallback 1: a photo, decoded in the browser (offline).
    photo = tmp_path / "label.jpg"
    label_image(TUBE, (1600, 1200)).save(photo, quality=90)
    page.set_input_files("input[data-scanner-photo]", str(photo))
    read = page.locator("#scan-log li[data-source=photo]")
    read.wait_for()
    assert read.get_attribute("data-text") == TUBE

    # Fallback 2: typing the code.
    page.fill(".scanner-manual-input", "11010519491231002X")
    page.get_by_role("button", name="确定").click()
    typed = page.locator("#scan-log li[data-source=manual]")
    assert typed.get_attribute("data-kind") == "id_number"
    context.close()


def test_a_wedge_scanner_is_told_apart_from_typing(page, live_server):
    login(page, live_server, "clerk")
    page.goto(live_server.url + "/scan")
    page.context.set_offline(True)
    page.evaluate("""() => {
        const input = document.createElement("input");
        input.id = "other";
        document.querySelector("main").prepend(input);
        input.focus();
    }""")

    # A scanner gun: 5 ms between keys, then Enter. Read as a scan; nothing lands in the field.
    Scanner(page).scan(TUBE)
    read = page.locator("#scan-log li[data-source=wedge]")
    read.wait_for()
    assert read.get_attribute("data-text") == TUBE and read.get_attribute("data-kind") == "tube"
    assert page.input_value("#other") == ""

    # A person typing (150 ms apart): it all goes into the field, and no scan is made.
    page.keyboard.type("AB12CD34", delay=150)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#other').value === 'AB12CD34'")
    assert page.locator("#scan-log li").count() == 1
    assert page.evaluate("() => document.activeElement.id") == "other"
