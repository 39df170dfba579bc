// Who captures on this phone: one device token per user (kept in IndexedDB, so each record is
// sent with the token of the user who captured it), and the settings the capture screens need
// offline (sites, fever threshold, watch-list hashes). No DOM except what callers pass in.
import * as store from "./db.js";

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
      body: JSON.stringify({ device_id: deviceId, device_name: deviceName() }),
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

function deviceName() {
  // Shown to the supervisor (devices page, board): in the language the phone's user reads.
  const browser = document.documentElement.lang.startsWith("zh") ? "浏览器" : "browser";
  return `${browser} ${navigator.userAgent.match(/\(([^;)]*)/)?.[1] || ""}`.trim().slice(0, 120);
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

/** Refresh sites and the watch list while online (both hold no plaintext personal data). */
export async function refreshConfig(device) {
  const headers = { Authorization: `Bearer ${device.token}` };
  const names = { sites: "/api/v1/sites", watchlist: "/api/v1/watchlist", roster: "/api/v1/roster-index" };
  await Promise.all(Object.entries(names).map(async ([name, url]) => {
    const response = await fetch(url, { headers, credentials: "omit" });
    if (response.ok) await store.setConfig(`${name}:${device.user_id}`, await response.json());
  }));
}

export async function sitesOf(userId) {
  return store.getConfig(`sites:${userId}`);
}

async function keyedHash(keyHex, docType, normalisedNumber) {
  const keyBytes = new Uint8Array(keyHex.match(/../g).map((h) => parseInt(h, 16)));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${docType}:${normalisedNumber}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Is this document on the watch list? HMAC-SHA256 with the community's watch-list key. */
export async function onWatchList(userId, docType, normalisedNumber) {
  const list = await store.getConfig(`watchlist:${userId}`);
  if (!list || !list.hashes?.length) return false;
  return list.hashes.includes(await keyedHash(list.key, docType, normalisedNumber));
}

/** The resident with this document ({compound, address, name masked}), or null. */
export async function resident(userId, docType, normalisedNumber) {
  const index = await store.getConfig(`roster:${userId}`);
  if (!index?.entries) return null;
  return index.entries[await keyedHash(index.key, docType, normalisedNumber)] || null;
}
