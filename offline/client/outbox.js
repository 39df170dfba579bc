// The outbox: plain serialisable entries, one per captured record. No network, no DOM.
//
// An entry is the record of the sync contract ({id, seq, type, recorded_at, data}) plus what
// the phone needs to send it and show it: user_id and device_id (records are sent with the
// token of the user who captured them), state ("pending", "rejected", "conflict") and the
// server's error. Entries leave only when the server answered accepted or duplicate.
import * as store from "./db.js";

export const PENDING = "pending";
export const REJECTED = "rejected";
export const CONFLICT = "conflict";

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
    id: crypto.randomUUID(), type, recorded_at: localIso(), data,
    user_id: device.user_id, device_id: device.device_id, state: PENDING, error: null,
    created: Date.now(),
  };
  return store.addNumbered(entry, counterOf(device.device_id), summary && {
    ...summary, user_id: device.user_id, at: entry.created,
  });
}

/** The record as the server wants it. */
export function wire(entry) {
  return { id: entry.id, seq: entry.seq, type: entry.type, recorded_at: entry.recorded_at, data: entry.data };
}

/** Pending entries, oldest first. */
export async function pending() {
  const entries = await store.outboxByState(PENDING);
  return entries.sort((a, b) => a.created - b.created || a.seq - b.seq);
}

/** Entries the server refused (rejected or conflict), oldest first. */
export async function needingAttention() {
  const entries = [...await store.outboxByState(REJECTED), ...await store.outboxByState(CONFLICT)];
  return entries.sort((a, b) => a.created - b.created);
}

export async function counts() {
  const [waiting, rejected, conflict] = await Promise.all(
    [PENDING, REJECTED, CONFLICT].map((s) => store.outboxCount(s)));
  return { pending: waiting, attention: rejected + conflict, total: waiting + rejected + conflict };
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
  await store.outboxApply([], [{ ...entry, data, state: PENDING, error: null }]);
}

/** The user gave up a refused record: it leaves, and a record_discard record says why. */
export async function discard(id, reason) {
  const entry = await store.outboxGet(id);
  if (!entry) throw new Error("no such record");
  const discardEntry = {
    id: crypto.randomUUID(), type: "record_discard", recorded_at: localIso(),
    data: { record_id: entry.id, seq: entry.seq, reason },
    user_id: entry.user_id, device_id: entry.device_id, state: PENDING, error: null,
    created: Date.now(),
  };
  await store.outboxReplace(entry.id, discardEntry, counterOf(entry.device_id));
}
