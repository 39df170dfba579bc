"""A small asyncio HTTP/1.1 load generator for loopback benchmarks (keep-alive, no deps).

Each simulated phone posts its pre-encoded batches one after the other for a bounded time
(or until it has sent them all), optionally pausing between batches as real phones do, and
sends a batch again after a lost connection or a server error, as a phone's sync loop does."""
import asyncio
import json
import random
import statistics
import time


async def _post(reader, writer, port, path, body: bytes, token: str | None):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n")
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("the server closed the connection")
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    payload = await reader.readexactly(length)
    return int(status_line.split()[1]), payload


def _failed(stats, kind: str) -> None:
    # What failed, not only how often: a keep-alive connection closed under a phone and a
    # server answering 503 are different findings.
    stats["errors"] += 1
    stats["error_kinds"][kind] = stats["error_kinds"].get(kind, 0) + 1


# A phone sends a batch again after a lost connection or a server error (its sync loop backs
# off and retries the same records); a batch failing this often is given up and counted.
ATTEMPTS = 5
RETRY_PAUSE_S = 0.2


async def _phone(port, path, token, bodies, deadline, stats, pause, started):
    if pause:  # phones on timers are not in step: spread the first posts over one pause
        await asyncio.sleep(random.uniform(0, pause))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for body, count in bodies:
            status = None
            for _attempt in range(ATTEMPTS):
                if time.monotonic() >= deadline:
                    return
                begun = time.monotonic()
                try:
                    status, payload = await _post(reader, writer, port, path, body, token)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    _failed(stats, type(error).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                stats["latencies"].append(time.monotonic() - begun)
                if status == 200:
                    break
                _failed(stats, f"HTTP {status}")
                if status < 500:
                    break  # refused for good: a phone does not send it again unchanged
                await asyncio.sleep(RETRY_PAUSE_S)
            if status == 200:
                stats["records"] += count
                stats["sent"].append((token, body, count))
                # A record answered "conflict" or "rejected" was not stored: a load sending
                # those measures the server refusing records, not storing them.
                stats["refused"] += sum(r["status"] in ("conflict", "rejected")
                                        for r in json.loads(payload)["results"])
            if pause:
                # A phone on a timer comes back on a new connection (the server closes idle
                # keep-alive connections after a couple of seconds).
                writer.close()
                await asyncio.sleep(pause)
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        stats["finished"].append(time.monotonic() - started)
    finally:
        writer.close()


def run_load(port: int, phones: list[tuple[str | None, list[tuple[bytes, int]]]], seconds: float,
             path: str = "/api/v1/sync", pause: float = 0.0) -> dict:
    """phones: (token, [(body, record count), ...]) each. Returns throughput, latencies, and
    when each phone that sent all its batches was done (seconds from the start)."""
    stats = {"records": 0, "errors": 0, "error_kinds": {}, "refused": 0, "latencies": [], "sent": [],
             "finished": []}
    started = time.monotonic()

    async def main():
        deadline = started + seconds
        await asyncio.gather(*(_phone(port, path, token, bodies, deadline, stats, pause, started)
                               for token, bodies in phones))

    asyncio.run(main())
    elapsed = time.monotonic() - started
    latencies = sorted(stats["latencies"]) or [0.0]
    return {"records_per_s": stats["records"] / elapsed, "records": stats["records"],
            "errors": stats["errors"], "error_kinds": stats["error_kinds"], "refused": stats["refused"], "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "seconds": elapsed, "sent": stats["sent"], "finished": sorted(stats["finished"])}
