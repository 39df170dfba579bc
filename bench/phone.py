"""The phone side, in headless Chromium with 4x CPU throttling (CDP), on the sampling screen.

- scan -> "saved": wedge-typed ID numbers into open tubes, the page's own performance measure
  "scan" (Enter keydown to the feedback written), against one bare IndexedDB put in the same
  throttled page;
- outbox writes/s (outbox.add, one awaited after the other as the screen does) against bare puts;
- drain 1,000 queued records on loopback (tube open, 10 samples, seal; repeated) against the
  same records posted straight from Python in batches of the same size;
- offline reload of the capture screen against an online reload;
- JS heap of the capture screen with 10,000 records queued against the same screen empty;
- app-shell transfer size (gzip -9 of every precached file but the .wasm) against the
  150 KB budget.
Needs /usr/bin/chromium (CHECKPOINT_CHROMIUM); skipped with a message when it is missing."""
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("CHECKPOINT_CHROMIUM", "/usr/bin/chromium")
THROTTLE = 4
SCANS = int(os.environ.get("BENCH_PHONE_SCANS", "40"))
QUEUED = int(os.environ.get("BENCH_PHONE_QUEUED", "10000"))
SHELL_BUDGET_KB = 150

# In the page: the modules the screens use, and a bare IndexedDB of our own for the baseline.
JS_SETUP = """async () => {
  window.bench = {
    outbox: await import('/client/offline/outbox.js'),
    session: await import('/client/offline/session.js'),
    sync: await import('/client/offline/sync.js'),
    store: await import('/client/offline/db.js'),
  };
  window.bench.bare = await new Promise((ok, fail) => {
    const open = indexedDB.open('bench-bare', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('rows', { keyPath: 'id' });
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
  window.bench.put = (row) => new Promise((ok, fail) => {
    const tx = window.bench.bare.transaction('rows', 'readwrite');
    tx.objectStore('rows').put(row);
    tx.oncomplete = ok;
    tx.onerror = () => fail(tx.error);
  });
}"""

JS_BARE_PUTS = """async (n) => {
  const times = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await window.bench.put({ id: crypto.randomUUID(), type: 'sample', recorded_at: new Date().toISOString(),
      data: { site_id: 1, tube: 'T' + i, person: { doc_type: 'cn_ric', doc_number: '110105195001010011' } },
      state: 'pending', created: Date.now() });
    times.push(performance.now() - s);
  }
  return { times, seconds: (performance.now() - t0) / 1000 };
}"""

JS_OUTBOX_ADDS = """async ([records, siteId]) => {
  const device = await window.bench.session.current();
  const t0 = performance.now();
  for (const [type, data] of records) await window.bench.outbox.add(type, { site_id: siteId, ...data }, device);
  return (performance.now() - t0) / 1000;
}"""


def _records(n: int, prefix: str) -> list:
    """n records as a sampling point sends them: open a tube, 10 people, seal; again."""
    from tests.records import valid_id
    out, t = [], 0
    while len(out) < n:
        tube = f"T{prefix}{t:07d}"  # the default pattern: 8 to 20 of A-Z0-9
        out.append(("tube_open", {"tube": tube, "capacity": 10}))
        for k in range(10):
            out.append(("sample", {"tube": tube, "person": {"doc_type": "cn_ric",
                                                           "doc_number": valid_id(50_000 + t * 10 + k)}}))
        out.append(("tube_seal", {"tube": tube}))
        t += 1
    return out[:n]


def _pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def shell_size(server) -> dict:
    """Bytes of the precached app shell (sw.js manifest) raw and gzip -9, the .wasm apart."""
    with urllib.request.urlopen(server.url + "/sw.js") as response:
        text = response.read().decode()
    start = text.index('{"version"')
    manifest = json.JSONDecoder().raw_decode(text[start:])[0]
    raw = packed = wasm = 0
    for url in ["/sw.js", *manifest["urls"]]:
        with urllib.request.urlopen(server.url + url) as response:
            body = response.read()
        if url.endswith(".wasm"):
            wasm += len(gzip.compress(body, 9))
            continue
        raw += len(body)
        packed += len(gzip.compress(body, 9))
    return {"files": len(manifest["urls"]) + 1, "raw_kb": raw / 1024, "gzip_kb": packed / 1024,
            "wasm_gzip_kb": wasm / 1024}


