"""The sampling screen's "today" is the community's day in the server's zone (DISPLAY_TIMEZONE,
Asia/Shanghai here), not the phone's date: a clerk's phone left on UTC opens a tube at 07:30 in
Shanghai (23:30 UTC, the day before by the phone's date); at 08:30 (00:30 UTC, a new day by the
phone's date) the tube is still on the screen, and at 00:30 the next night (16:30 UTC, the same
date by the phone's) it has gone with Shanghai's day."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .conftest import MOBILE, login
from .sampling_helpers import scan, site_id, wait_ready

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUBE = "T2022050601"
MY_TUBES = "() => [...document.querySelectorAll('#my-tubes li')].map((li) => li.dataset.tube)"


def at(day, hour, minute):
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def test_a_phone_on_utc_counts_its_tubes_by_shanghais_day(browser, live_server, tmp_path):
    # Tomorrow in Shanghai: near the server's own time (the phone's token and records stay
    # current), with the day's edges where the test wants them.
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    context = browser.new_context(**MOBILE, timezone_id="UTC", service_workers="block")
    try:
        context.clock.set_fixed_time(at(day, 7, 30))
        page = context.new_page()
        login(page, live_server, "clerk")
        page.goto(f"{live_server.url}/sampling/{site_id(live_server)}")
        wait_ready(page)
        # The phone's own zone is UTC; the page names the server's.
        assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
        assert page.evaluate("() => document.documentElement.dataset.zone") == "Asia/Shanghai"
        scan(page, TUBE)
        page.wait_for_function(f"() => ({MY_TUBES})().includes('{TUBE}')")

        # 08:30 in Shanghai, 00:30 UTC: the phone's date has turned, Shanghai's has not.
        context.clock.set_fixed_time(at(day, 8, 30))
        page.reload()
        wait_ready(page)
        assert page.evaluate(MY_TUBES) == [TUBE]
        assert page.locator("#tube-barcode").inner_text() == TUBE
        row = page.locator(f"#my-tubes li[data-tube='{TUBE}']").bounding_box()
        assert row["x"] >= 0 and row["x"] + row["width"] <= 360
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "sampling-day-0830.png"), full_page=True)

        # 00:30 the next night in Shanghai, 16:30 UTC: the same date on the phone, a new day
        # in Shanghai: yesterday's tube leaves the screen.
        context.clock.set_fixed_time(at(day + timedelta(days=1), 0, 30))
        page.reload()
        wait_ready(page)
        assert page.evaluate(MY_TUBES) == []
        assert page.locator("#tube-barcode").inner_text() == "—"
        page.screenshot(path=str(tmp_path / "sampling-day-next.png"), full_page=True)
    finally:
        context.close()
