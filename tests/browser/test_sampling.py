"""A clerk at a sampling point scans 27 people into 3 tubes, boxes them and hands the box over,
all offline, by keyboard-wedge input; back online, the server holds exactly that."""
import statistics
import time

from tests.records import valid_id

from .conftest import login, wait_offline_ready

TUBES = {"T2022050601": 10, "T2022050602": 10, "T2022050603": 7}
BOX = "BOX-0001"
# scan -> saved with feedback, measured by the page (performance.measure "scan")
MEASURES = "() => performance.getEntriesByName('scan').map((e) => e.duration)"


def wedge(page, text):
    """What a keyboard-wedge scanner does: types the code quickly, then Enter."""
    page.keyboard.type(text, delay=3)
    page.keyboard.press("Enter")


def open_point(page, server):
    login(page, server, "clerk")
    site_id = server.query("SELECT id FROM site WHERE code = 'S1'")[0][0]
    page.goto(f"{server.url}/sampling/{site_id}")
    page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
    page.focus("#scan")
    return site_id


def feedback(page):
    return page.locator("#feedback")


def wait_server(server, sql, expected, timeout=20, page=None):
    """Poll the server's database until `sql` returns `expected` (or the timeout). Give `page`
    when a route handler is active: Playwright's sync API runs handlers only while the test
    calls into it, so a plain sleep would hold every routed request (and nothing would arrive)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = server.query(sql)
        if rows == expected or time.monotonic() > deadline:
            return rows
        if page is not None:
            page.wait_for_timeout(200)
        else:
            time.sleep(0.2)


def decrypted(server, sql) -> list[str]:
    """An encrypted column's values (free text is encrypted like names), sorted, read with the
    server's own key."""
    from server.privacy import vault

    with server.app().app_context():
        return sorted(vault().decrypt(bytes(blob)) for (blob,) in server.query(sql))


def test_three_tubes_boxed_and_handed_over_offline_arrive_exactly(page, context, live_server):
    open_point(page, live_server)
    wait_offline_ready(page, "() => document.getElementById('sampling').dataset.ready === 'true'")
    context.set_offline(True)
    n = 0
    people = {}
    durations = []
    for tube, size in TUBES.items():
        wedge(page, tube)
        for slot in range(1, size + 1):
            number = valid_id(1000 + n)
            people[number] = (tube, slot)
            n += 1
            wedge(page, number)
            if (tube, slot) == ("T2022050602", 5):
                # The phone reloads the page with no network: same tube, same slots.
                page.wait_for_function("() => document.getElementById('tube-count').textContent === '5/10'")
                durations += page.evaluate(MEASURES)
                page.reload()
                page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
                assert page.locator("#tube-barcode").inner_text() == "T2022050602"
                assert page.locator("#slots .slot.filled").count() == 5
                page.focus("#scan")
        page.wait_for_function(
            "([tube, count]) => document.getElementById('tube-barcode').textContent === tube"
            " && document.getElementById('tube-count').textContent === count", arg=[tube, f"{size}/10"])
        assert page.locator("#slots .slot.filled").count() == size
        if size == 10:  # full: refused, with its own colour, until sealed
            wedge(page, valid_id(999))
            page.wait_for_function("() => document.getElementById('feedback').textContent.includes('已满')")
            assert "full" in page.locator("#feedback").get_attribute("class")
        page.click("#seal")
        page.wait_for_function("([tube]) => document.querySelector(`#my-tubes [data-tube='${tube}']`)"
                               "?.textContent.includes('已封管')", arg=[tube])
    # Nothing overflows sideways at 360 px; the big buttons fit gloved thumbs.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.locator("#seal").bounding_box()["height"] >= 48
    page.click("#box-start")
    page.focus("#scan")
    wedge(page, BOX)
    for tube in TUBES:
        wedge(page, tube)
    page.wait_for_function("() => document.getElementById('box-tubes').textContent.split(',').length === 3")
    page.fill("#courier", "王师傅")
    page.click("#box-handover")
    page.wait_for_function("() => document.getElementById('feedback').textContent.includes('已交接')")
    assert page.locator("#my-tubes li").count() == 3
    # Masked on screen: never a whole ID number.
    assert valid_id(1000) not in page.content()

    durations += page.evaluate(MEASURES)
    assert len(durations) == 27 + 3 + 1 + 3
    median = statistics.median(durations)
    p95 = sorted(durations)[int(0.95 * len(durations)) - 1]
    print(f"\nper-scan time (scan -> saved feedback), {len(durations)} scans: "
          f"median {median:.1f} ms, p95 {p95:.1f} ms")
    assert p95 < 500  # the goal is 100 ms on a phone; this only catches a gross regression

    context.set_offline(False)
    expected_count = [(27,)]
    assert wait_server(live_server, "SELECT count(*) FROM sample WHERE voided_at IS NULL",
                       expected_count) == expected_count
    handed = wait_server(live_server, "SELECT count(*) FROM box WHERE handed_over_at IS NOT NULL", [(1,)])
    assert handed == [(1,)]
    assert decrypted(live_server, "SELECT courier FROM box") == ["王师傅"]
    rows = live_server.query(
        "SELECT t.barcode, t.status, b.barcode, s.slot, p.doc_hash FROM sample s JOIN tube t ON t.id = s.tube_id "
        "JOIN person p ON p.id = s.person_id LEFT JOIN box b ON b.id = t.box_id")
    from server.models import Person

    with live_server.app().app_context():
        expected = {Person.lookup_hash("cn_ric", number): where for number, where in people.items()}
    assert {doc_hash: (tube, slot) for tube, _status, _box, slot, doc_hash in rows} == expected
    assert {(tube, status, box) for tube, status, box, _slot, _hash in rows} == {
        (tube, "handed_over", BOX) for tube in TUBES}
    assert live_server.query("SELECT count(*) FROM flag") == [(0,)]


