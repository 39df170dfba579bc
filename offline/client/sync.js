// Replay policy: send the outbox to POST /api/v1/sync until it is empty or the server is out
// of reach. Runs in pages (status.js starts it) and in the service worker (Background Sync).
//
// 2xx: accepted/duplicate leave the outbox, rejected/conflict stay with the server's message.
// 413: halve the batch. 401: keep everything, mark that user's token as needing a login.
// 5xx or network error: keep everything, retry with exponential backoff and jitter.
// A Web Lock makes sure two tabs (or a tab and the service worker) never send at once.
import { noteServerTime } from "./clock.js";
import * as outbox from "./outbox.js";
import * as store from "./db.js";
import { KeyLost } from "./seal.js";

export const APP_VERSION = "web-1";
export const MAX_BATCH = 200;
export const LOCK_NAME = "checkpoint-sync";
const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const IDLE_DELAY_MS = 60 * 1000;
const REQUEST_TIMEOUT_MS = 30 * 1000;

/** "status" after every change, "login-needed" ({user}) on a 401, "synced" ({sent}),
 *  "results" ({results: [{id, status, warnings, error}]}) with the server's answer to each batch
 *  (a capture screen shows the warnings of what was just captured, e.g. person_in_tube_twice),
 *  "reach" ({ok}) after every request: did the server answer? */
export const events = new EventTarget();
let failures = 0;
let batchSize = MAX_BATCH;
let timer = null;

// Other tabs and the service worker change the same outbox: tell every context.
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("checkpoint-sync") : null;
if (channel) {
  channel.onmessage = ({ data }) => events.dispatchEvent(new CustomEvent(data.type, { detail: data.detail }));
}

function emit(type, detail = {}) {
  events.dispatchEvent(new CustomEvent(type, { detail }));
  channel?.postMessage({ type, detail });
}

class Unreachable extends Error {}

/** Send what can be sent now; resolves to {sent, failed}. Skips if another context is sending. */
export async function syncNow() {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(LOCK_NAME, { ifAvailable: true },
      (lock) => (lock ? drain() : { sent: 0, failed: false, skipped: true }));
  }
  return drain();
}

async function drain() {
  let sent = 0;
  let failed = false;
  try {
    for (;;) {
      const next = await nextBatch();
      if (!next) break;
      sent += await send(next.device, next.entries);
    }
    failures = 0;
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    failures += 1;
    failed = true;
  } finally {
    emit("status");
    schedule(failed ? backoffDelay() : IDLE_DELAY_MS);
  }
  if (sent) emit("synced", { sent });
  await forgetIdleTokens();
  return { sent, failed };
}

/** The oldest pending entries of one user whose token is usable, at most batchSize. Entries go
 *  with their own user's token (its device may be newer than the one that numbered them). */
async function nextBatch() {
  const devices = new Map((await store.allDevices())
    .filter((d) => d.token && !d.needs_login).map((d) => [d.user_id, d]));
  const entries = (await outbox.pending()).filter((e) => devices.has(e.user_id));
  if (!entries.length) return null;
  const device = devices.get(entries[0].user_id);
  return { device, entries: entries.filter((e) => e.user_id === device.user_id).slice(0, batchSize) };
}

/** The batch's records opened just before sending (plaintext only in this request's memory);
 *  entries whose key is gone are set aside as unreadable and the rest go. */
async function opened(entries) {
  const records = [];
  const sendable = [];
  const lost = [];
  for (const entry of entries) {
    try {
      records.push(await outbox.wire(entry));
      sendable.push(entry);
    } catch (error) {
      if (!(error instanceof KeyLost)) throw error;
      lost.push(entry);
    }
  }
  await outbox.markUnreadable(lost);
  if (lost.length) emit("status");
  return { records, sendable };
}

async function send(device, batch) {
  const { records, sendable: entries } = await opened(batch);
  if (!entries.length) return 0;
  const pendingAfter = (await outbox.countForUser(device.user_id)) - entries.length;
  const body = JSON.stringify({ device_id: device.device_id, app_version: APP_VERSION,
    pending: Math.max(0, pendingAfter), records });
  let response;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    response = await fetch("/api/v1/sync", {
      method: "POST", body, signal: abort.signal, credentials: "omit",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${device.token}` },
    });
  } catch (error) {
    emit("reach", { ok: false });
    throw new Unreachable(String(error));
  } finally {
    clearTimeout(timeout);
  }
  emit("reach", { ok: response.status < 500 }); // the status bar's "online" (reach.js)
  if (response.status === 401) {
    await store.putDevice({ ...device, needs_login: true });
    emit("login-needed", { user: device.user });
    return 0;
  }
  if (response.status === 413) {
    if (entries.length === 1) {
      // Too large on its own: only the user can fix it.
      await outbox.settle(entries, [{ id: entries[0].id, status: "rejected",
        error: { code: "too_large", message: "Record too large", field: null } }]);
    }
    // Kept for the life of this page: the server's limit does not change between batches.
    batchSize = Math.max(1, Math.floor(entries.length / 2));
    return 0;
  }
  if (!response.ok) throw new Unreachable(`HTTP ${response.status}`);
  let answer;
  try {
    answer = await response.json();
  } catch (error) {
    throw new Unreachable("unreadable answer");
  }
  const { removed } = await outbox.settle(entries, answer.results || []);
  await store.setMeta("last_sync", new Date().toISOString());
  await noteServerTime(answer.server_time);
  emit("status");
  emit("results", { results: (answer.results || []).map(({ id, status, warnings = [], error = null }) => (
    { id, status, warnings, error })) });
  return removed;
}

function backoffDelay() {
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures - 1, 16));
  return Math.round(base * (0.5 + Math.random() / 2)); // jitter: phones don't retry in step
}

function schedule(delay) {
  if (typeof self === "undefined" || !("setTimeout" in self) || isServiceWorker()) return;
  clearTimeout(timer);
  timer = setTimeout(() => { syncNow(); }, delay);
}

function isServiceWorker() {
  return typeof ServiceWorkerGlobalScope !== "undefined" && self instanceof ServiceWorkerGlobalScope;
}

/** Tokens of users who are not logged in here and have nothing left to send are forgotten. */
async function forgetIdleTokens() {
  const current = await store.getMeta("current_user");
  const entries = await store.outboxAll();
  for (const device of await store.allDevices()) {
    if (device.user_id !== current && !entries.some((e) => e.user_id === device.user_id)) {
      await store.deleteDevice(device.user_id);
    }
  }
}

/** Page side: sync now, when the network comes back, and on the timer. */
export function start() {
  addEventListener("online", () => { failures = 0; syncNow(); });
  syncNow();
}

/** Ask the service worker to sync even if the page is closed (where Background Sync exists). */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("outbox");
  } catch (error) {
    // Not supported or not allowed: the page's own loop still runs.
  }
}
