"""The outbox is encrypted at rest (issue 15): while an offline gate shift's and an offline
tube's records wait on the phone, a dump of every IndexedDB store of every database (and of
Web Storage) holds no resident's name, ID number or phone; the records still reach the server
once online. Records an older version stored in plaintext are sealed on open and none is lost;
records whose key is gone are explained in Chinese, never dropped silently."""
import json

from .conftest import wait_offline_ready
from .gate_helpers import close_more, open_gate, open_more, saved_count, wait_drained, wait_saved
from .test_cache_privacy import fill_tube, gate_shift, open_sampling_as_clerk, roster

TUBE = "T2022050688"
VISITOR_NAME = "快递员王建国"
VISITOR_PHONE = "13912345678"

# Every IndexedDB database, every store, every value (with its key); binary values (the
# ciphertexts) as text too, so plaintext stored as bytes would be found; and Web Storage.
DUMP = """async () => {
  const bytes = (v) => new TextDecoder('utf-8', { fatal: false }).decode(v) + ' ' +
    Array.from(new Uint8Array(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v),
               (b) => String.fromCharCode(b)).join('');
  const replacer = (_k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) ? bytes(v)
    : (v instanceof CryptoKey ? { cryptoKey: v.algorithm.name, extractable: v.extractable } : v);
  const dump = { indexedDB: {}, localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage } };
  for (const { name, version } of await indexedDB.databases()) {
    const d = await new Promise((ok, fail) => { const r = indexedDB.open(name, version);
      r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const stores = {};
    for (const store of d.objectStoreNames) {
      const tx = d.transaction(store);
      stores[store] = await new Promise((ok) => { const rows = [];
        tx.objectStore(store).openCursor().onsuccess = (e) => { const c = e.target.result;
          if (!c) return ok(rows); rows.push({ key: c.key, value: c.value }); c.continue(); }; });
    }
    d.close();
    dump.indexedDB[name] = stores;
  }
  return JSON.stringify(dump, replacer);
}"""


def hits(dump: str, needles) -> list[str]:
    return [n for n in needles if n and n in dump]


def outbox_rows(dump: str) -> list[dict]:
    return [row["value"] for row in json.loads(dump)["indexedDB"]["checkpoint"]["outbox"]]


def test_no_indexeddb_store_holds_personal_data_while_records_wait(page, context, live_server):
    used, everyone = roster(live_server, 3)
    needles = [n for number, phone, _name in everyone for n in (number, phone)]
    needles += [name for _number, _phone, name in used] + [VISITOR_NAME, VISITOR_PHONE]

    # A volunteer's gate shift, offline: three residents and a visitor giving name and phone.
    open_gate(page, live_server)
    context.set_offline(True)
    gate_shift(page, [number for number, _phone, _name in used])
    page.click("#dir-in")
    page.click("#unidentified")
    open_more(page)
    page.fill("#visitor-name", VISITOR_NAME)
    page.fill("#visitor-phone", VISITOR_PHONE)
    page.click("[data-reason='outsider']")
    close_more(page)
    before = saved_count(page)
    page.click(".preset[data-t='36.4']")
    wait_saved(page, before)
    page.reload()  # the shift list and the status bar work from the cache and the sealed outbox
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    page.wait_for_function("() => document.body.dataset.pending === '4'")
    page.screenshot(path=str(live_server.workdir / "outbox-gate-offline.png"))

    gate_dump = page.evaluate(DUMP)
    waiting = outbox_rows(gate_dump)
    assert len(waiting) == 4 and all(r["state"] == "pending" and "sealed" in r and "data" not in r
                                     for r in waiting)
    assert json.loads(gate_dump)["indexedDB"]["checkpoint"]["keys"][0]["value"]["key"] == {
        "cryptoKey": "AES-GCM", "extractable": False}
    assert hits(gate_dump, needles) == []

    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)
    assert live_server.query("SELECT count(*) FROM gate_entry")[0][0] == 4
    assert live_server.query("SELECT count(*) FROM gate_entry WHERE person_id IS NOT NULL")[0][0] == 3

    # A clerk's tube, offline.
    open_sampling_as_clerk(page, live_server)
    wait_offline_ready(page, "() => document.getElementById('sampling').dataset.ready === 'true'")
    context.set_offline(True)
    fill_tube(page, TUBE, [number for number, _phone, _name in used])
    page.wait_for_function("() => document.body.dataset.pending === '4'")

    tube_dump = page.evaluate(DUMP)
    assert len(outbox_rows(tube_dump)) == 4
    assert hits(tube_dump, needles) == []

    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)
    assert live_server.query("SELECT count(*) FROM sample WHERE voided_at IS NULL")[0][0] == 3


