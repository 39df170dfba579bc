// The phone's database: the only module that opens IndexedDB (through the `idb` package).
//
// Stores: outbox (records not yet accepted by the server), meta (counters and small values),
// devices (one bearer token per user who logged in on this phone), history (non-personal
// summaries of captured passages for the shift view), config (site list and watch-list
// hashes: nothing in it is plaintext personal data), keys (the outbox's non-extractable AES-GCM
// key, see seal.js). An app update never touches this database.
//
// Version 2 added the keys store; outbox entries written by version 1 hold their data in
// plaintext and are sealed by outbox.js when it first opens them (none is dropped).
import { openDB } from "/static/vendor/idb.js";

export const DB_NAME = "checkpoint";
const VERSION = 2;
let opening = null;

export function db() {
  if (!opening) {
    opening = openDB(DB_NAME, VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          const outbox = database.createObjectStore("outbox", { keyPath: "id" });
          outbox.createIndex("state", "state");
          database.createObjectStore("meta");
          database.createObjectStore("devices", { keyPath: "user_id" });
          const history = database.createObjectStore("history", { keyPath: "id" });
          history.createIndex("at", "at");
          database.createObjectStore("config");
        }
        if (oldVersion < 2) database.createObjectStore("keys");
      },
      // Another tab opened a newer version: let it, this tab reopens on next use.
      blocking() { opening?.then((d) => d.close()); opening = null; },
    });
  }
  return opening;
}

/** Store `entry` in the outbox with the next gap-free value of `counter`, in one transaction
 *  (so two saves can never get the same seq and a failed save uses none). */
export async function addNumbered(entry, counter, summary = null) {
  const d = await db();
  const tx = d.transaction(["outbox", "meta", "history"], "readwrite", { durability: "strict" });
  const meta = tx.objectStore("meta");
  const seq = ((await meta.get(counter)) || 0) + 1;
  const stored = { ...entry, seq };
  meta.put(seq, counter);
  tx.objectStore("outbox").add(stored);
  if (summary) tx.objectStore("history").put({ ...summary, id: entry.id });
  await tx.done;
  return stored;
}

export async function outboxAll() {
  return (await db()).getAll("outbox");
}

export async function outboxByState(state) {
  return (await db()).getAllFromIndex("outbox", "state", state);
}

export async function outboxCount(state) {
  return (await db()).countFromIndex("outbox", "state", state);
}

export async function outboxGet(id) {
  return (await db()).get("outbox", id);
}

/** Apply the server's answers in one transaction: delete `remove` ids, put `update` entries. */
export async function outboxApply(remove, update) {
  const d = await db();
  const tx = d.transaction("outbox", "readwrite");
  for (const id of remove) tx.store.delete(id);
  for (const entry of update) tx.store.put(entry);
  await tx.done;
}

/** Replace one entry by another, numbered entry in one transaction (a discard). */
export async function outboxReplace(removeId, entry, counter) {
  const d = await db();
  const tx = d.transaction(["outbox", "meta"], "readwrite", { durability: "strict" });
  const meta = tx.objectStore("meta");
  const seq = ((await meta.get(counter)) || 0) + 1;
  meta.put(seq, counter);
  tx.objectStore("outbox").delete(removeId);
  tx.objectStore("outbox").add({ ...entry, seq });
  await tx.done;
}

export async function getMeta(key) {
  return (await db()).get("meta", key);
}

export async function setMeta(key, value) {
  return (await db()).put("meta", value, key);
}

export async function deleteMeta(key) {
  return (await db()).delete("meta", key);
}

export async function getDevice(userId) {
  return (await db()).get("devices", userId);
}

export async function allDevices() {
  return (await db()).getAll("devices");
}

export async function putDevice(device) {
  return (await db()).put("devices", device);
}

export async function deleteDevice(userId) {
  return (await db()).delete("devices", userId);
}

export async function historySince(epochMs) {
  return (await db()).getAllFromIndex("history", "at", IDBKeyRange.lowerBound(epochMs));
}

export async function pruneHistory(beforeMs) {
  const d = await db();
  const tx = d.transaction("history", "readwrite");
  let cursor = await tx.store.index("at").openCursor(IDBKeyRange.upperBound(beforeMs, true));
  while (cursor) { cursor.delete(); cursor = await cursor.continue(); }
  await tx.done;
}

export async function getConfig(name) {
  return (await db()).get("config", name);
}

export async function setConfig(name, value) {
  return (await db()).put("config", value, name);
}

/** The stored key named `name` ({kid, key: CryptoKey, created}) or undefined. */
export async function getKey(name) {
  return (await db()).get("keys", name);
}

/** Store `value` under `name` unless another context stored one first; the one kept. */
export async function putKeyIfAbsent(name, value) {
  const d = await db();
  const tx = d.transaction("keys", "readwrite", { durability: "strict" });
  const found = await tx.store.get(name);
  if (!found) tx.store.add(value, name);
  await tx.done;
  return found || value;
}

/** Put `next` in place of outbox entry `id` only if it is still there and `check(current)`
 *  holds (sealing a plaintext entry must not bring back one that sync removed meanwhile). */
export async function outboxSwap(id, check, next) {
  const d = await db();
  const tx = d.transaction("outbox", "readwrite", { durability: "strict" });
  const current = await tx.store.get(id);
  const swap = Boolean(current && check(current));
  if (swap) tx.store.put(next);
  await tx.done;
  return swap;
}
