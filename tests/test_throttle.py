"""PIN throttling counts across workers (processes) through the database, and a forged
X-Forwarded-For neither resets nor dodges it."""
import json
import os
import subprocess
import sys
from pathlib import Path


from tests.conftest import PIN

ROOT = Path(__file__).resolve().parent.parent


def attempts_in_other_process(url, username, count, storage="checkpointdb://", forge=""):
    """Wrong-PIN attempts made by a separate Python process, like another gunicorn worker."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.harden.login_attempts", url, storage, username, str(count),
         forge], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_two_processes_share_one_count_and_forged_addresses_do_not_reset_it(
        database_url, world):
    username = world["a"]["clerk"].username
    first = attempts_in_other_process(database_url, username, 4)
    assert first == [401] * 4
    # A second worker, and every attempt claims another address: still the same account.
    second = attempts_in_other_process(database_url, username, 4, forge="203.0.113.")
    assert second == [401, 401, 429, 429]


def test_memory_storage_would_count_per_process(database_url, world):
    """The control: per-process counting lets a second worker start again from zero."""
    username = world["a"]["clerk"].username
    attempts_in_other_process(database_url, username, 4, storage="memory://")
    assert attempts_in_other_process(database_url, username, 4, storage="memory://") == [401] * 4


def test_forged_forwarded_for_does_not_dodge_the_per_address_limit(make_app, world):
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://", LOGIN_ADDRESS_RATE_LIMIT="3 per 5 minutes")
    client = app.test_client()
    statuses = [client.post("/login", headers={"X-Forwarded-For": f"198.51.100.{i}"},
                            data={"username": f"nobody{i}", "pin": "000000"}).status_code
                for i in range(5)]
    # Different usernames each time: only the per-address limit can stop this.
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.post("/login", data={"username": "x", "pin": "000000"})
    assert "尝试次数过多" in refused.get_data(as_text=True)
    # The device login shares the address's count: no fresh guesses through the API.
    api = client.post("/api/v1/devices", json={"username": "y", "pin": "000000"},
                      headers={"Accept-Language": "en"})
    assert api.status_code == 429
    assert api.get_json()["error"] == {"code": "too_many_requests", "message":
                                       "Too many attempts: wait a few minutes, then try again."}


def test_trusted_proxy_count_makes_the_forwarded_address_count(make_app, world):
    """Behind one declared proxy the client address is the proxy's X-Forwarded-For entry."""
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://", LOGIN_ADDRESS_RATE_LIMIT="2 per 5 minutes",
                   TRUSTED_PROXIES=1)
    client = app.test_client()

    def attempt(address, i):
        return client.post("/login", headers={"X-Forwarded-For": address},
                           data={"username": f"nobody{i}", "pin": "000000"}).status_code

    assert [attempt("198.51.100.7", i) for i in range(3)] == [200, 200, 429]
    assert attempt("198.51.100.8", 9) == 200  # another phone behind the same proxy


def test_a_good_pin_still_works_and_costs_nothing(make_app, world):
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://")
    client = app.test_client()
    for _ in range(3):
        response = client.post("/api/v1/devices", json={
            "username": world["a"]["clerk"].username, "pin": PIN, "device_name": "phone"})
        assert response.status_code == 201
        assert response.headers["X-RateLimit-Remaining"] == "10"  # only wrong PINs count


def test_fifty_phones_on_one_wifi_log_in_while_one_account_is_guessed(make_app, make_user, world):
    """Shared Wi-Fi (issue 13): 50 phones behind one address log in within a minute, each on
    the page and for its device token (100 correct PINs), and all succeed, while 11 wrong PINs
    for one account, split across the page and the device API, are refused from the 11th.
    Real limits (10 per 5 minutes per account, 100 per address), counted in the database."""
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://")
    phones = [make_user(world["a"]["community"], username=f"phone{i:02}", role="volunteer")
              for i in range(50)]
    victim = world["a"]["clerk"].username
    correct, wrong = [], []

    def right_pin(user):
        client = app.test_client()  # one phone each
        page = client.post("/login", data={"username": user.username, "pin": PIN}).status_code
        api = client.post("/api/v1/devices", json={"username": user.username, "pin": PIN,
                                                   "device_name": "phone"}).status_code
        return page, api

    def wrong_pin(n):
        client = app.test_client()
        if n % 2:
            response = client.post("/login", data={"username": victim, "pin": "000000"})
            return "wrong" if response.status_code == 200 else response.status_code
        response = client.post("/api/v1/devices", json={"username": victim, "pin": "000000",
                                                         "device_name": "x"})
        return "wrong" if response.status_code == 401 else response.status_code

    for i, user in enumerate(phones):
        correct.append(right_pin(user))
        if i % 4 == 3 and len(wrong) < 11:  # a mistyped PIN now and then, all on one account
            wrong.append(wrong_pin(len(wrong)))
    assert len(wrong) == 11
    assert wrong == ["wrong"] * 10 + [429]
    assert correct == [(302, 201)] * 50
    # The account being guessed stays closed even to its right PIN until the window ends.
    locked = app.test_client().post("/login", data={"username": victim, "pin": PIN})
    assert locked.status_code == 429


def test_wrong_pins_sent_at_once_cannot_slip_past_the_count(make_app, world):
    """Each attempt counts before its PIN is checked: 24 guesses in parallel, 10 checked."""
    from concurrent.futures import ThreadPoolExecutor

    from flask.testing import FlaskClient

    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://")
    victim = world["a"]["clerk"].username

    def guess(i):
        client = FlaskClient(app, use_cookies=False)
        return client.post("/api/v1/devices", json={"username": victim, "pin": f"{i:06}",
                                                    "device_name": "x"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(guess, range(24)))
    assert statuses == [401] * 10 + [429] * 14
