"""The phone shows times in the server's configured zone (DISPLAY_TIMEZONE), not a fixed
Asia/Shanghai nor the phone's own zone: a server configured for New York, a volunteer opens a
gate at 360x740 in zh-CN and the duty line gives the current shift's hours in New York time
(and who takes over next, on one line)."""
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .conftest import LiveServer
from .gate_helpers import open_gate

ZONE = "America/New_York"


def current_shift(server, site_id):
    """(start, end) of the shift under way at the gate, from the server's database."""
    from server.extensions import db
    from server.models import DutyShift, utcnow

    app = server.app()
    with app.app_context():
        now = utcnow()
        shift = db.session.scalar(select(DutyShift).where(
            DutyShift.site_id == site_id, DutyShift.starts_at <= now, DutyShift.ends_at > now))
        found = (shift.starts_at, shift.ends_at) if shift else None
        db.engine.dispose()
    return found


def test_the_gate_duty_line_shows_the_shift_in_the_configured_zone(page, tmp_path):
    server = LiveServer(tmp_path)
    with open(server.workdir / "instance" / "config.py", "a") as config:
        config.write(f"DISPLAY_TIMEZONE = {ZONE!r}\n")
    server.start()
    try:
        site = open_gate(page, server, "volunteer", "G1")
        assert page.evaluate("() => document.documentElement.dataset.zone") == ZONE
        shift = current_shift(server, site)
        assert shift is not None, "the demo roster has a shift under way at G1"
        local = ZoneInfo(ZONE)
        hours = f"{shift[0].astimezone(local):%H:%M}–{shift[1].astimezone(local):%H:%M}"
        line = page.locator("#gate-duty")
        line.wait_for(state="visible")
        page.wait_for_function("(hours) => document.getElementById('gate-duty').textContent.includes(hours)",
                               arg=hours)
        box = line.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740
        # Who takes over comes after this shift's hours without repeating its end (room on one
        # line at 360 px; the demo's shifts follow each other); the line is two at most.
        page.wait_for_function("() => document.getElementById('gate-duty').textContent.includes('接班')")
        text = line.inner_text()
        assert f"值班 {hours} " in text and f"接班 {hours[-5:]}" not in text, text
        assert line.bounding_box()["height"] < 50, "the duty line took more than two lines"
        save = page.locator("#save").bounding_box()
        assert save["y"] + save["height"] <= 740
        page.screenshot(path=str(tmp_path / "gate-duty-new-york.png"))
    finally:
        server.stop()
        server.close()