def test_mistakes_are_refused_before_anything_is_written_and_can_be_undone(page, context, live_server):
    open_point(page, live_server)
    context.set_offline(True)

    def scan(text, kind, words):
        before = page.locator("#feedback").text_content()
        wedge(page, text)
        page.wait_for_function("([before]) => document.getElementById('feedback').textContent !== before"
                               " || document.getElementById('ask').hidden === false", arg=[before])
        shown = (page.locator("#feedback").get_attribute("class"), page.locator("#feedback").inner_text())
        assert kind in shown[0] and words in shown[1], (text, shown)

    scan(valid_id(1), "bad", "请先扫描试管条码")
    scan("hello?", "bad", "无法识别")
    scan("T2022050699", "ok", "已开管")
    scan("110105194912310021", "bad", "校验失败")
    scan(valid_id(1), "ok", "第 1/10 位")
    scan(valid_id(1), "bad", "已在本管中")
    scan(valid_id(2), "ok", "第 2/10 位")
    page.click("#undo")
    page.wait_for_function("() => document.getElementById('tube-count').textContent === '1/10'")

    # Remove a named person, with a reason: tap the slot, 移除, then a preset or one's own words.
    page.locator("#slots .slot.filled button").first.click()
    page.locator("#ask-choices button", has_text="移除").click()
    page.locator("#ask-choices button[data-choice=other]").click()
    page.fill("#ask-input", "登记错人")
    page.click("#ask-yes")
    page.wait_for_function("() => document.getElementById('tube-count').textContent === '0/10'")

    # A person sampled today in another tube on this phone: asked before adding.
    scan(valid_id(3), "ok", "第 1/10 位")
    page.click("#seal")
    page.wait_for_function("() => document.getElementById('feedback').textContent.includes('已封管')")
    scan("T2022050699", "bad", "已在本机用过")
    scan("T2022050698", "ok", "已开管")
    scan(valid_id(3), "warn", "今天已在试管 T2022050699")
    page.click("#ask-no")

    # Reopen the sealed tube with a reason, and it is the current tube again.
    page.locator("#my-tubes li[data-tube='T2022050699'] button", has_text="重新开管").click()
    page.fill("#ask-input", "误封")
    page.click("#ask-yes")
    page.wait_for_function("() => document.getElementById('tube-barcode').textContent === 'T2022050699'")
    assert "采样中" in page.locator("#tube-status").inner_text()

    # A new tube while the current one still has room: asked to seal it first.
    wedge(page, "T2022050697")
    page.wait_for_function("() => !document.getElementById('ask').hidden")
    assert "1/10" in page.locator("#ask-text").inner_text()
    page.click("#ask-yes")
    page.wait_for_function("() => document.getElementById('tube-barcode').textContent === 'T2022050697'")
    assert "已封管" in page.locator("#my-tubes li[data-tube='T2022050699']").inner_text()

    # Move a person to another tube: removed here (sample_void "moved"), added there.
    scan(valid_id(4), "ok", "第 1/10 位")
    page.locator("#slots .slot.filled button").click()
    page.locator("#ask-choices button", has_text="转管").click()
    page.fill("#ask-input", "T2022050696")
    page.click("#ask-yes")
    page.wait_for_function("() => document.getElementById('feedback').textContent.includes('已转入 T2022050696')")
    assert page.locator("#tube-count").inner_text() == "1/10"
    assert "0/10" in page.locator("#my-tubes li[data-tube='T2022050697']").inner_text()

    context.set_offline(False)
    live = "SELECT t.barcode, s.slot FROM sample s JOIN tube t ON t.id = s.tube_id WHERE s.voided_at IS NULL ORDER BY t.barcode"
    assert wait_server(live_server, live, [("T2022050696", 1), ("T2022050699", 1)]) == [
        ("T2022050696", 1), ("T2022050699", 1)]
    voided = wait_server(live_server, "SELECT count(*) FROM sample WHERE voided_at IS NOT NULL", [(3,)])
    assert voided == [(3,)]
    reasons = decrypted(live_server, "SELECT void_reason FROM sample WHERE voided_at IS NOT NULL")
    assert reasons == ["moved", "undo", "登记错人"]
    assert live_server.query("SELECT barcode, status FROM tube ORDER BY barcode") == [
        ("T2022050696", "open"), ("T2022050697", "open"), ("T2022050698", "open"), ("T2022050699", "sealed")]
    assert live_server.query("SELECT kind FROM flag") == [("tube_reopened",)]
