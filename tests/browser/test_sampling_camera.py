"""The sampling screen opens a tube from the camera, offline, and the tube reaches the server.

The camera is Chromium's fake capture device filming a Code 128 tube label (the fixture and
label come from test_scanning.py). The camera's read goes the wedge's way: classified, then
written to the outbox as a tube_open record.
"""
from .conftest import MOBILE, login
from .fake_camera import filming, qr_frame
from .test_sampling import wait_server
from .test_scanning import TUBE, camera_browser  # noqa: F401  (camera_browser is a fixture)


def test_a_tube_is_opened_by_camera_offline_and_synced_once_online(camera_browser, live_server):  # noqa: F811
    context = camera_browser.new_context(**MOBILE, permissions=["camera"])
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    login(page, live_server, "clerk")
    site_id = live_server.query("SELECT id FROM site WHERE code = 'S1'")[0][0]
    # The page fetches the decoder while online, so the camera works once the network is gone.
    with page.expect_response(lambda r: r.url.endswith("/static/vendor/zxing_reader.wasm")) as wasm:
        page.goto(f"{live_server.url}/sampling/{site_id}")
    assert wasm.value.ok
    page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
    context.set_offline(True)

    page.get_by_role("button", name="打开相机扫码").click()
    page.wait_for_function("([tube]) => document.getElementById('tube-barcode').textContent === tube",
                           arg=[TUBE])
    assert "已开管" in page.locator("#feedback").inner_text()
    assert page.locator("#tube-count").inner_text() == "0/10"
    assert page.locator(f"#my-tubes li[data-tube='{TUBE}']").count() == 1
    page.get_by_role("button", name="关闭相机").click()
    assert all(url.startswith(live_server.url) for url in requested), requested

    context.set_offline(False)
    assert wait_server(live_server, "SELECT barcode, status FROM tube", [(TUBE, "open")]) == [(TUBE, "open")]
    context.close()


def test_a_qr_held_close_is_read_once_and_the_outcome_stays_in_view(browser_type, browser_type_launch_args,
                                                                    live_server, tmp_path):
    from .sampling_helpers import (assert_outcome_in_view, residents_with_codes, said, scan, shots_dir,
                                   small_targets)

    ((number, code, person_id),), _stray = residents_with_codes(live_server, 1)
    # Held close: the code fills most of the frame's height.
    with filming(browser_type, browser_type_launch_args, qr_frame(code, side=640), tmp_path) as browser:
        context = browser.new_context(**MOBILE, permissions=["camera"])
        page = context.new_page()
        login(page, live_server, "clerk")
        site_id = live_server.query("SELECT id FROM site WHERE code = 'S1'")[0][0]
        page.goto(f"{live_server.url}/sampling/{site_id}")
        page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
        assert scan(page, "T2022051402")[1] == "已开管 T2022051402"
        # A person comes next: the frame is a square that a QR code fits, not a 1D band.
        assert page.locator(".scanner").get_attribute("data-frame") == "square"

        start = page.get_by_role("button", name="打开相机扫码")
        box = start.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740 and box["height"] >= 44  # no scrolling to it
        before = said(page)
        start.click()
        page.wait_for_function("() => document.getElementById('tube-count').textContent === '1/10'")
        assert page.locator("#feedback").inner_text() == "已保存：第 1/10 位"
        assert said(page) == before + 1
        # The outcome is above the open camera, in view, nothing scrolled.
        assert page.locator(".scanner-view").is_visible()
        assert_outcome_in_view(page)
        assert small_targets(page) == []
        page.screenshot(path=f"{shots_dir(tmp_path)}/sampling-camera-qr.png")

        # The code stays in front of the camera for well over the 2 s repeat window: nothing
        # more happens (no second sample, no "already in this tube", no error beep).
        frames = int(page.locator(".scanner").get_attribute("data-frames"))
        page.wait_for_function("(n) => Number(document.querySelector('.scanner').dataset.frames) >= n",
                               arg=frames + 50, timeout=30_000)
        assert said(page) == before + 1
        assert page.locator("#feedback").get_attribute("class") == "feedback ok"
        assert page.locator("#tube-count").inner_text() == "1/10"
        page.get_by_role("button", name="关闭相机").click()

        rows = wait_server(live_server, "SELECT person_id FROM sample", [(person_id,)])
        assert rows == [(person_id,)]
        assert live_server.query("SELECT count(*) FROM flag") == [(0,)]
        assert number not in page.content()
        context.close()
