"""A small asyncio HTTP/1.1 load generator for loopback benchmarks (keep-alive, no deps).

Each simulated phone posts its pre-encoded batches one after the other for a bounded time."""
import asyncio
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


async def _phone(port, path, token, bodies, deadline, stats):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for body, count in bodies:
            if time.monotonic() >= deadline:
                break
            started = time.monotonic()
            try:
                status, _payload = await _post(reader, writer, port, path, body, token)
            except (ConnectionError, asyncio.IncompleteReadError):
                stats["errors"] += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            stats["latencies"].append(time.monotonic() - started)
            if status == 200:
                stats["records"] += count
                stats["sent"].append((token, body, count))
            else:
                stats["errors"] += 1
    finally:
        writer.close()


def run_load(port: int, phones: list[tuple[str | None, list[tuple[bytes, int]]]], seconds: float,
             path: str = "/api/v1/sync") -> dict:
    """phones: (token, [(body, record count), ...]) each. Returns throughput and latencies."""
    stats = {"records": 0, "errors": 0, "latencies": [], "sent": []}

    async def main():
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_phone(port, path, token, bodies, deadline, stats)
                               for token, bodies in phones))

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    latencies = sorted(stats["latencies"]) or [0.0]
    return {"records_per_s": stats["records"] / elapsed, "records": stats["records"],
            "errors": stats["errors"], "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "seconds": elapsed, "sent": stats["sent"]}
