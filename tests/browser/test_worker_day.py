"""The building worker's day on a phone at 360×740 in zh-CN (issue 17): the supervisor places a
whole household under quarantine; the worker, offline, records a reading and a meal delivery;
back online both reach the server once; a door opening in the household rings on the worker's
open "my tasks" at its next poll (every 4 s); the worker resolves the alert with a note."""
import json
import re
import subprocess

from sqlalchemy import select

from server.ledgers.simulate import send, signed_request

from .app_storage import app_stores
from .conftest import CHECKPOINT, ROOT, LiveServer, login, wait_offline_ready

# Records what the page asks of the vibrator and the speaker (a phone would buzz and beep), and
# when it first buzzed; keeps every request's timing (the alert polls are counted below).
RING_RECORDER = """
window.__rings = [];
performance.setResourceTimingBufferSize(100000);
navigator.vibrate = (pattern) => {
  window.__rings.push(['vibrate', pattern]);
  window.__rangAt ??= performance.now();
  return true;
};
const RealAudio = window.AudioContext;
window.AudioContext = class extends RealAudio {
  createOscillator() { window.__rings.push(['tone']); return super.createOscillator(); }
};
"""


def door_opens_and_rings(page, server: LiveServer, key: str, secret: str) -> dict:
    """A door event from the property platform; the open page rings at the first poll after it.
    "Within 10 s" (the issue) is the page's 4-s poll plus one request: counted in polls, not in
    wall time, so a busy test machine cannot fail it and a missed poll still does."""
    page.evaluate("() => { window.__rings.length = 0; window.__rangAt = undefined; }")
    status, answer = send(*signed_request(key, secret, "MC-WORKER-1"), url=server.url)
    assert (status, answer.get("status")) == (200, "flagged"), answer
    recorded = page.evaluate("() => performance.now()")
    page.wait_for_function("() => window.__rings.some(([kind]) => kind === 'vibrate')", timeout=60_000)
    assert ["tone"] in page.evaluate("() => window.__rings")
    polls = page.evaluate("""(after) => performance.getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname === '/api/v1/tasks/alerts'
                       && e.startTime > after && e.startTime < window.__rangAt).length""", recorded)
    assert polls <= 1, f"the page rang only after {polls} polls that followed the door event"
    assert page.evaluate("() => Number(document.body.dataset.alertsPoll) || 4") == 4
    return answer


def cli(server: LiveServer, *args) -> str:
    done = subprocess.run([CHECKPOINT, *args], cwd=ROOT, env=server.env, check=True,
                          capture_output=True, text=True)
    return done.stdout


def inside_viewport(page, locator):
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] >= 0 \
        and box["y"] + box["height"] <= 740, box
    assert box["height"] >= 44 and box["width"] >= 44, box


def test_worker_day_household_offline_records_door_alarm_rings_and_is_resolved(
        page, context, browser, browser_context_args, tmp_path):
    # Enough residents for households of two (seed-demo fills every household once first).
    server = LiveServer(tmp_path, residents=2400).start()
    try:
        _worker_day(page, context, browser, browser_context_args, server, tmp_path)
    finally:
        server.stop()
        server.close()


