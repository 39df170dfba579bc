// Records' contents encrypted at rest: a lost phone's outbox is not a list of its residents.
//
// One AES-GCM key per phone, made here with extractable: false and kept in IndexedDB (a
// CryptoKey is structured-cloneable): page scripts and the service worker can use it, none can
// read its bytes. Each sealed record carries the id of the key (kid) that sealed it, so a record
// whose key is gone (site data partly cleared, key store unreadable) is recognised as such and
// shown to the user instead of failing silently. The record id is the AES-GCM additional data:
// a ciphertext moved onto another record does not open.
import * as store from "./db.js";

const KEY_NAME = "outbox";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let current = null; // Promise of {kid, key}

export class KeyLost extends Error {}

/** This phone's key, made on first use (two contexts racing keep the first stored). */
export function outboxKey() {
  if (!current) {
    current = (async () => {
      const found = await store.getKey(KEY_NAME);
      if (found?.key) return found;
      const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false,
        ["encrypt", "decrypt"]);
      return store.putKeyIfAbsent(KEY_NAME, { kid: crypto.randomUUID(), key, created: Date.now() });
    })();
    current.catch(() => { current = null; }); // a failed read is tried again next time
  }
  return current;
}

/** {kid, iv, ct} holding `value` (any JSON value) for the record `id`. */
export async function seal(id, value) {
  const { kid, key } = await outboxKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(id) },
    key, encoder.encode(JSON.stringify(value)));
  return { kid, iv, ct };
}

/** The value sealed for record `id`; KeyLost when this phone's key cannot open it. */
export async function unseal(id, sealed) {
  const { kid, key } = await outboxKey();
  if (!sealed || sealed.kid !== kid) throw new KeyLost("sealed with another key");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv,
      additionalData: encoder.encode(id) }, key, sealed.ct);
    return JSON.parse(decoder.decode(plain));
  } catch (error) {
    throw new KeyLost(String(error));
  }
}

/** True when `sealed` was made with a key this phone no longer has. */
export async function keyLost(sealed) {
  return (await outboxKey()).kid !== sealed?.kid;
}
