"""The building's worker opens "my tasks" online once, then sees the same list offline."""
from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.models import Placement

from .conftest import login, wait_offline_ready


def test_my_tasks_are_readable_offline_and_not_in_the_cache(page, context, live_server):
    app = live_server.app()
    with app.app_context():
        placements = db.session.scalars(select(Placement)).all()
        names = [p.person.masked["name"] for p in placements]
        # Placed a day ago: today's slots are due at any hour (a placement made after the
        # evening close has nothing due until tomorrow morning, rightly).
        for placement in placements:
            placement.created_at -= timedelta(days=1)
        db.session.commit()
        db.engine.dispose()
    login(page, live_server, "volunteer")  # the demo's worker of buildings 1-1 and 1-2
    page.goto(f"{live_server.url}/tasks")
    page.wait_for_function("() => document.getElementById('tasks').dataset.ready === 'fresh'")
    wait_offline_ready(page, "() => document.getElementById('tasks').dataset.ready === 'fresh'")
    online = page.locator("#task-reports").inner_text()
    assert names and all(name in online for name in names)

    context.set_offline(True)
    page.goto(f"{live_server.url}/tasks")
    page.wait_for_function("() => document.getElementById('tasks').dataset.ready === 'saved'")
    offline = page.locator("#task-reports").inner_text()
    assert all(name in offline for name in names)
    assert "上午" in offline or "晚上" in offline  # the due slots, in Chinese
    assert page.locator("#my-buildings").inner_text() == "1-1, 1-2"
    # The service worker's cache holds the empty shell only.
    cached = page.evaluate("""async () => {
      const texts = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        const shell = await cache.match('/shell/tasks');
        if (shell) texts.push(await shell.text());
      }
      return texts.join('');
    }""")
    assert 'id="task-reports"' in cached and not any(name in cached for name in names)