OLD_DATABASE = """async ({ entry }) => {
  // What version 1 of the app left on a phone: the same stores (their content kept: sites,
  // device tokens...), no keys store, and a record waiting in plaintext.
  const STORES = ['meta', 'devices', 'history', 'config'];
  const rows = (d, store) => new Promise((ok) => { const found = [];
    d.transaction(store).objectStore(store).openCursor().onsuccess = (e) => { const c = e.target.result;
      if (!c) return ok(found); found.push([c.key, c.value]); c.continue(); }; });
  const d2 = await new Promise((ok) => { const r = indexedDB.open('checkpoint'); r.onsuccess = () => ok(r.result); });
  const kept = {};
  for (const store of STORES) kept[store] = await rows(d2, store);
  d2.close();
  // The service worker's connection closes on the versionchange (db.js): "blocked" only waits.
  await new Promise((ok, fail) => { const r = indexedDB.deleteDatabase('checkpoint');
    r.onsuccess = ok; r.onerror = fail; });
  const d1 = await new Promise((ok) => { const r = indexedDB.open('checkpoint', 1);
    r.onupgradeneeded = () => { const d = r.result;
      d.createObjectStore('outbox', { keyPath: 'id' }).createIndex('state', 'state');
      d.createObjectStore('meta'); d.createObjectStore('devices', { keyPath: 'user_id' });
      d.createObjectStore('history', { keyPath: 'id' }).createIndex('at', 'at'); d.createObjectStore('config'); };
    r.onsuccess = () => ok(r.result); });
  const tx = d1.transaction(['outbox', ...STORES], 'readwrite');
  for (const store of STORES) {
    const os = tx.objectStore(store);
    for (const [key, value] of kept[store]) os.keyPath ? os.put(value) : os.put(value, key);
  }
  const me = kept.devices[0][1];
  tx.objectStore('meta').put(1, `seq:${me.device_id}`);
  tx.objectStore('outbox').put({ ...entry, seq: 1, user_id: me.user_id, device_id: me.device_id,
    state: 'pending', error: null, created: Date.now() });
  await new Promise((ok) => { tx.oncomplete = ok; });
  d1.close();
  return me.device_id;
}"""


def test_plaintext_records_of_an_older_version_are_sealed_on_open_and_sent(page, context, live_server):
    (number, phone, name), = roster(live_server, 1)[0]
    site = open_gate(page, live_server)
    page.goto(live_server.url + "/manifest.webmanifest")  # a page that holds no database open
    entry = {"id": "5b0c1f4e-0000-4000-8000-000000000001", "type": "gate_entry",
             "recorded_at": "2022-05-06T08:12:03.120+08:00",
             "data": {"site_id": site, "direction": "in", "temperature_c": 36.5,
                      "person": {"doc_type": "cn_ric", "doc_number": number, "name": name, "phone": phone}}}
    page.evaluate(OLD_DATABASE, {"entry": entry})

    context.set_offline(True)  # opened offline: sealed on the phone before anything is sent
    page.goto(f"{live_server.url}/gate/{site}")
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    page.wait_for_function("() => document.body.dataset.pending === '1'")
    dump = page.evaluate(DUMP)
    rows = outbox_rows(dump)
    assert [r["id"] for r in rows] == [entry["id"]] and "sealed" in rows[0] and "data" not in rows[0]
    assert hits(dump, [number, phone, name]) == []

    context.set_offline(False)
    page.click("#st-sync")
    wait_drained(page)
    assert live_server.query("SELECT count(*) FROM gate_entry WHERE person_id IS NOT NULL")[0][0] == 1


def test_records_whose_key_is_lost_are_explained_and_can_be_discarded(page, context, live_server):
    open_gate(page, live_server)
    context.set_offline(True)
    (number, _phone, _name), = roster(live_server, 1)[0]
    gate_shift(page, [number])
    # The key store is lost (site data partly cleared): the record stays, sealed, unreadable.
    page.evaluate("""async () => { const { db } = await import('/client/offline/db.js');
      await (await db()).clear('keys'); }""")
    page.reload()
    page.wait_for_function("() => document.getElementById('gate').dataset.ready === '1'")
    notice = page.locator(".st-notice", has_text="无法解密")
    notice.wait_for(state="visible")
    assert "1 条记录" in notice.inner_text() and "告知主管" in notice.inner_text()
    page.wait_for_function("() => document.body.dataset.attention === '1'")
    page.screenshot(path=str(live_server.workdir / "outbox-key-lost.png"))

    context.set_offline(False)
    page.goto(live_server.url + "/offline/attention")
    item = page.locator(".attention-item")
    item.wait_for()
    assert "无法解密" in item.inner_text() and "密钥" in item.inner_text()
    page.screenshot(path=str(live_server.workdir / "outbox-key-lost-attention.png"))
    item.locator(".discard").click()
    item.locator(".reason").first.click()
    page.wait_for_function("() => document.body.dataset.attention === '0'")
    page.click("#st-sync")
    wait_drained(page)
    # The server hears that the record was given up (its seq accounted for), nothing else.
    assert live_server.query("SELECT count(*) FROM inbox_record WHERE type = 'record_discard'")[0][0] == 1
    assert live_server.query("SELECT count(*) FROM gate_entry")[0][0] == 0
