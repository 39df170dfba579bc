// Who is who, offline: the community's roster index (GET /api/v1/roster-index, kept on the
// phone by offline/client/session.js) as the sampling screen needs it. `codes` and `documents`
// map keyed hashes of a personal code and of a document to an opaque person key, so that one
// resident scanned by QR code and by ID card is known as one person; a code missing from
// `codes` is no code of this community. Keyed hashes only: no number is ever stored here.
import { getConfig } from "/client/offline/db.js";

function hexOf(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The length of the map's hashes (the server may shorten them), 64 hex digits by default. */
function hashLength(map) {
  for (const key in map) return key.length;
  return 64;
}

export class Roster {
  constructor(index) {
    this.index = index;
    this.key = null;
  }

  async hash(message, map) {
    if (!this.key) {
      const bytes = new Uint8Array(this.index.key.match(/../g).map((h) => parseInt(h, 16)));
      this.key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    }
    const mac = await crypto.subtle.sign("HMAC", this.key, new TextEncoder().encode(message));
    return hexOf(mac).slice(0, hashLength(map));
  }

  /** Does this index list the community's codes? (An older server's index does not.) */
  get knowsCodes() {
    return Boolean(this.index.codes);
  }

  /** The person key of a personal code's token, or null when the code is not the community's. */
  async personOfCode(token) {
    if (!this.knowsCodes) return null;
    return this.index.codes[await this.hash(`code:${token}`, this.index.codes)] || null;
  }

  /** The person key of a document (normalised number), or null (nobody holding a code). */
  async personOfDocument(docType, number) {
    const documents = this.index.documents;
    if (!documents) return null;
    return documents[await this.hash(`${docType}:${number}`, documents)] || null;
  }
}

/** The roster index of this user on this phone, or null when it was never fetched. */
export async function loadRoster(userId) {
  try {
    const index = await getConfig(`roster:${userId}`);
    return index && index.key ? new Roster(index) : null;
  } catch {
    return null;
  }
}
