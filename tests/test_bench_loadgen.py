"""The benchmark's load generator sends a batch again as a phone does: after a lost connection
or a server error, not after a refusal."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import loadgen


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn
    seen: list = []  # (batch, attempt) in order
    script: dict = {}  # batch -> answers for its attempts: "drop", 503, 400 ... then 200

    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["batch"]
        attempt = sum(b == batch for b, _a in self.seen)
        self.seen.append((batch, attempt))
        answers = self.script.get(batch, [])
        answer = answers[attempt] if attempt < len(answers) else 200
        if answer == "drop":
            self.close_connection = True  # no answer at all: the connection is lost
            return
        body = json.dumps({"results": [{"id": "x", "status": "accepted"}]}).encode()
        self.send_response(answer)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Server.seen, _Server.script = [], {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _run_load(*args, **kwargs) -> dict:
    # In a thread of its own: a browser test run before this one by the same pytest worker
    # leaves an event loop running in this thread (Playwright's sync API), and asyncio.run()
    # refuses to start another there.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(loadgen.run_load, *args, **kwargs).result()


def _bodies(n):
    return [(json.dumps({"batch": i}).encode(), 10) for i in range(n)]


def test_a_lost_connection_or_a_server_error_sends_the_same_batch_again(server, monkeypatch):
    monkeypatch.setattr(loadgen, "RETRY_PAUSE_S", 0.01)
    _Server.script = {1: ["drop"], 2: [503, 503]}
    result = _run_load(server.server_port, [("token", _bodies(4))], seconds=30)
    assert result["records"] == 40  # every batch stored in the end
    assert [b for b, _a in _Server.seen] == [0, 1, 1, 2, 2, 2, 3]
    assert result["errors"] == 3
    assert result["error_kinds"] == {"ConnectionResetError": 1, "HTTP 503": 2}
    assert len(result["finished"]) == 1  # the phone emptied its queue


def test_a_refused_batch_is_not_sent_again_and_a_hopeless_one_is_given_up(server, monkeypatch):
    monkeypatch.setattr(loadgen, "RETRY_PAUSE_S", 0.01)
    _Server.script = {0: [400], 1: [503] * loadgen.ATTEMPTS}
    result = _run_load(server.server_port, [("token", _bodies(3))], seconds=30)
    assert [b for b, _a in _Server.seen] == [0] + [1] * loadgen.ATTEMPTS + [2]
    assert result["records"] == 10  # only the last batch was stored
    assert result["error_kinds"] == {"HTTP 400": 1, "HTTP 503": loadgen.ATTEMPTS}
