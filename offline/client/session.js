// Who captures on this phone: one device token per user (kept in IndexedDB, so each record is
// sent with the token of the user who captured it), and the settings the capture screens need
// offline (sites, fever threshold, watch-list hashes). No DOM except what callers pass in.
import * as store from "./db.js";

/** After a page login: make this user current and make sure they have a usable token. */
export async function adopt(userId, csrfToken) {
  const previous = await store.getMeta("current_user");
  if (previous !== userId) {
    await store.setMeta("current_user", userId);
    await store.setMeta(`shift_start:${userId}`, Date.now());
  }
  let device = await store.getDevice(userId);
  if (!device || device.needs_login) {
    const response = await fetch("/auth/device-token", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ device_id: device?.device_id, device_name: deviceName() }),
    });
    if (!response.ok) throw new Error(`device token: HTTP ${response.status}`);
    const answer = await response.json();
    device = { user_id: userId, device_id: answer.device_id, token: answer.token,
      user: answer.user, needs_login: false };
    await store.putDevice(device);
  }
  return device;
}

function deviceName() {
  return `web ${navigator.userAgent.match(/\(([^;)]*)/)?.[1] || "browser"}`.slice(0, 120);
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
  const [sites, watch] = await Promise.all([
    fetch("/api/v1/sites", { headers, credentials: "omit" }),
    fetch("/api/v1/watchlist", { headers, credentials: "omit" }),
  ]);
  if (sites.ok) await store.setConfig(`sites:${device.user_id}`, await sites.json());
  if (watch.ok) await store.setConfig(`watchlist:${device.user_id}`, await watch.json());
}

export async function sitesOf(userId) {
  return store.getConfig(`sites:${userId}`);
}

/** Is this document on the watch list? HMAC-SHA256 with the community's watch-list key. */
export async function onWatchList(userId, docType, normalisedNumber) {
  const list = await store.getConfig(`watchlist:${userId}`);
  if (!list || !list.hashes?.length) return false;
  const keyBytes = new Uint8Array(list.key.match(/../g).map((h) => parseInt(h, 16)));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${docType}:${normalisedNumber}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return list.hashes.includes(hex);
}
