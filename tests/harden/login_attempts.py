"""Run as a separate process (another "worker"): wrong-PIN attempts against one database.

    python -m tests.harden.login_attempts DB_URL STORAGE_URI USERNAME COUNT [FORGED_XFF]

Prints the status codes, one JSON list. Each attempt may carry a different forged
X-Forwarded-For, as an attacker rotating addresses would send."""
import json
import sys

from server import create_app
from tests.conftest import base_config


def main(url, storage, username, count, forge=""):
    app = create_app({**base_config(url), "RATELIMIT_STORAGE_URI": storage,
                      "LOGIN_RATE_LIMIT": "6 per 5 minutes"})
    client = app.test_client()
    statuses = []
    for i in range(int(count)):
        headers = {"X-Forwarded-For": f"{forge}{i}"} if forge else {}
        response = client.post("/api/v1/devices", headers=headers, json={
            "username": username, "pin": "000000", "device_name": "attacker"})
        statuses.append(response.status_code)
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(*sys.argv[1:])
