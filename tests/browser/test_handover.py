"""Last-resort hand-over, end to end in Chromium (issue 15): a volunteer's phone that cannot
reach the server exports its waiting records as one encrypted file from the attention page; a
supervisor imports it on the hand-over page (same per-record results as a sync); when the phone
reaches the server again, its sync answers `duplicate` for each record and nothing is stored
twice."""
import json

from playwright.sync_api import expect

from tests.records import valid_id

from .conftest import login
from .gate_helpers import open_gate, saved_count, scan, wait_drained, wait_saved

LISTEN = """async () => {
  window.__results = [];
  const { events } = await import('/client/offline/sync.js');
  events.addEventListener('results', (e) => window.__results.push(...e.detail.results));
}"""


def test_an_exported_file_imports_on_the_server_and_a_later_sync_is_duplicate(
        page, context, browser, live_server, tmp_path):
    open_gate(page, live_server)  # online once: the phone keeps the server's hand-over key
    context.set_offline(True)  # then the server is out of reach
    numbers = [valid_id(4000 + n) for n in range(3)]
    for number in numbers:
        before = saved_count(page)
        scan(page, number, wedge=False)
        page.click("#dir-in")
        page.click(".preset[data-t='36.5']")
        wait_saved(page, before)

    page.goto(live_server.url + "/offline/attention")  # from the cache
    button = page.locator("#handover-export")
    page.wait_for_function("() => document.getElementById('handover-export').textContent.includes('3')")
    assert button.inner_text() == "导出交接文件（3 条记录）"
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    with page.expect_download() as download:
        button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("checkpoint-handover-") and path.suffix == ".json"
    status = page.locator("#handover-status")
    status.wait_for()
    page.wait_for_function("() => document.getElementById('handover-status').textContent.includes('已导出 3 条')")
    page.screenshot(path=str(live_server.workdir / "handover-export.png"))
    raw = path.read_bytes()
    assert json.loads(raw)["count"] == 3
    assert not [n for n in numbers if n.encode() in raw]
    expect(page.locator("body")).to_have_attribute("data-pending", "3")  # still on the phone

    # A supervisor imports it on another phone.
    office = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    desk = office.new_page()
    login(desk, live_server, "supervisor")
    desk.goto(live_server.url + "/supervisor/handover")
    desk.set_input_files("#file", str(path))
    desk.click("main button[type=submit]")
    desk.locator(".handover-results").wait_for()
    rows = desk.locator(".handover-results tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).get_attribute("data-status") for i in range(3)] == ["accepted"] * 3
    assert "已接收 3 条" in desk.locator(".handover-counts").inner_text()
    assert all("已接收" in rows.nth(i).inner_text() for i in range(3))
    desk.screenshot(path=str(live_server.workdir / "handover-import.png"), full_page=True)
    office.close()
    assert live_server.query("SELECT count(*) FROM gate_entry WHERE person_id IS NOT NULL")[0][0] == 3

    # The phone reaches the server again: each record is a duplicate, nothing twice.
    page.evaluate(LISTEN)
    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)
    page.wait_for_function("() => window.__results.length >= 3")
    assert [r["status"] for r in page.evaluate("() => window.__results")] == ["duplicate"] * 3
    assert live_server.query("SELECT count(*) FROM gate_entry")[0][0] == 3
    assert live_server.query("SELECT count(*) FROM inbox_record")[0][0] == 3
