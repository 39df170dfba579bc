// The outbox: plain serialisable entries, one per captured record. No network, no DOM.
//
// An entry is the record of the sync contract ({id, seq, type, recorded_at, data}) plus what
// the phone needs to send it and show it: user_id and device_id (records are sent with the
// token of the user who captured them), state ("pending", "rejected", "conflict",
// "unreadable") and the server's error. Entries leave only when the server answered accepted
// or duplicate.
//
// At rest `data` (names, ID numbers, phones, notes) is sealed with this phone's key (seal.js):
// the stored entry holds `sealed` instead, beside the non-personal fields the status bar,
// the sync loop and the attention page need. Functions that return entries for display open
// them (`data` in memory only); pending() returns stored entries and wire() opens one to send.
// An entry whose key is gone is "unreadable": kept, counted, explained, never dropped silently.
//
// Record ids are UUIDv7 (time-ordered, still just UUIDs to the contract): the server keys
// its inbox and domain rows by them, and ids in capture order land side by side in those
// indexes where random ones touched a page each (a reconnection storm on SQLite drained in
// 35 s instead of 62). Ordered within this page even when the phone's clock steps back.
import v7 from "/static/vendor/uuid/v7.js";
import * as store from "./db.js";
import { KeyLost, keyLost, seal, unseal } from "./seal.js";

export const PENDING = "pending";
export const REJECTED = "rejected";
export const CONFLICT = "conflict";
export const UNREADABLE = "unreadable";

let migrating = null;

/** Seal entries an older version stored in plaintext (once per page or worker; none lost:
 *  an entry is replaced only by its sealed form, and only if sync has not removed it). */
function migrated() {
  if (!migrating) {
    migrating = (async () => {
      for (const entry of await store.outboxAll()) {
        if (entry.sealed || !("data" in entry)) continue;
        const { data, ...rest } = entry;
        const next = { ...rest, sealed: await seal(entry.id, data) };
        await store.outboxSwap(entry.id, (now) => !now.sealed && now.state === entry.state, next);
      }
    })();
    migrating.catch(() => { migrating = null; });
  }
  return migrating;
}

/** The stored form of an entry holding `data` in memory. */
async function sealed(entry) {
  const { data, ...rest } = entry;
  return { ...rest, sealed: await seal(entry.id, data) };
}

/** The entry with its data, or null when its key is gone. Plaintext (older) entries as they are. */
async function opened(entry) {
  if (!entry.sealed) return entry;
  try {
    return { ...entry, data: await unseal(entry.id, entry.sealed) };
  } catch (error) {
    if (error instanceof KeyLost) return null;
    throw error;
  }
}

