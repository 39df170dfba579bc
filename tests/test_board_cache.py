"""The board's 30 s refresh reuses the live checks of its community for a few seconds (a room
of supervisors costs one run of the checks), while a resolved item leaves at once and a full
page load is always fresh. Counted, not timed."""
import re

import pytest

from server.extensions import db
from server.supervisor import checks
from tests.factories_supervisor import make_tube

HTMX = {"HX-Request": "true"}


@pytest.fixture
def runs(monkeypatch):
    counted = []
    real = checks.run_checks

    def run(community_id, now):
        counted.append(community_id)
        return real(community_id, now)

    monkeypatch.setattr(checks, "run_checks", run)
    checks._recent.clear()
    yield counted
    checks._recent.clear()


def test_refreshes_share_the_checks_and_a_resolved_item_leaves_at_once(world, client, login, runs, app):
    a = world["a"]
    make_tube(a["community"], a["point"], "TCACHE1", people=2, status="open", opened_minutes_ago=90)
    db.session.commit()
    login(a["supervisor"])
    first = client.get("/supervisor/board", headers=HTMX).get_data(as_text=True)
    second = client.get("/supervisor/board", headers=HTMX).get_data(as_text=True)
    assert "TCACHE1" in first and "TCACHE1" in second
    assert len(runs) == 1  # the second refresh reused the first one's checks
    ref = re.search(r'name="ref" value="(tube:\d+)"', first).group(1)
    answer = client.post("/supervisor/board/resolve", headers=HTMX,
                         data={"kind": "tube_open_too_long", "ref": ref, "note": "sealed on site"})
    assert answer.status_code == 200 and "TCACHE1" not in answer.get_data(as_text=True)
    assert "TCACHE1" not in client.get("/supervisor/board", headers=HTMX).get_data(as_text=True)


def test_a_full_page_is_fresh_and_refreshes_see_news_once_the_checks_are_old(world, client, login, runs):
    a = world["a"]
    login(a["supervisor"])
    client.get("/supervisor/board", headers=HTMX)
    make_tube(a["community"], a["point"], "TCACHE2", people=2, status="open", opened_minutes_ago=90)
    db.session.commit()
    assert "TCACHE2" in client.get("/supervisor/board").get_data(as_text=True)  # full page: fresh
    for key, (at, items) in list(checks._recent.items()):  # the refresh's checks grow old
        checks._recent[key] = (at - 3600, items)
    assert "TCACHE2" in client.get("/supervisor/board", headers=HTMX).get_data(as_text=True)


def test_no_cache_when_set_to_zero(world, client, login, runs, app):
    app.config["BOARD_CACHE_SECONDS"] = 0
    login(world["a"]["supervisor"])
    for _ in range(3):
        client.get("/supervisor/board", headers=HTMX)
    assert len(runs) == 3
