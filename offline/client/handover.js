// Last-resort hand-over: the records waiting on this phone as one file that only the server can
// open (server/sync/handover.py), for a supervisor to import when the phone cannot reach the server
// for long. No network, no DOM: the page downloads what build() returns.
//
// Encryption (WebCrypto): a fresh ECDH P-256 key pair per file; its shared secret with the
// server's hand-over public key (fetched while online, kept in IndexedDB: it is public) goes
// through HKDF-SHA256 to an AES-256-GCM key that encrypts the payload. Each phone user's
// records go with their device id and token, so the server attributes them exactly as a sync
// would and refuses a file forged for another phone. The records stay in the outbox: a later
// sync gets `duplicate` for each and removes them then.
import * as store from "./db.js";
import * as outbox from "./outbox.js";
import { APP_VERSION } from "./sync.js";

export const FORMAT = "checkpoint-handover-1";
const KEY_CONFIG = "handover-key";

export class NoServerKey extends Error {}
export class NothingWaiting extends Error {}

/** Keep the server's hand-over public key (called with a device token while online). */
export async function refreshServerKey(device) {
  const response = await fetch("/api/v1/handover-key", {
    headers: { Authorization: `Bearer ${device.token}` }, credentials: "omit" });
  if (response.ok) await store.setConfig(KEY_CONFIG, await response.json());
}

export async function serverKey() {
  return store.getConfig(KEY_CONFIG);
}

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function b64urlLarge(buffer) {
  // btoa over chunks: a spread of a few MB would overflow the call stack.
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** How many records a file made now would hold. */
export async function waitingCount() {
  return (await outbox.pending()).length;
}

/** {text, count, name}: the encrypted file of every pending record. NoServerKey when this phone
 *  never fetched the server's key; NothingWaiting when no record waits. */
export async function build(now = new Date()) {
  const answer = await serverKey();
  if (!answer?.jwk || answer.format !== FORMAT) throw new NoServerKey();
  const entries = await outbox.pending();
  if (!entries.length) throw new NothingWaiting();
  const groups = new Map();
  for (const entry of entries) {
    let record;
    try {
      record = await outbox.wire(entry);
    } catch (error) {
      continue; // its key is lost: the attention page explains it; it cannot travel either
    }
    if (!groups.has(entry.user_id)) groups.set(entry.user_id, []);
    groups.get(entry.user_id).push(record);
  }
  const devices = [];
  for (const [userId, records] of groups) {
    const device = await store.getDevice(userId);
    if (!device?.token) continue; // no token kept: the server could not tell whose they are
    devices.push({ device_id: device.device_id, user_id: userId, token: device.token, records });
  }
  const count = devices.reduce((n, d) => n + d.records.length, 0);
  if (!count) throw new NothingWaiting();
  const payload = { created_at: now.toISOString(), app_version: APP_VERSION, devices };

  const server = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: answer.jwk.x, y: answer.jwk.y },
    { name: "ECDH", namedCurve: "P-256" }, false, []);
  const mine = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: server }, mine.privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new TextEncoder().encode(`${FORMAT}:${answer.kid}`) },
    hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(FORMAT) },
    key, new TextEncoder().encode(JSON.stringify(payload)));
  const epk = await crypto.subtle.exportKey("jwk", mine.publicKey);
  const text = JSON.stringify({ format: FORMAT, kid: answer.kid, count, created_at: payload.created_at,
    epk: { kty: "EC", crv: "P-256", x: epk.x, y: epk.y }, iv: b64url(iv), ct: b64urlLarge(ct) });
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  return { text, count, name: `checkpoint-handover-${stamp}.json` };
}
