"""Every page of the supervisor's row of pages, over HTTPS through the proxy at 360x740 in zh-CN:
it loads without a script error or a blocked style (CSP), fits the screen's width, and opens with
its own button of the swipeable row in view (the late ones used to open out of sight), and
every fold with its marker."""
from .conftest import login
from .sampling_helpers import site_id

# Folds on the page that do not show that they open: neither the browser's marker nor a ▸ of ours.
BARE_FOLDS = """() => [...document.querySelectorAll('summary')].filter((s) => s.offsetParent
    && getComputedStyle(s).display !== 'list-item'
    && !['"▸"', '"▾"'].includes(getComputedStyle(s, '::before').content)).map((s) => s.textContent.trim())"""


def test_each_supervisor_page_loads_clean_with_its_button_in_view(page, https_server):
    errors = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    login(page, https_server, "supervisor")
    links = page.locator(".subnav a").evaluate_all("(links) => links.map((a) => [a.href, a.textContent.trim()])")
    assert len(links) >= 15, links
    for href, words in links:
        page.goto(href)
        current = page.locator('.subnav a[aria-current="page"]')
        assert current.inner_text().strip() == words, (href, current.inner_text())
        page.wait_for_function("""() => {
            const b = document.querySelector('.subnav [aria-current="page"]').getBoundingClientRect();
            return b.left >= 0 && b.right <= innerWidth;
        }""", timeout=5_000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, href
        # Every fold shows that it opens: the browser's marker, or the ▸ drawn in its place.
        assert page.evaluate(BARE_FOLDS) == [], href
    # The clerk's list of the day's tubes loads htmx too.
    page.context.clear_cookies()
    login(page, https_server, "clerk")
    page.goto(f"{https_server.url}/sampling/{site_id(https_server)}/tubes")
    page.locator("#tube-search").fill("T")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the search's htmx request (delay 300 ms) and its swap
    assert page.evaluate(BARE_FOLDS) == []
    assert not errors, errors
