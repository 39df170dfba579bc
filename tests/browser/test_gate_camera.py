"""The camera at the gate: a resident's personal QR code read offline becomes the passage; the
camera's view and the outcome stay on the screen; the code still in front of the camera after
the save is ignored quietly; the passage reaches the server under that resident.

The camera is Chromium's fake capture device filming a one-frame Y4M of the QR code
(BROWSER-TESTS.md §7); the code is issued to a roster resident by the app itself."""
import os
from pathlib import Path

from sqlalchemy import select

from .conftest import MOBILE, login, wait_offline_ready
from .fake_camera import filming, qr_frame
from .gate_helpers import gate_site_id, saved_count, wait_drained, wait_saved
from .test_gate_shift import Volunteer


def issue_code(server):
    """A personal code for the first roster resident: (payload, person id)."""
    from server.extensions import db
    from server.models import Person
    from server.residents.personal_codes import ensure_code, payload

    app = server.app()
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.in_roster.is_(True)).order_by(Person.id)).first()
        token = ensure_code(person)
        db.session.commit()
        result = payload(token), person.id
        db.engine.dispose()
    return result


def test_a_personal_code_read_by_the_gate_camera_offline(browser_type, browser_type_launch_args, live_server,
                                                          tmp_path):
    code, person_id = issue_code(live_server)
    with filming(browser_type, browser_type_launch_args, qr_frame(code), tmp_path) as browser:
        context = browser.new_context(**MOBILE, permissions=["camera"])
        page = context.new_page()
        login(page, live_server, "volunteer")
        site = gate_site_id(live_server)
        with page.expect_response(lambda r: r.url.endswith("/static/vendor/zxing_reader.wasm")) as wasm:
            page.goto(f"{live_server.url}/gate/{site}")  # the decoder is fetched while online
        assert wasm.value.ok
        page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
        wait_offline_ready(page, "() => document.getElementById('gate').dataset.ready === '1'")
        context.set_offline(True)
        page.evaluate("""() => { window.cameraReads = 0;
            document.getElementById('gate').addEventListener('scan', (e) => {
                if (e.detail.source === 'camera') window.cameraReads += 1; }); }""")

        me = Volunteer(page, Path(os.environ.get("CHECKPOINT_SCREENSHOTS") or tmp_path))
        me.tap("#camera-toggle")
        me.outcome("#person", "() => document.getElementById('person').textContent.includes('个人码')")
        me.in_view(".scanner-view")  # the camera's picture and the outcome on one screen
        assert code[-4:] in page.locator("#person").inner_text()
        me.shot("10-camera")
        for control in ("#save", "#pad-toggle", ".preset[data-t='37.1']", "#dir-out", "#camera-toggle"):
            me.in_view(control)  # the whole passage still fits with the camera on
        before = saved_count(page)
        me.tap(".preset[data-t='36.5']")
        wait_saved(page, before)
        me.in_view("#feedback")
        assert page.locator("#feedback").inner_text().startswith("已保存")

        # The code stays in front of the camera: once the camera's own 2 s guard lets it through
        # again, the screen ignores the read of what was just saved (no new passage, no question).
        reads = page.evaluate("() => window.cameraReads")
        page.wait_for_function(f"() => window.cameraReads > {reads}")
        # The screen deals with scans and taps in one queue, in turn: the keypad's toggle, tapped
        # after that read, shows the keypad once the read has been dealt with.
        page.evaluate("() => document.getElementById('pad-toggle').click()")
        page.wait_for_function("() => !document.getElementById('keypad').hidden")
        assert page.locator("#outcome").get_attribute("data-tone") == "ok"
        assert page.locator("#person").is_hidden() and page.locator("#ask").is_hidden()
        assert saved_count(page) == before + 1
        page.evaluate("() => document.getElementById('pad-toggle').click()")
        page.wait_for_function("() => document.getElementById('keypad').hidden")
        me.tap("#camera-toggle")
        page.wait_for_function("() => !document.querySelector('.scanner-video').srcObject")

        context.set_offline(False)
        page.click("#st-sync")
        wait_drained(page)
        rows = live_server.query("SELECT person_id, temperature_c FROM gate_entry")
        assert [(r[0], float(r[1])) for r in rows] == [(person_id, 36.5)]
        context.close()
