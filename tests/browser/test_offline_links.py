"""Offline, every link either works or is visibly disabled with the reason: the phone goes
offline and follows every link of the home page (the copy the service worker keeps) and of the
capture screens' navigation. None ends on the browser's own error page; a page that needs the
server says so in Chinese, with a way back."""
from .conftest import login, wait_offline_ready

# What a link offline leads to: a page of ours (the top bar is there), never Chromium's error page.
OURS = "() => !!document.querySelector('header.topbar') && !document.querySelector('#main-frame-error')"
LINKS = """(root) => [...document.querySelectorAll(root + ' a')].map((a) => ({
  text: a.innerText.replace(/\\s+/g, ' ').trim(), href: a.getAttribute('href'), disabled: a.getAttribute('aria-disabled') === 'true',
  why: a.querySelector('.why')?.innerText || '', shown: a.getBoundingClientRect().height > 0 }))"""


# A record the server refused, in this phone's outbox.
NEEDS_ATTENTION = """async () => {
    const db = await import('/client/offline/db.js');
    const session = await import('/client/offline/session.js');
    const me = await session.current();
    await db.outboxApply([], [{id: 'x-refused', seq: 999, type: 'gate_entry', recorded_at: '2022-05-06T08:00:00+08:00',
        data: {}, user_id: me.user_id, device_id: me.device_id, state: 'rejected',
        error: {code: 'invalid_field', message: 'x', field: null}, created: Date.now()}]); }"""


def go_offline(context, page):
    """No network at all (the service worker's own requests fail too)."""
    context.set_offline(True)


def wait_scripts(page):
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.wait_for_function("() => document.body.dataset.reachable !== undefined")


def follow_every_link(page, base, root, expect_disabled):
    """Each link of `root`: disabled with the reason, or it opens a page of ours offline."""
    links = [link for link in page.evaluate(LINKS, root) if link["shown"]]
    assert links, f"no link found in {root}"
    opened, disabled = [], []
    for link in links:
        if link["disabled"]:
            assert link["href"] is None and link["why"] == "需联网", link
            disabled.append(link["text"])
            continue
        assert link["href"] is not None, link
        page.goto(base + link["href"])
        page.wait_for_function(OURS)
        assert not page.locator("#needs-network").count(), f"{link} leads to the needs-network page"
        opened.append(link["text"])
        page.go_back()
        page.wait_for_function(OURS)
        wait_scripts(page)
    assert set(expect_disabled) <= {text.replace("需联网", "").strip() for text in disabled}, disabled
    return opened, disabled


def test_offline_home_and_capture_screens_leave_no_dead_end(page, context, live_server):
    login(page, live_server, "clerk")  # a clerk's home: sampling points, then gates, and tools
    wait_scripts(page)
    page.wait_for_function("() => document.getElementById('home').dataset.ready === 'saved'")
    wait_offline_ready(page, "() => document.getElementById('home').dataset.ready === 'saved'")
    online_home = page.evaluate(LINKS, "#home")
    point = next(link["href"] for link in online_home if link["href"].startswith("/sampling/")
                 and not link["href"].endswith("/tubes"))
    page.goto(live_server.url + point)  # the sampling screen online, with its link to the tubes
    wait_scripts(page)
    tubes_link = page.locator("a[href$='/tubes'], a[data-href$='/tubes']")
    assert tubes_link.count() == 1

    go_offline(context, page)
    # The page loaded online learns the server is gone: its online-only link is disabled.
    page.wait_for_function("() => document.body.dataset.reachable === 'no'")
    assert tubes_link.get_attribute("aria-disabled") == "true" and "需联网" in tubes_link.inner_text()

    # The home page offline: the copy kept on the phone, same links, online-only ones disabled.
    page.goto(live_server.url + "/")
    page.wait_for_function("() => document.getElementById('home').dataset.ready === 'drawn'")
    wait_scripts(page)
    page.wait_for_function("() => document.body.dataset.reachable === 'no'")
    offline_home = page.evaluate(LINKS, "#home")
    assert [link["text"].replace("需联网", "").strip() for link in offline_home] == \
        [link["text"] for link in online_home]
    opened, disabled = follow_every_link(page, live_server.url, "#home", expect_disabled=["今天的试管", "今日日志", "扫码测试"])
    assert "我的任务" in opened and any(text.startswith("社区广场采样点") for text in opened)
    assert len(disabled) == sum(1 for link in online_home if link["href"].endswith(("/log", "/tubes", "/scan")))

    # The capture screens' navigation offline: the top bar and the status bar (its link to the
    # records needing attention shows once one does).
    page.evaluate(NEEDS_ATTENTION)
    for screen in (point, next(link["href"] for link in online_home if link["href"].startswith("/gate/")
                               and not link["href"].endswith("/log"))):
        page.goto(live_server.url + screen)
        page.wait_for_function(OURS)
        wait_scripts(page)
        follow_every_link(page, live_server.url, "header.topbar", expect_disabled=[])
        follow_every_link(page, live_server.url, "#statusbar", expect_disabled=[])
        home = page.locator("header.topbar a.btn")  # the shell's 首页 button, white on blue
        colours = home.evaluate("(a) => [getComputedStyle(a).color, getComputedStyle(a).backgroundColor]")
        assert colours[0] == "rgb(255, 255, 255)" and colours[1] in ("rgba(0, 0, 0, 0)", "transparent"), colours

    # A page that needs the server, opened offline: says so in Chinese, with a way back.
    for path in ("/supervisor/board", "/scan", point + "/tubes"):
        page.goto(live_server.url + path)
        page.wait_for_function(OURS)
        assert page.locator("#needs-network h1").inner_text() == "此页面需要联网"
        page.click("#needs-network a[href='/']")
        page.wait_for_function("() => document.getElementById('home')?.dataset.ready === 'drawn'")

    # Back online: the same home links work again.
    context.set_offline(False)
    page.goto(live_server.url + "/")
    wait_scripts(page)
    page.wait_for_function("() => document.body.dataset.reachable === 'yes'")
    assert page.locator("#home a[aria-disabled='true']").count() == 0
