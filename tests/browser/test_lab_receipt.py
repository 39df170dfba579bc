"""The lab confirms a box with a keyboard-wedge scanner, gloved, at 360×740 in zh-CN: the burst
lands without tapping the field, the page answers in the viewport, and the supervisor's board
no longer lists the box as "not received by the lab"."""
from .conftest import login
from .wedge import Scanner


def inside(box, width=360, height=740) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


def with_the_demo_round(server):
    """The demo's sampled round and its two boxes (the capture tests' template leaves them out)."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Community
    from server.rounds.demo import seed_rounds_demo

    app = server.app()
    with app.app_context():
        seed_rounds_demo(db.session.scalar(select(Community).where(Community.code == "demo")), "123456")
        db.session.commit()
        db.engine.dispose()


def test_the_lab_confirms_a_box_with_the_scanner(page, live_server, tmp_path):
    with_the_demo_round(live_server)
    waiting = live_server.query("SELECT id, barcode FROM box WHERE received_at IS NULL AND handed_over_at IS NOT NULL")
    box_id, barcode = waiting[0]
    login(page, live_server, "lab")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    field, button = page.locator("#receive-barcode"), page.locator("#receive-form button[type=submit]")
    for target in (field, button):
        box = target.bounding_box()
        assert inside(box) and box["height"] >= 44 and box["width"] >= 44, box
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    Scanner(page).scan(barcode)
    page.wait_for_selector("#lab-message")
    message = page.locator("#lab-message")
    assert f"已接收转运箱 {barcode}" in message.inner_text()
    assert inside(message.bounding_box())
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "lab-received.png"))
    row = page.locator("#lab-boxes li", has_text=barcode)
    assert "已接收" in row.inner_text() and "尚未接收" not in row.inner_text()
    assert live_server.query("SELECT received_at IS NOT NULL FROM box WHERE id = :id", id=box_id) == [(1,)]
