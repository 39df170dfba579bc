"""A supervisor goes through the evening review on a phone: the day's counts, yesterday's open
problem carried over, a new problem added, the page printed without its navigation."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.sampling.demo import generate_sampling_day
from server.extensions import db
from server.models import Community
from server.review.demo import DEMO_PROBLEM

from .conftest import login


def test_supervisor_reviews_the_day_adds_a_problem_and_prints(page, live_server):
    app = live_server.app()
    with app.app_context():
        demo = db.session.scalar(select(Community).where(Community.code == "demo"))
        generate_sampling_day(demo, datetime.now(ZoneInfo("Asia/Shanghai")).date(), tubes=2)
        db.session.commit()
        db.engine.dispose()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "supervisor")
    page.goto(live_server.url + "/supervisor/workgroups")
    page.click("nav >> text=复盘整改")
    assert page.locator("#count-samples td").inner_text() == "20"
    assert page.locator("#count-tubes_handed_over td").inner_text() == "2"
    carried = page.locator("#open-problems li", has_text=DEMO_PROBLEM)
    assert "已持续 1 天" in carried.inner_text()

    page.fill("#p-description", "东苑南门登记漏填车牌")
    page.select_option("#p-owner", label="卡口志愿者")
    page.click("text=添加问题")
    added = page.locator("#open-problems li", has_text="东苑南门登记漏填车牌")
    added.wait_for()
    assert "卡口志愿者" in added.inner_text() and "当日新增" in added.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    page.wait_for_load_state("load")  # print.js (a module) has wired the button
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("button[data-print]")
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    assert not page.locator("nav.subnav").is_visible() and not page.locator("#add-problem").is_visible()
    assert not page.locator("header.topbar").is_visible()
    assert page.locator("#review-counts").is_visible() and page.locator("#open-problems").is_visible()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert errors == []
