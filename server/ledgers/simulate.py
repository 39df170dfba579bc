"""A door-sensor simulator for tests and demos: signs events as the property platform would
and posts them to a URL, or to this app in-process when no URL is given."""
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

from .signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

PATH = "/api/v1/door-events"


def signed_request(key_id: str, secret: str, sensor_id: str, action: str = "open",
                   event_id: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The raw body and headers of one event."""
    body = json.dumps({"event_id": event_id or str(uuid.uuid4()), "sensor_id": sensor_id,
                       "action": action,
                       "occurred_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                      separators=(",", ":")).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return body, {"Content-Type": "application/json", KEY_HEADER: key_id, TIMESTAMP_HEADER: stamp,
                  SIGNATURE_HEADER: sign(secret, stamp, body)}


def send(body: bytes, headers: dict, url: str | None = None, client=None) -> tuple[int, dict]:
    """Post one event; (status, JSON answer)."""
    if url is None:
        response = client.post(PATH, data=body, headers=headers)
        return response.status_code, response.get_json(silent=True) or {}
    request = urllib.request.Request(url.rstrip("/") + PATH, data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (operator's URL)
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
