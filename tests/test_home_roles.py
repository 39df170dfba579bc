"""Each role's home lists only what that role may open: every link on it answers 200 for that
user, and nothing it may not open is listed (a volunteer sees no sampling point)."""
import re

import pytest

ROLES = ("volunteer", "clerk", "supervisor", "admin")


def links(html: str) -> list[str]:
    main = html.split("<main>")[1].split("</main>")[0]
    return re.findall(r'<a [^>]*href="(/[^"#]*)"', main)


@pytest.mark.parametrize("role", ROLES)
def test_every_link_of_a_roles_home_opens_for_that_role(world, client, login, make_site, role):
    a = world["a"]
    make_site(a["community"], code="S2", kind="sampling_point", name="北苑采样点")
    login(a[role])
    home = client.get("/").get_data(as_text=True)
    found = links(home)
    assert found, "the home page lists something"
    refused = {url: client.get(url).status_code for url in found}
    assert {url: status for url, status in refused.items() if status != 200} == {}
    sampling = [url for url in found if url.startswith("/sampling/")]
    supervisor = [url for url in found if url.startswith(("/supervisor", "/ledgers", "/people"))]
    gates = [url for url in found if url.startswith("/gate/")]
    assert bool(sampling) == (role != "volunteer")  # S1 and S2, their tubes, for clerks and up
    assert bool(supervisor) == (role in ("supervisor", "admin"))
    assert len(gates) == 2  # capture and today's log of G1, for everyone
    assert f"/gate/{world['b']['gate'].id}" not in found  # nothing of the other community


def test_a_clerk_finds_their_sampling_points_before_the_gates(world, client, login):
    login(world["a"]["clerk"])
    found = links(client.get("/").get_data(as_text=True))
    first_sampling = next(i for i, url in enumerate(found) if url.startswith("/sampling/"))
    first_gate = next(i for i, url in enumerate(found) if url.startswith("/gate/"))
    assert first_sampling < first_gate
