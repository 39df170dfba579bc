"""A clerk logs in on a 360 px phone screen that speaks Chinese."""
from .conftest import login


def test_clerk_logs_in_on_a_small_phone_in_chinese(page, live_server):
    page.goto(live_server.url + "/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    # Nothing overflows sideways at 360 px, and the buttons are big enough for gloves.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.locator("button[type=submit]").bounding_box()["height"] >= 48

    page.fill("#username", "clerk")
    page.fill("#pin", "000000")
    page.click("button[type=submit]")
    assert "用户名或 PIN 码错误" in page.locator(".error").inner_text()

    login(page, live_server, "clerk")
    assert "示范社区" in page.locator("h1").inner_text()
    assert "采样录入员" in page.content()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