def _post_direct(server, token, device_id, records, site_id, batch=200) -> float:
    """The same kind of records posted straight to /api/v1/sync: the server's floor."""
    t0 = time.perf_counter()
    for i in range(0, len(records), batch):
        body = {"device_id": device_id, "app_version": "bench", "pending": 0, "records": [
            {"id": str(uuid.uuid4()), "seq": 1_000_000 + i + k, "type": type_,
             "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S.000+08:00", time.gmtime(time.time() + 8 * 3600)),
             "data": {"site_id": site_id, **data}} for k, (type_, data) in enumerate(records[i:i + batch])]}
        request = urllib.request.Request(server.url + "/api/v1/sync", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        bad = [r for r in answer["results"] if r["status"] not in ("accepted", "duplicate")]
        if bad:
            raise RuntimeError(f"direct post refused: {bad[:2]}")
    return time.perf_counter() - t0


def run(server, browser) -> dict:
    from tests.browser.conftest import MOBILE, login
    from tests.records import valid_id

    out = {}
    out["shell"] = shell_size(server)
    context = browser.new_context(**MOBILE)
    page = context.new_page()
    login(page, server, "clerk")
    site_id = server.query("SELECT id FROM site WHERE code = 'S1'")[0][0]
    screen = f"{server.url}/sampling/{site_id}"
    page.goto(screen)
    ready = "() => document.getElementById('sampling').dataset.ready === 'true'"
    page.wait_for_function(ready)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.evaluate(JS_SETUP)

    # Scan -> saved, key by key like a wedge scanner; person scans only (a tube scan also
    # makes a "scan" measure).
    measures = "() => performance.getEntriesByName('scan').map((e) => e.duration)"
    grown = "(n) => performance.getEntriesByName('scan').length > n"
    page.focus("#scan")
    scans = []
    for i in range(SCANS):
        if i % 10 == 0:
            if i:
                page.click("#seal")
                page.wait_for_function("() => !document.getElementById('seal').classList.contains('attention')")
            page.focus("#scan")
            before = len(page.evaluate(measures))
            page.keyboard.type(f"TB{i // 10:08d}", delay=3)
            page.keyboard.press("Enter")
            page.wait_for_function(grown, arg=before)
        before = len(page.evaluate(measures))
        page.keyboard.type(valid_id(90_000 + i), delay=3)
        page.keyboard.press("Enter")
        page.wait_for_function(grown, arg=before)
        scans.append(page.evaluate(measures)[before])
    bare = page.evaluate(JS_BARE_PUTS, 100)
    out["scan_ms"] = {"n": len(scans), "p50": statistics.median(scans), "p95": _pct(scans, 0.95)}
    out["bare_put_ms"] = {"p50": statistics.median(bare["times"]), "p95": _pct(bare["times"], 0.95)}
    # Outbox writes/s, offline so the page does not send them meanwhile.
    context.set_offline(True)
    n = 500
    seconds = page.evaluate(JS_OUTBOX_ADDS, [_records(n, "W"), site_id])
    bare = page.evaluate(JS_BARE_PUTS, n)
    out["outbox_writes_per_s"] = n / seconds
    out["bare_puts_per_s"] = n / bare["seconds"]
    # Drain 1,000 on loopback: what is queued (the 500 above too) goes first; clear it.
    page.evaluate("() => window.bench.store.db().then((d) => d.clear('outbox'))")
    drain = _records(1000, "D")
    page.evaluate(JS_OUTBOX_ADDS, [drain, site_id])
    t0 = time.perf_counter()  # going online starts the page's own sync at once
    context.set_offline(False)
    page.evaluate("async () => { for (let i = 0; i < 50; i++) { await window.bench.sync.syncNow();"
                  " if (await window.bench.store.outboxCount('pending') === 0) return; } }")
    deadline = time.monotonic() + 120
    while page.evaluate("() => window.bench.store.outboxCount('pending')") and time.monotonic() < deadline:
        time.sleep(0.05)
    out["drain_1000_s"] = time.perf_counter() - t0
    out["drain_states"] = page.evaluate("() => window.bench.store.outboxAll().then((all) =>"
                                        " all.reduce((c, e) => ({...c, [e.state]: (c[e.state] || 0) + 1}), {}))")
    out["drain_server_rows"] = server.query("SELECT count(*) FROM sample WHERE tube_id IN "
                                            "(SELECT id FROM tube WHERE barcode LIKE 'TD%')")[0][0]
    refused = page.evaluate("() => window.bench.store.outboxCount('rejected')")
    if refused or out["drain_states"] or out["drain_server_rows"] != 1000 * 10 // 12:
        raise RuntimeError(f"drain incomplete ({refused} rejected, left {out['drain_states']}, "
                           f"{out['drain_server_rows']} samples arrived): the figure would be wrong")
    device = page.evaluate("() => window.bench.session.current()")
    out["direct_1000_s"] = _post_direct(server, device["token"], device["device_id"], _records(1000, "P"), site_id)
    # Reload online, then offline (served by the service worker).
    t0 = time.perf_counter()
    page.reload()
    page.wait_for_function(ready)
    out["reload_online_s"] = time.perf_counter() - t0
    context.set_offline(True)
    t0 = time.perf_counter()
    page.reload()
    page.wait_for_function(ready)
    out["reload_offline_s"] = time.perf_counter() - t0
    # JS heap of the capture screen, empty outbox, then QUEUED records queued.
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})

    def heap_mb():
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1024 / 1024

    out["heap_empty_mb"] = heap_mb()
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})  # filling is set-up, not measured
    page.evaluate(JS_SETUP)
    page.evaluate(JS_OUTBOX_ADDS, [_records(QUEUED, "Q"), site_id])
    page.reload()
    page.wait_for_function(ready)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.wait_for_timeout(1000)  # the status bar counts the queue after "ready"
    out["queued"] = page.evaluate("() => import('/client/offline/db.js').then((s) => s.outboxCount('pending'))")
    out["heap_queued_mb"] = heap_mb()
    out["chromium"] = browser.version
    context.close()
    return out


