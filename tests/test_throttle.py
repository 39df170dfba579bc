"""PIN throttling counts across workers (processes) through the database, and a forged
X-Forwarded-For neither resets nor dodges it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://", LOGIN_RATE_LIMIT="3 per 5 minutes")
    client = app.test_client()
    statuses = [client.post("/login", headers={"X-Forwarded-For": f"198.51.100.{i}"},
                            data={"username": f"nobody{i}", "pin": "000000"}).status_code
                for i in range(5)]
    # Different usernames each time: only the per-address limit can stop this.
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.post("/login", data={"username": "x", "pin": "000000"})
    assert "尝试次数过多" in refused.get_data(as_text=True)
    for i in range(4):  # the device login has its own per-address count
        api = client.post("/api/v1/devices", json={"username": f"y{i}", "pin": "000000"},
                          headers={"Accept-Language": "en"})
    assert api.status_code == 429
    assert api.get_json()["error"] == {"code": "too_many_requests", "message":
                                       "Too many attempts: wait a few minutes, then try again."}


def test_trusted_proxy_count_makes_the_forwarded_address_count(make_app, world):
    """Behind one declared proxy the client address is the proxy's X-Forwarded-For entry."""
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://", LOGIN_RATE_LIMIT="2 per 5 minutes",
                   TRUSTED_PROXIES=1)
    client = app.test_client()

    def attempt(address, i):
        return client.post("/login", headers={"X-Forwarded-For": address},
                           data={"username": f"nobody{i}", "pin": "000000"}).status_code

    assert [attempt("198.51.100.7", i) for i in range(3)] == [200, 200, 429]
    assert attempt("198.51.100.8", 9) == 200  # another phone behind the same proxy


def test_a_good_pin_still_works_under_the_limit(make_app, world):
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://")
    client = app.test_client()
    response = client.post("/api/v1/devices", json={
        "username": world["a"]["clerk"].username, "pin": PIN, "device_name": "phone"})
    assert response.status_code == 201
    assert response.headers["X-RateLimit-Remaining"] == "9"
