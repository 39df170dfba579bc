"""Slow or idle phones never stall the app in `make run HOST=0.0.0.0` mode: the proxy (Caddy,
deploy/Caddyfile) holds them; gunicorn's few threads only ever see whole requests."""
import http.client
import socket
import ssl
import threading
import time

import pytest

from tests.browser.conftest import HttpsServer, proxy_problem, require

SLOW_CLIENTS = 64
HEALTH_CHECKS = 10


def tls_socket(port: int, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return context.wrap_socket(raw, server_hostname="localhost")


def dribble(port, context, kind, stop: threading.Event, started: threading.Semaphore,
            errors: list):
    """One slow phone: headers a byte at a time, a body a byte at a time, or an idle
    connection. Bounded: it ends when the test ends (stop) or after 60 s."""
    head = {
        "headers": b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\n",
        "body": (b"POST /api/v1/sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                 b"\r\nAuthorization: Bearer x\r\nContent-Length: 100000\r\n\r\n"),
        "idle": b"",
    }[kind]
    try:
        sock = tls_socket(port, context)
    except OSError as error:
        errors.append(error)
        started.release()
        return
    try:
        if kind == "idle":
            started.release()
        if kind == "body":
            sock.sendall(head)  # whole headers at once, then the body byte by byte
            head = b'{"records": [' + b" " * 1000
        deadline = time.monotonic() + 60
        for i, byte in enumerate(head):
            if stop.wait(0.25) or time.monotonic() > deadline:
                return
            sock.sendall(bytes([byte]))
            if i == 0:
                started.release()  # first byte sent: this client now occupies a connection
        stop.wait(max(0.0, deadline - time.monotonic()))  # then hold the connection open
    except OSError:
        pass  # the proxy may cut a client off: that is its right
    finally:
        sock.close()


def health_seconds(port: int, context: ssl.SSLContext) -> float:
    started = time.monotonic()
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        connection.request("GET", "/api/v1/health")
        answer = connection.getresponse()
        # The app's own answer, its database reached (the scheduler, started beside it, may not
        # have beaten yet on a busy machine: "degraded" for that reason is still an answer).
        assert answer.status == 200 and b'"db":"ok"' in answer.read().replace(b" ", b"")
    finally:
        connection.close()
    return time.monotonic() - started


@pytest.fixture
def lan_server(tmp_path):
    """`checkpoint serve --host 0.0.0.0` with make run's defaults (2 workers x 4 threads)."""
    require(proxy_problem())
    server = HttpsServer(tmp_path, certificate=None, workers=2, threads=4).start()
    yield server
    server.stop()
    server.close()


def test_64_slow_clients_do_not_delay_health_past_a_second(lan_server, capsys):
    context = ssl.create_default_context(cafile=str(lan_server.instance / "tls-cert.pem"))
    stop, started, errors = threading.Event(), threading.Semaphore(0), []
    kinds = ["headers", "body", "idle", "headers"] * (SLOW_CLIENTS // 4)
    clients = [threading.Thread(target=dribble, args=(lan_server.port, context, kind, stop, started, errors))
               for kind in kinds]
    try:
        for client in clients:
            client.start()
        # Every slow client is connected and dribbling before the health checks begin.
        for _ in clients:
            assert started.acquire(timeout=30)
        assert errors == []
        took = [health_seconds(lan_server.port, context) for _ in range(HEALTH_CHECKS)]
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    with capsys.disabled():
        print(f"\n/api/v1/health with {SLOW_CLIENTS} slow clients: "
              f"max {max(took) * 1000:.0f} ms, median {sorted(took)[len(took) // 2] * 1000:.0f} ms")
    assert max(took) < 1.0, took
    # Phones can only reach the proxy: gunicorn listens on loopback.
    assert "Listening at: http://127.0.0.1:" in lan_server.logs()
    assert "Listening at: http://0.0.0.0" not in lan_server.logs()
