"""A resident registers on a phone, shows the reference and the ID card to a worker, who confirms
on another phone by typing the card's number; the resident's page then shows the code to save.
A supervisor maps a door sensor on a phone-sized page. All at 360 x 740 in zh-CN."""
from tests.browser.conftest import MOBILE, login

NUMBER = "310104198001011239"  # a Shanghai number: not in the demo roster


def fits(page):
    """No sideways scroll at 360 px."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def in_view(locator, page):
    box = locator.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"], box


def test_a_resident_registers_a_worker_confirms_and_the_code_can_be_saved(page, browser, live_server, tmp_path):
    page.goto(live_server.url + "/register?c=demo")
    page.fill("#name", "王小明")
    page.fill("#doc_number", NUMBER)
    page.fill("#phone", "13912345678")
    page.fill("#building", "1-1")
    page.get_by_role("button", name="领取我的码").click()
    page.wait_for_url(live_server.url + "/register/*")
    reference = page.locator("#reference")
    reference.wait_for()
    page.screenshot(path=str(tmp_path / "registered.png"))
    assert "登记已收到" in page.content() and page.locator(".qr-card img").count() == 0
    in_view(reference, page)  # the reference is readable without scrolling
    fits(page)
    text = reference.inner_text().strip()

    # The worker's phone: the supervisor finds the registration and types the card's number.
    worker = browser.new_context(**MOBILE)
    desk = worker.new_page()
    login(desk, live_server, "supervisor")
    desk.goto(live_server.url + "/people/registrations?q=" + text)
    row = desk.locator(".registrations li").first
    assert text in row.inner_text() and "王*明" in row.inner_text() and NUMBER not in desk.content()
    row.locator("input[name=doc_number]").fill("310104198001011230")  # misread: refused
    row.get_by_role("button", name="确认并发放个人码").click()
    desk.locator(".error").wait_for()
    assert "不符" in desk.locator(".error").inner_text()
    row = desk.locator(".registrations li").first
    row.locator("input[name=doc_number]").fill(NUMBER)
    row.get_by_role("button", name="确认并发放个人码").click()
    desk.wait_for_url(live_server.url + "/people/registrations")
    desk.screenshot(path=str(tmp_path / "confirmed.png"))
    fits(desk)
    worker.close()

    page.reload()
    qr = page.locator(".qr-card img")
    qr.wait_for()
    assert page.evaluate("() => document.querySelector('.qr-card img').naturalWidth") > 100  # CSP let it load
    fits(page)
    page.screenshot(path=str(tmp_path / "code.png"))
    with page.expect_download() as download:
        page.get_by_role("link", name="保存为图片").click()
    assert download.value.suggested_filename == "checkpoint-code.png"
    rows = live_server.query("SELECT personal_code, in_roster FROM person WHERE personal_code IS NOT NULL")
    assert [(len(token), bool(in_roster)) for token, in_roster in rows] == [(38, False)]


def test_a_supervisor_maps_a_door_sensor_on_a_phone(page, live_server, tmp_path):
    login(page, live_server, "supervisor")
    page.goto(live_server.url + "/ledgers/doors")
    household = live_server.query(
        "SELECT building, unit, room FROM person WHERE in_roster AND room IS NOT NULL ORDER BY id LIMIT 1")[0]
    page.fill("#sensor-id", "MC-TYPO")
    page.fill("#sensor-building", household[0])
    page.fill("#sensor-unit", "0" + (household[1] or ""))
    page.fill("#sensor-room", household[2])
    page.get_by_role("button", name="添加或移动门磁").click()
    error = page.locator("#doors-error")
    error.wait_for()
    assert "没有" in error.inner_text()
    page.screenshot(path=str(tmp_path / "doors-error.png"))
    page.fill("#sensor-unit", household[1] or "")
    page.get_by_role("button", name="添加或移动门磁").click()
    page.locator("#sensors li", has_text="MC-TYPO").wait_for()
    fits(page)
    page.screenshot(path=str(tmp_path / "doors.png"), full_page=True)
