"""A resident under home quarantine reports a temperature from the signed link on a 360 px phone."""
from sqlalchemy import select

from server.extensions import db
from server.ledgers.selfreport_links import link_token
from server.models import Placement


def test_resident_reports_a_temperature_from_the_signed_link(page, live_server):
    app = live_server.app()
    with app.app_context():
        placement = db.session.scalar(select(Placement).where(Placement.kind == "quarantine")
                                      .order_by(Placement.id).limit(1))
        token, name = link_token(placement), placement.person.masked["name"]
        db.engine.dispose()
    reports = ("SELECT id, temperature_c, source FROM temperature_report "
               "WHERE placement_id = :p AND temperature_c IS NOT NULL")
    before = {row[0] for row in live_server.query(reports, p=placement.id)}  # the demo's own
    page.goto(f"{live_server.url}/q/{token}")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "体温上报"
    assert name in page.locator("#resident-name").inner_text()
    assert page.locator("button[type=submit]").bounding_box()["height"] >= 48
    page.fill("#temperature", "36.8")
    page.click("button[type=submit]")
    page.locator("#report-saved").wait_for()
    assert "36.8 °C" in page.locator("#my-reports").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    rows = [(float(t), s) for i, t, s in live_server.query(reports, p=placement.id) if i not in before]
    assert rows == [(36.8, "self")]
