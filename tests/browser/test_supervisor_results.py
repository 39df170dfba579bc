"""A supervisor imports a lab file on a phone-sized screen: preview, confirm, retest list."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.sampling.demo import generate_sampling_day, tube_barcode
from server.extensions import db
from server.models import Community
from tests.factories_supervisor import lab_csv

from .conftest import login

DAY = date(2022, 5, 6)


@pytest.fixture(params=["http", "https"])
def served(request):
    """Plain HTTP on loopback, and HTTPS through the proxy as phones on the network use it."""
    return request.getfixturevalue("live_server" if request.param == "http" else "https_server")


def test_supervisor_imports_results_and_reveals_a_phone(page, served, tmp_path):
    live_server = served
    app = live_server.app()
    with app.app_context():
        demo = db.session.scalar(select(Community).where(Community.code == "demo"))
        generate_sampling_day(demo, DAY, tubes=100)
        db.session.commit()
        db.engine.dispose()
    rows = [(tube_barcode(DAY, n), "阴性", "") for n in range(1, 101)]
    rows[6] = (tube_barcode(DAY, 7), "阳性", "2022-05-06 16:00")
    rows.append(("TUNKNOWN1", "阴性", ""))
    lab = tmp_path / "结果.csv"
    lab.write_bytes(lab_csv(rows, header=("试管编码", "检测结果", "报告时间"), encoding="gbk"))
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(page, live_server, "supervisor")
    page.click("text=检测结果")
    page.set_input_files("#file", str(lab))
    page.click("text=上传并预览")
    facts = page.locator("#preview-facts").inner_text()
    assert "TUNKNOWN1" in facts and "10\n人将加入复核名单" in facts.replace(" 人", "\n人")
    page.click("text=确认导入")
    page.wait_for_selector("#import-summary")
    expect(page.locator("#import-progress")).to_contain_text("101 / 101")
    page.click("text=打开复核名单")
    expect(page.locator("tr.status-pending")).to_have_count(10)  # once the list has loaded
    first = page.locator("tr.status-pending").first
    masked = first.locator("[id^=phone-]").inner_text()
    assert "****" in masked
    first.locator("text=显示电话").click()
    # htmx swaps the number in; tapped before htmx has loaded, the form posts and the list
    # reloads with it shown: either way the first row ends up showing the whole number.
    expect(first.locator(".revealed")).to_have_text(re.compile(r"^\d{11}$"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.goto(live_server.url + "/supervisor/board")
    assert page.locator("#board").get_attribute("hx-trigger") == "every 30s"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert not errors, errors  # no script failed on any of these pages
    audit = live_server.query("SELECT count(*) FROM audit_event WHERE action = 'reveal_phone'")
    assert audit[0][0] == 1
