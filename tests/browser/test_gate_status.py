"""Issues 15 and 18: the gate knows a person's status offline, from an index a stolen phone
cannot invert.

At 360x740 in zh-CN with the network off, a volunteer scans a resident on the retest list of a
positive pool and one sampled three days ago: each status shows with the passage's outcome,
inside the screen without scrolling; the volunteer notes that the first was sent to be sampled
(one tap, in view). Back online the records arrive (the note with them), and a dump of every
IndexedDB store holds no number, name or phone of a resident, and no full-length hash of a
number (the index holds slots: server/api/phoneindex.py)."""
import hashlib
import hmac
import json
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from .app_storage import app_stores
from .gate_helpers import open_gate, wait_drained
from .test_gate_shift import Volunteer, saved_more_than

SHOTS = os.environ.get("CHECKPOINT_SCREENSHOTS")


def prepare(server):
    """Two residents: one on the retest list (sampled an hour ago, pool positive), one whose
    last sample is three days old, and a round open today. Returns their numbers and everyone's (number, name, phone)."""
    from server.extensions import db
    from server.models import LabResult, Person, Retest, Sample, Site, Tube, utcnow

    app = server.app()
    with app.app_context():
        people = db.session.scalars(select(Person).where(Person.in_roster.is_(True)).order_by(Person.id)).all()
        free = [p for p in people if "home-quarantine" not in p.tag_list]
        retest, old = free[0], free[1]
        point = db.session.scalar(select(Site).where(Site.kind == "sampling_point").order_by(Site.id))
        now = utcnow()
        tube = Tube(community_id=point.community_id, site_id=point.id, barcode="STATUS0001",
                    opened_at=now - timedelta(days=3), status="resulted", result="positive")
        db.session.add(tube)
        db.session.flush()
        for i, (who, when) in enumerate(((retest, now - timedelta(hours=1)), (old, now - timedelta(days=3))), 1):
            db.session.add(Sample(record_id=f"status-{i}", community_id=point.community_id, site_id=point.id,
                                  tube_id=tube.id, person_id=who.id, slot=i, recorded_at=when))
        result = LabResult(community_id=point.community_id, tube_barcode=tube.barcode, tube_id=tube.id,
                           result="positive", reported_at=now, imported_at=now)
        db.session.add(result)
        db.session.flush()
        db.session.add(Retest(community_id=point.community_id, lab_result_id=result.id,
                              person_id=retest.id, tube_id=tube.id))
        from server.models import SamplingRound
        from server.clock import local_today

        # Today's round (全员核酸): the retest's sample of an hour ago is in it, the old one not.
        db.session.add(SamplingRound(community_id=point.community_id, name="第2轮", start_day=local_today(),
                                     end_day=local_today()))
        db.session.commit()
        everyone = [(p.doc_type, p.doc_number, p.name, p.phone, p.doc_hash) for p in people]
        db.engine.dispose()
    return retest.doc_number, old.doc_number, everyone


class Screen(Volunteer):
    """The gate shift test's screen, whose taps must also be glove-sized."""

    def tap(self, selector):
        box = self.in_view(selector)
        assert box["width"] >= 44 and box["height"] >= 44, f"{selector} is too small for a glove: {box}"
        self.page.locator(selector).tap()

    def status(self):
        return self.page.locator("#status-text").inner_text()

    def shot(self, name):
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def test_gate_shows_retest_and_old_sample_offline_and_the_phone_holds_no_recoverable_number(
        page, context, live_server, tmp_path):
    retest, old, everyone = prepare(live_server)
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    site = open_gate(page, live_server)
    context.set_offline(True)
    me = Screen(page, shots)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    # 1. On the retest list: the status shows with the person, and after the save.
    me.scan(retest)
    page.wait_for_function("() => !document.getElementById('status-alert').hidden")
    assert "复核" in me.status() and "采样" in me.status()
    me.in_view("#outcome")
    me.in_view("#status-alert")
    me.in_view("#person")
    me.tap("#sent-to-sample")
    page.wait_for_function("() => document.getElementById('sent-to-sample').getAttribute('aria-pressed') === 'true'")
    me.shot("status-1-retest")
    me.tap(".preset[data-t='36.5']")
    page.wait_for_function(saved_more_than(0))
    assert "已保存" in page.locator("#feedback").inner_text()
    assert "复核" in me.status() and "已记录" in me.status()
    me.in_view("#status-alert")
    me.in_view("#feedback")

    # 2. Sampled three days ago: more than 48 hours, and not in today's round.
    me.scan(old)
    page.wait_for_function("() => document.getElementById('status-text').textContent.includes('48')")
    assert "复核" not in me.status() and "未做核酸" in me.status() and "本轮全员核酸未采样" in me.status()
    me.in_view("#outcome")
    me.in_view("#status-alert")
    me.in_view("#person")
    me.shot("status-2-old-sample")
    me.tap(".preset[data-t='36.6']")
    page.wait_for_function(saved_more_than(1))
    assert "未做核酸" in me.status()
    me.in_view("#status-alert")
    me.shot("status-3-saved")

    context.set_offline(False)
    wait_drained(page)
    rows = live_server.query("SELECT sent_to_sample FROM gate_entry WHERE site_id = :s ORDER BY recorded_at",
                             s=site)
    assert [bool(r[0]) for r in rows] == [True, False]

    # What a thief finds on the phone: the index, by slot; no number, name, phone or full hash.
    stored = app_stores(page)
    dump = json.loads(stored)
    [index] = [v for v in dump["config"] if isinstance(v, dict) and v.get("scheme") == "hmac-sha256-slot-v1"]
    key = bytes.fromhex(index["key"])
    assert index["bits"] <= 32 and len(index["entries"]) > 100
    leaks = []
    for doc_type, number, name, phone, doc_hash in everyone:
        full = hmac.new(key, f"{doc_type}:{number}".encode(), hashlib.sha256).hexdigest()
        for secret in (number, number[:-1], name if len(name) > 1 else None, phone, doc_hash, full, full[:16],
                       hashlib.sha256(number.encode()).hexdigest()):
            if secret and secret in stored:
                leaks.append(secret[:6])
    assert leaks == [], f"{len(leaks)} personal values found in IndexedDB"
