"""The sampling screen opens a tube from the camera, offline, and the tube reaches the server.

The camera is Chromium's fake capture device filming a Code 128 tube label (the fixture and
label come from test_scanning.py). The camera's read goes the wedge's way: classified, then
written to the outbox as a tube_open record.
"""
from .conftest import MOBILE, login
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
                           arg=[TUBE], timeout=10_000)
    assert "已开管" in page.locator("#feedback").inner_text()
    assert page.locator("#tube-count").inner_text() == "0/10"
    assert page.locator(f"#my-tubes li[data-tube='{TUBE}']").count() == 1
    page.get_by_role("button", name="关闭相机").click()
    assert all(url.startswith(live_server.url) for url in requested), requested

    context.set_offline(False)
    assert wait_server(live_server, "SELECT barcode, status FROM tube", [(TUBE, "open")]) == [(TUBE, "open")]
    context.close()
