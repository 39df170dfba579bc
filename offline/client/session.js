// Who captures on this phone: one device token per user (kept in IndexedDB, so each record is
// sent with the token of the user who captured it), and the settings the capture screens need
// offline (sites, fever threshold, the roster index's slots). No DOM except what callers pass in.
import * as store from "./db.js";
import { messages } from "./messages.js";
import { codeHashOf, slotOf, usable } from "./slots.js";

/** After a page login: make this user current and make sure they have a usable token.
 * csrfPost: the page's POST with its CSRF token and one retry on a stale token (csrf.js post). */
export async function adopt(userId, csrfPost) {
  const previous = await store.getMeta("current_user");
  if (previous !== userId) {
    await store.setMeta("current_user", userId);
    await store.setMeta(`shift_start:${userId}`, Date.now());
  }
  let device = await store.getDevice(userId);
  if (!device || device.needs_login) {
    // Name the device before asking, so that an answer lost to a quick navigation is not an
    // orphan: the next page asks again with the same id and the server re-keys it.
    const proposalKey = `device_proposal:${userId}`;
    let deviceId = device?.device_id || (await store.getMeta(proposalKey));
    if (!deviceId) {
      deviceId = crypto.randomUUID();
      await store.setMeta(proposalKey, deviceId);
    }
    const response = await csrfPost("/auth/device-token", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ device_id: deviceId, device_name: await deviceName() }),
    });
    if (!response.ok) throw new Error(`device token: HTTP ${response.status}`);
    const answer = await response.json();
    device = { user_id: userId, device_id: answer.device_id, token: answer.token,
      user: answer.user, needs_login: false };
    await store.putDevice(device);
    await store.deleteMeta(proposalKey);
  }
  return device;
}

async function deviceName() {
  // Shown to the supervisor (devices page, board), who must tell the phones apart: the phone's
  // model where the browser tells it (Chromium's client hints; its user-agent string says
  // "Linux; Android 10; K" on every Android phone), else the system the string names.
  const browser = messages({ zh: "浏览器", en: "browser" });
  let model = "";
  let system = "";
  try {
    const hints = await navigator.userAgentData?.getHighEntropyValues?.(["model", "platform", "platformVersion"]);
    model = hints?.model || "";
    system = [hints?.platform, hints?.platformVersion?.split(".")[0]].filter(Boolean).join(" ");
  } catch (error) {
    // no hints: the user-agent string below
  }
  const parts = (navigator.userAgent.match(/\(([^)]*)\)/)?.[1] || "").split(";").map((p) => p.trim());
  system ||= parts.find((p) => /^(Android|iPhone|iPad|Windows|Mac)/.test(p)) || parts[0] || "";
  return [model, system, browser].filter(Boolean).join(" · ").slice(0, 120);
}

/** The user capturing now (set at login), with their token, or null. */
export async function current() {
  const userId = await store.getMeta("current_user");
  if (userId === undefined || userId === null) return null;
  const device = await store.getDevice(userId);
  return device ? { ...device, shift_start: (await store.getMeta(`shift_start:${userId}`)) || 0 } : null;
}

/** Logging out: nobody captures until the next login; queued records keep their user's token. */
export async function release() {
  await store.deleteMeta("current_user");
}

/** Refresh sites and the roster index while online (neither holds a number, a name or a phone:
 *  the index holds slots, server/api/phoneindex.py). The watch list is in the index (`watched`). */
export async function refreshConfig(device) {
  const headers = { Authorization: `Bearer ${device.token}` };
  const names = { sites: "/api/v1/sites", roster: "/api/v1/roster-index" };
  await Promise.all(Object.entries(names).map(async ([name, url]) => {
    const response = await fetch(url, { headers, credentials: "omit" });
    if (response.ok) await store.setConfig(`${name}:${device.user_id}`, await response.json());
  }));
  // An earlier release kept a separate watch list of full-length hashes: drop it.
  if (await store.getConfig(`watchlist:${device.user_id}`)) await store.setConfig(`watchlist:${device.user_id}`, null);
}

export async function sitesOf(userId) {
  return store.getConfig(`sites:${userId}`);
}

/**
 * What the roster index says about a document (normalised number), or null without an index:
 * {residents: [{compound, address, name}], watched, statuses: [code], maxAgeHours}. A slot is
 * shared: `residents` may hold someone else than the person scanned (or several people), and
 * `watched`/`statuses` are "probably": the volunteer checks, the server decides at sync.
 */
export async function lookUp(userId, docType, normalisedNumber) {
  const index = await store.getConfig(`roster:${userId}`);
  if (!usable(index)) return null;
  return described(index, await slotOf(index, docType, normalisedNumber));
}

/** The same for a personal code's token: its holder's slot, through the opaque person key the
 *  index links the code and the document with; null when the code is not the community's. */
export async function lookUpCode(userId, token) {
  const index = await store.getConfig(`roster:${userId}`);
  if (!usable(index) || !index.codes) return null;
  const person = index.codes[await codeHashOf(index, token)];
  if (!person) return null;
  const slot = Object.keys(index.documents || {}).find((s) => index.documents[s].includes(person));
  return slot === undefined ? null : described(index, slot);
}

function described(index, slot) {
  const entries = index.entries?.[slot] || [];
  const statuses = [...new Set(entries.flatMap((e) => e.status || []))];
  return {
    residents: entries.filter((e) => e.resident).map(({ compound, address, name }) => ({ compound, address, name })),
    watched: (index.watched || []).includes(slot) || statuses.includes("quarantine"),
    statuses: statuses.filter((code) => code !== "quarantine"),
    maxAgeHours: index.sample_max_age_hours || 48,
  };
}
