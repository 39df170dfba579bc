// The roster index's look-ups (server/api/phoneindex.py): a document number is reduced to a *slot*,
// the first `bits` bits of HMAC-SHA256(key, "doc_type:number"), too short to give the number
// back (dozens of plausible numbers share each slot). A match means "probably this person:
// check"; no match means "not on the list" for sure. Personal codes keep a long hash (random
// tokens cannot be guessed). No DOM, no storage.
export const SCHEME = "hmac-sha256-slot-v1";

const keys = new Map(); // key hex -> CryptoKey (imported once per page)

async function mac(keyHex, message) {
  let key = keys.get(keyHex);
  if (!key) {
    const bytes = new Uint8Array(keyHex.match(/../g).map((h) => parseInt(h, 16)));
    key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(keyHex, key);
  }
  return crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
}

/** Is this an index of the current scheme? (An older one, with full hashes, is not used.) */
export function usable(index) {
  return Boolean(index && index.scheme === SCHEME && index.key && index.bits);
}

/** The slot of a document (normalised number), as the server writes it (decimal string). */
export async function slotOf(index, docType, number) {
  const head = new DataView(await mac(index.key, `${docType}:${number}`)).getUint32(0);
  return String(Math.floor(head / 2 ** (32 - index.bits)));
}

/** The look-up hash of a personal code's token (its first `length` hex digits). */
export async function codeHashOf(index, token) {
  let length = 32;
  for (const key in index.codes || {}) { length = key.length; break; }
  const bytes = new Uint8Array(await mac(index.key, `code:${token}`));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, length);
}
