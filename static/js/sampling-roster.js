// Who is who, offline: the community's roster index (GET /api/v1/roster-index, kept on the
// phone by offline/client/session.js) as the sampling screen needs it. `codes` maps the hash of
// a personal code and `documents` the slot of a document (offline/client/slots.js) to opaque
// person keys, so that one resident scanned by QR code and by ID card is known as one person;
// a code missing from `codes` is no code of this community. A slot is shared by dozens of
// plausible numbers, so a document's link is "probably": the server decides at sync.
import { getConfig } from "/client/offline/db.js";
import { codeHashOf, slotOf, usable } from "/client/offline/slots.js";

export class Roster {
  constructor(index) {
    this.index = index;
  }

  /** Does this index list the community's codes? */
  get knowsCodes() {
    return Boolean(this.index.codes);
  }

  /** The person key of a personal code's token, or null when the code is not the community's. */
  async personOfCode(token) {
    if (!this.knowsCodes) return null;
    return this.index.codes[await codeHashOf(this.index, token)] || null;
  }

  /** The document's slot ("s:" + slot): what the screen keeps to recognise the same document
   *  again, as short as the index's (a longer hash beside it would narrow the candidates). */
  async documentSlot(docType, number) {
    return `s:${await slotOf(this.index, docType, number)}`;
  }

  /** The person key of a document (normalised number): null when no code holder has its slot,
   *  or when several do (the slot cannot tell them apart). */
  async personOfDocument(docType, number) {
    const keys = this.index.documents?.[await slotOf(this.index, docType, number)];
    return keys && keys.length === 1 ? keys[0] : null;
  }
}

/** The roster index of this user on this phone, or null when it was never fetched (or is of
 *  an earlier scheme, until the next refresh). */
export async function loadRoster(userId) {
  try {
    const index = await getConfig(`roster:${userId}`);
    return usable(index) ? new Roster(index) : null;
  } catch {
    return null;
  }
}
