"""Issue 17: a supervisor builds a week's duty roster for two gates on a phone (360×740, zh-CN,
by tap), leaves one night shift with one person and sees it flagged on the board before it
starts; a volunteer opening a gate outside their shift shows as unrostered duty; the week sheet
prints one A4 page per gate (Chromium's own PDF)."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import login
from .gate_helpers import gate_site_id, open_gate

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREWS = {"G3": ["蔡斌", "潘阳", "田甜", "任杰", "姜涛", "范琳"],
         "G4": ["方圆", "石磊", "蔡斌", "潘阳", "田甜", "任杰"]}


def in_view_and_big(page, selector):
    box = page.locator(selector).bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (selector, box)


def build_week(page, server, site, crew, day):
    """3×8 h, 2 people a shift: the template, then day's three shifts by tap, then the week."""
    page.goto(f"{server.url}/supervisor/rosters/{site}?week={day.isoformat()}")
    page.select_option("#r-template", "3x8")
    page.select_option("#r-needed", "2")
    page.fill("#r-start", "0")
    in_view_and_big(page, "#template-form button")
    # Each form posts and the week page loads again: wait for that page, not the one tapped on.
    with page.expect_navigation():
        page.click("#template-form button")
    expect(page.locator(f"#day-{day.isoformat()} .shift-card")).to_have_count(3)
    for i in range(3):
        for name in crew[2 * i:2 * i + 2]:
            card = page.locator(f"#day-{day.isoformat()} .shift-card").nth(i)
            card.locator("form.assign select").select_option(label=name)
            button = card.locator("form.assign button")
            box = button.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44
            with page.expect_navigation():
                button.click()
    staffed = page.locator(f"#day-{day.isoformat()} .shift-card").evaluate_all(
        "(cards) => cards.map((c) => c.dataset.staffed)")
    assert staffed == ["2", "2", "2"]
    with page.expect_navigation():
        page.click(f"#day-{day.isoformat()} form.repeat button")
    all_cards = page.locator(".shift-card").evaluate_all(
        "(cards) => cards.map((c) => [c.dataset.staffed, c.dataset.needed])")
    assert all_cards == [["2", "2"]] * 21
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_a_week_for_two_gates_a_short_night_on_the_board_unrostered_duty_and_the_printed_week(
        page, live_server, tmp_path):
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    sites = {code: gate_site_id(live_server, code) for code in CREWS}
    login(page, live_server, "supervisor")
    for code, site in sites.items():
        build_week(page, live_server, site, CREWS[code], tomorrow)
    page.screenshot(path=str(tmp_path / "week.png"), full_page=False)

    # Tomorrow's night shift at G4 loses one of its two: flagged on the board before it starts.
    night = page.locator(f"#day-{tomorrow.isoformat()} .shift-card").first
    assert night.locator("h3").inner_text().startswith("00:00–08:00")
    with page.expect_navigation():
        night.locator(".shift-people form button").first.click()
    night = page.locator(f"#day-{tomorrow.isoformat()} .shift-card").first
    assert night.get_attribute("data-staffed") == "1" and "short" in night.get_attribute("class")
    page.goto(live_server.url + "/supervisor/board")
    group = page.locator("#group-shift_understaffed")
    assert "值班人数不足的班次" in group.locator("summary").first.inner_text()
    group.evaluate("(d) => { d.open = true; d.querySelectorAll('details').forEach((x) => x.open = true); }")
    items = [t for t in group.locator(".board-item").all_inner_texts() if "G4" in t]
    assert len(items) == 1, group.inner_text()
    assert f"{tomorrow:%m-%d} 00:00–08:00" in items[0] and "已排人数: 1" in items[0] and "需要人数: 2" in items[0]
    assert not [t for t in group.locator(".board-item").all_inner_texts() if "G3" in t]
    page.screenshot(path=str(tmp_path / "board.png"))

    # The week prints one A4 page per gate with shifts that week (the demo's G1 and G2 too).
    page.goto(f"{live_server.url}/supervisor/rosters/print?week={tomorrow.isoformat()}")
    sheets = page.locator(".roster-sheet").count()
    assert sheets >= 2 and page.locator(".roster-sheet", has_text="西苑正门").count() == 1
    pdf = page.pdf(prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == sheets, (pages, sheets)
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}  # A4 in points (595.3 × 841.9)

    # The demo volunteer opens G3 outside any shift of theirs: unrostered duty on the rosters.
    page.context.clear_cookies()
    open_gate(page, live_server, "volunteer", "G3")
    line = page.locator("#gate-duty")
    line.wait_for(state="visible")
    assert "值班" in line.inner_text() and "您不在本班" in line.inner_text()
    box = line.bounding_box()
    assert box["y"] + box["height"] <= page.locator("#outcome").bounding_box()["y"]
    page.context.clear_cookies()
    login(page, live_server, "supervisor")
    page.goto(live_server.url + "/supervisor/rosters/")
    stray = page.locator(f"#gate-{sites['G3']} .unrostered")
    assert stray.count() == 1 and "卡口志愿者" in stray.inner_text() and "未排班在岗" in stray.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