def _worker_day(page, context, browser, browser_context_args, server, tmp_path):
    app = server.app()
    from server.extensions import db
    from server.models import Person

    with app.app_context():  # a household of building 1-2 (the demo volunteer's) with two people
        people = db.session.scalars(select(Person).where(Person.building.in_(("1-1", "1-2")))).all()
        homes: dict = {}
        for person in people:
            homes.setdefault((person.building, person.unit, person.room), []).append(person)
        (building, unit, room), members = next((k, v) for k, v in sorted(homes.items())
                                               if k[0] == "1-2" and len(v) >= 2)
        secrets = [s for p in people for s in (p.name, p.doc_number, p.phone) if s and len(s) >= 2]
        masked = {p.masked["name"] for p in members}
        db.engine.dispose()

    # The supervisor places the whole household (in another browser context: another phone).
    boss_context = browser.new_context(**browser_context_args)
    boss = boss_context.new_page()
    login(boss, server, "supervisor")
    boss.goto(f"{server.url}/ledgers/quarantine?building={building}&unit={unit}&room={room}")
    with boss.expect_navigation():  # the form posts: read the page it leads to, not this one
        boss.click("#place-household button[type=submit]")
    assert f"已安置 {len(members)} 名住户" in boss.content()
    boss_context.close()
    placements = server.query(
        "SELECT placement.id FROM placement JOIN person ON person.id = placement.person_id "
        "WHERE person.building = :b AND person.unit = :u AND person.room = :r ORDER BY placement.id",
        b=building, u=unit, r=room)
    assert len(placements) == len(members)
    placement_id = placements[0][0]

    # The worker opens "my tasks" once online; the list is kept on the phone.
    context.add_init_script(RING_RECORDER)
    login(page, server, "volunteer")
    page.goto(f"{server.url}/tasks")
    ready = "() => document.getElementById('tasks').dataset.ready === 'fresh'"
    page.wait_for_function(ready)
    wait_offline_ready(page, ready)
    address = f"{building}-{unit}-{room}"
    meal_id = next(int(re.search(r"need-(\d+)", li.get_attribute("id")).group(1))
                   for li in page.locator("#task-needs li.need").all()
                   if address in li.inner_text() and "送餐" in li.inner_text() and "未完成" in li.inner_text())

    # Offline: the shell draws the saved list; a reading and the meal delivery are recorded.
    context.set_offline(True)
    page.goto(f"{server.url}/tasks")
    page.wait_for_function("() => document.getElementById('tasks').dataset.ready === 'saved'")
    assert "离线" in page.locator("#tasks-note").inner_text()
    row = page.locator(f"#placement-{placement_id}")
    assert row.locator("strong").inner_text().split(" ")[0] in masked
    row.locator("input[name=temperature]").fill("36.8")
    inside_viewport(page, row.locator(".report-form button"))
    row.locator(".report-form button").click()
    row.locator(".saved-note", has_text="已保存，等待同步").wait_for()
    need = page.locator(f"#need-{meal_id}")
    inside_viewport(page, need.locator("button"))
    need.locator("button").click()
    need.locator(".need-state", has_text="已完成").wait_for()
    page.wait_for_function("() => document.body.dataset.pending === '2'")
    page.screenshot(path=str(tmp_path / "worker-offline.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # What the phone holds: masked names and ids, no resident's name, number or phone.
    stored = app_stores(page)
    assert json.loads(stored)["outbox"]
    leaked = [s for s in secrets if s in stored]
    assert not leaked, leaked

    # Back online: both records reach the server once.
    context.set_offline(False)
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=120_000)
    row.locator(".saved-note", has_text="已同步到服务器").wait_for()
    assert server.query("SELECT count(*), min(temperature_c), min(source) FROM temperature_reading "
                        "WHERE placement_id = :p", p=placement_id) == [(1, 36.8, "worker")]
    assert server.query("SELECT done_at IS NOT NULL FROM household_need WHERE id = :n", n=meal_id) == [(1,)]
    assert server.query("SELECT type, count(*) FROM inbox_record GROUP BY type ORDER BY type") == [
        ("need_done", 1), ("temperature_reading", 1)]

    # The worker's "my tasks" is open online; the household's door opens.
    page.goto(f"{server.url}/tasks")
    page.wait_for_function(ready)
    found = cli(server, "create-integration", "物业平台", "--community", "demo")
    key = re.search(r"key:\s+(\S+)", found).group(1)
    secret = re.search(r"secret:\s+(\S+)", found).group(1)
    cli(server, "add-door-sensor", "MC-WORKER-1", "--community", "demo", "--building", building,
        "--unit", unit, "--room", room)
    # Rings, vibrates and shows at once.
    answer = door_opens_and_rings(page, server, key, secret)
    banner = page.locator("#new-alert")
    banner.wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('new-alert').textContent.includes('门')")
    alert = page.locator(f"#flag-{answer['flag']}")
    alert.wait_for()
    page.screenshot(path=str(tmp_path / "worker-alert.png"))

    # Resolved with a note, from the phone.
    alert.locator("input[name=note]").fill("已上门核实，住户取快递，已劝回")
    inside_viewport(page, alert.locator("button"))
    # The form posts and comes back to /tasks: wait for that page (wait_for_url would return at
    # once, the URL being /tasks already).
    with page.expect_navigation(url=f"{server.url}/tasks"):
        alert.locator("button").click()
    assert page.locator(f"#flag-{answer['flag']}").count() == 0
    with app.app_context():
        from server.models import Flag

        flag = db.session.get(Flag, answer["flag"])
        assert flag.resolved_at is not None and flag.resolution_note == "已上门核实，住户取快递，已劝回"
        db.engine.dispose()

    # On any other page of the app (here home) a new alert rings and shows too, leading to
    # "my tasks".
    page.goto(f"{server.url}/")
    page.wait_for_function("() => document.body.dataset.alertsWatching === '1'")
    answer = door_opens_and_rings(page, server, key, secret)  # flagged again: the last one was resolved
    banner = page.locator("#new-alert")
    banner.wait_for(state="visible")
    assert banner.get_attribute("href") == "/tasks" and "新提醒" in banner.inner_text()
    inside_viewport(page, banner)