/** Local time with its UTC offset, e.g. 2022-05-06T08:12:03.120+08:00. */
export function localIso(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

function counterOf(deviceId) {
  return `seq:${deviceId}`;
}

/**
 * Add a record captured by `device` ({user_id, device_id}). Resolves once it is durably
 * stored; rejects (e.g. QuotaExceededError) when it is not: the caller must then not say "saved".
 * `summary` (optional, no personal data) goes to the shift history in the same transaction.
 */
export async function add(type, data, device, summary = null) {
  const entry = {
    id: v7(), type, recorded_at: localIso(), data,
    user_id: device.user_id, device_id: device.device_id, state: PENDING, error: null,
    created: Date.now(),
  };
  const stored = await store.addNumbered(await sealed(entry), counterOf(device.device_id), summary && {
    ...summary, user_id: device.user_id, at: entry.created,
  });
  return { ...stored, data };
}

/** The record as the server wants it (opened from its stored entry); KeyLost if it cannot be. */
export async function wire(entry) {
  const open = await opened(entry);
  if (!open) throw new KeyLost(entry.id);
  return { id: open.id, seq: open.seq, type: open.type, recorded_at: open.recorded_at, data: open.data };
}

/** Stored entries whose key is gone become "unreadable": out of the sending queue, shown on the
 *  attention page with what happened. */
export async function markUnreadable(entries) {
  for (const e of entries) {
    // Only if still there as read: a record another tab just settled is not brought back.
    await store.outboxSwap(e.id, (now) => now.state === e.state,
      { ...e, state: UNREADABLE, error: { code: "key_lost", message: "", field: null } });
  }
}

/** Pending entries (stored form, data sealed), oldest first. */
export async function pending() {
  await migrated();
  const entries = await store.outboxByState(PENDING);
  return entries.sort((a, b) => a.created - b.created || a.seq - b.seq);
}

/** Entries the user must look at, opened, oldest first: refused by the server (rejected,
 *  conflict) and unreadable ones (their `data` is null). */
export async function needingAttention() {
  await migrated();
  const stored = [...await store.outboxByState(REJECTED), ...await store.outboxByState(CONFLICT),
    ...await store.outboxByState(UNREADABLE)];
  const lost = [];
  const entries = [];
  for (const entry of stored) {
    const open = entry.state === UNREADABLE ? null : await opened(entry);
    if (open) entries.push(open);
    else {
      if (entry.state !== UNREADABLE) lost.push(entry);
      entries.push({ ...entry, state: UNREADABLE, error: { code: "key_lost", message: "", field: null }, data: null });
    }
  }
  await markUnreadable(lost);
  return entries.sort((a, b) => a.created - b.created);
}

/** Pending entries sealed with a key this phone no longer has are marked unreadable now (the
 *  status bar asks on every page, so the user hears of it without waiting for a sync). */
export async function checkKeys() {
  await migrated();
  const lost = [];
  for (const entry of await store.outboxByState(PENDING)) {
    if (entry.sealed && await keyLost(entry.sealed)) lost.push(entry);
  }
  await markUnreadable(lost);
  return lost.length;
}

export async function counts() {
  const [waiting, rejected, conflict, unreadable] = await Promise.all(
    [PENDING, REJECTED, CONFLICT, UNREADABLE].map((s) => store.outboxCount(s)));
  return { pending: waiting, attention: rejected + conflict + unreadable, unreadable,
    total: waiting + rejected + conflict + unreadable };
}

export async function countForUser(userId) {
  return (await store.outboxAll()).filter((e) => e.user_id === userId).length;
}

/** Apply one batch's results: accepted/duplicate leave, rejected/conflict stay with the message. */
export async function settle(entries, results) {
  const remove = [];
  const update = [];
  entries.forEach((entry, i) => {
    const result = results[i];
    if (!result || result.id !== entry.id) return; // not answered: stays pending
    if (result.status === "accepted" || result.status === "duplicate") remove.push(entry.id);
    else if (result.status === "rejected" || result.status === "conflict") {
      const error = result.error || { code: result.status, message: "", field: null };
      update.push({ ...entry, state: result.status, error });
    }
  });
  await store.outboxApply(remove, update);
  return { removed: remove.length, refused: update.length };
}

/** The user corrected a rejected record: same id and seq, new data, sent again. */
export async function correct(id, data) {
  const entry = await store.outboxGet(id);
  if (!entry) throw new Error("no such record");
  await store.outboxApply([], [await sealed({ ...entry, data, state: PENDING, error: null })]);
}

/** The user gave up a refused record: it leaves, and a record_discard record says why. */
export async function discard(id, reason) {
  const entry = await store.outboxGet(id);
  if (!entry) throw new Error("no such record");
  const discardEntry = {
    id: v7(), type: "record_discard", recorded_at: localIso(),
    data: { record_id: entry.id, seq: entry.seq, reason },
    user_id: entry.user_id, device_id: entry.device_id, state: PENDING, error: null,
    created: Date.now(),
  };
  await store.outboxReplace(entry.id, await sealed(discardEntry), counterOf(entry.device_id));
}
