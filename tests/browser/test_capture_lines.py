"""The capture screens' short lines read whole at 360 px: the gate's duty line says "我" for the
phone's user (zh-CN); in English the gate's counts wrap beside "More" instead of being cut and the
status bar drops its "Last sync" label before the time; the sampling scan box's hint fits it."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .gate_helpers import open_gate
from .sampling_helpers import open_point

# Whether an element's text is cut (ellipsis or hidden overflow) at its current size.
CUT = "(el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1"


# Text against background of each element (opaque colours, no opacity): the WCAG ratio.
CONTRAST = """(elements) => elements.map((el) => {
    const style = getComputedStyle(el);
    const luminance = (css) => {
        const [r, g, b] = css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map((v) => {
            const c = Number(v) / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    if (Number(style.opacity) < 1) return 0;
    const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
})"""


def roster_everywhere(server, username, site_code):
    """Put `username` in the place of the first of the two on every shift of the gate (the demo's
    crews change every 8 hours: the test must not depend on the hour it runs at)."""
    from server.extensions import db
    from server.models import DutyAssignment, DutyShift, Site, User
    from server.rosters.schedule import assign, remove

    app = server.app()
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == site_code))
        user = db.session.scalar(select(User).where(User.username == username))
        boss = db.session.scalar(select(User).where(User.username == "supervisor"))
        for shift in db.session.scalars(select(DutyShift).where(DutyShift.site_id == site.id)).all():
            rows = db.session.scalars(select(DutyAssignment).where(
                DutyAssignment.shift_id == shift.id, DutyAssignment.removed_at.is_(None))
                .order_by(DutyAssignment.id)).all()
            if user.id not in [r.user_id for r in rows]:
                remove(rows[0], boss)
                assign(shift, user.id, boss)
        db.session.commit()
        db.engine.dispose()


def test_the_duty_line_says_me_and_reads_whole(page, live_server):
    roster_everywhere(live_server, "volunteer", "G1")
    open_gate(page, live_server, "volunteer", "G1")
    line = page.locator("#gate-duty")
    expect(line).to_contain_text("接班")
    text = line.inner_text()
    assert text.startswith("值班 ") and " 我、" in text and "卡口志愿者" not in text.split("→")[0], text
    assert "您不在本班" not in text, text
    assert not line.locator("span").evaluate_all(f"(pieces) => pieces.some({CUT})"), f"the duty line is cut: {text}"
    assert line.bounding_box()["height"] < 30, f"one line has room for it: {text}"


def test_a_long_duty_line_puts_who_takes_over_on_a_second_line(page, live_server):
    from server.extensions import db
    from server.models import User

    app = live_server.app()
    with app.app_context():  # the demo volunteer and its G1 crews, with long names
        for n, user in enumerate(db.session.scalars(select(User).where(
                User.username.in_(["volunteer", "duty01", "duty02", "duty03", "duty04", "duty05"])))):
            user.display_name = f"欧阳建国{n}号"
        db.session.commit()
        db.engine.dispose()
    open_gate(page, live_server, "duty08", "G1")  # rostered at G2 only
    line = page.locator("#gate-duty")
    expect(line).to_contain_text("接班")
    now, then = line.locator("span").all()
    assert "您不在本班" in now.inner_text() and then.inner_text().startswith("→ 接班 欧阳建国"), line.inner_text()
    assert not then.evaluate(CUT), f"who takes over is cut: {then.inner_text()}"
    assert then.bounding_box()["y"] > now.bounding_box()["y"]  # under it
    save = page.locator("#save").bounding_box()
    assert save["y"] + save["height"] <= 740 and page.evaluate("() => scrollY") == 0


@pytest.mark.browser_context_args(locale="en-US")
def test_in_english_the_counts_and_the_last_sync_time_are_not_cut(page, live_server):
    open_gate(page, live_server, "volunteer", "G1")
    assert page.evaluate("() => document.documentElement.lang").startswith("en")
    counts = page.locator(".gate-shift")
    expect(counts).to_contain_text("Turned back")
    assert not counts.evaluate(CUT), counts.inner_text()
    # Beside "More", not under it: the outcome keeps its place.
    head, more = page.locator(".gate-head").bounding_box(), page.locator("#more").bounding_box()
    assert head["height"] <= more["height"] + 1, head
    last = page.locator("#st-last")
    expect(last).to_have_text("never")
    assert last.is_visible() and not page.locator(".st-last").evaluate(CUT)
    assert page.locator(".st-last-label").is_hidden()  # no room for it at 360 px in English
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_the_sampling_scan_box_hint_fits_its_box(page, live_server):
    open_point(page, live_server)
    fits = page.evaluate("""() => {
        const box = document.getElementById('scan'), style = getComputedStyle(box);
        const pen = document.createElement('canvas').getContext('2d');
        pen.font = style.font;
        const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return [box.placeholder, pen.measureText(box.placeholder).width, room];
    }""")
    hint, width, room = fits
    assert hint and width <= room, fits
    # Its buttons not usable yet (no tube open) read in the sun all the same.
    disabled = page.locator("#sampling button:disabled")
    assert disabled.count() >= 2
    for ratio in disabled.evaluate_all(CONTRAST):
        assert ratio >= 4.5, ratio