def main() -> list[dict]:
    if not os.path.exists(CHROMIUM):
        print(f"  phone: Chromium not found at {CHROMIUM}; skipped")
        return []
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import NO_DNS, LiveServer

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[NO_DNS, "--log-level=3"])
                try:
                    out = run(server, browser)
                finally:
                    browser.close()
        finally:
            server.stop()
            server.log.close()
    (RESULTS / "phone.json").write_text(json.dumps(out, indent=2))
    s = out["shell"]
    print(f"  Chromium {out['chromium']}, CPU throttled {THROTTLE}x")
    print(f"  scan -> saved: p50 {out['scan_ms']['p50']:.1f} ms, p95 {out['scan_ms']['p95']:.1f} ms "
          f"({out['scan_ms']['n']} scans); bare IndexedDB put p95 {out['bare_put_ms']['p95']:.1f} ms")
    print(f"  outbox {out['outbox_writes_per_s']:.0f} records/s; bare puts {out['bare_puts_per_s']:.0f}/s")
    print(f"  drain 1,000: {out['drain_1000_s']:.2f} s; direct post {out['direct_1000_s']:.2f} s")
    print(f"  reload online {out['reload_online_s']:.2f} s, offline {out['reload_offline_s']:.2f} s")
    print(f"  heap: empty {out['heap_empty_mb']:.1f} MB, {out['queued']:,} queued {out['heap_queued_mb']:.1f} MB")
    print(f"  shell: {s['files']} files, {s['raw_kb']:.0f} KB raw, {s['gzip_kb']:.0f} KB gzip "
          f"(+ .wasm {s['wasm_gzip_kb']:.0f} KB gzip)")
    row = lambda case, value, unit, base: {"bench": "phone", "case": case, "value": value, "unit": unit,  # noqa: E731
                                           "baseline": base, "ratio": value / base if base else float("nan")}
    return [
        row("scan->saved p95 (target < 100) vs bare IndexedDB put p95", out["scan_ms"]["p95"], "ms",
            out["bare_put_ms"]["p95"]),
        row("outbox writes vs bare IndexedDB puts", out["outbox_writes_per_s"], "records/s", out["bare_puts_per_s"]),
        row("drain 1,000 queued (target < 10) vs direct POSTs", out["drain_1000_s"], "s", out["direct_1000_s"]),
        row("offline reload vs online reload", out["reload_offline_s"], "s", out["reload_online_s"]),
        row(f"JS heap, {out['queued']:,} queued (target < 30) vs empty", out["heap_queued_mb"], "MB",
            out["heap_empty_mb"]),
        row("app shell gzip (before .wasm) vs 150 KB budget", s["gzip_kb"], "KB", SHELL_BUDGET_KB),
    ]


if __name__ == "__main__":
    main()
