// The sampling screen's local state: tubes, people and boxes of this phone at one sampling
// point. Pure logic plus localStorage, no network, no DOM but the page's zone. People are kept
// only as masked labels, short hashes (personHash) and the roster index's opaque person keys
// (the outbox holds the records themselves until they sync).
//
// A member is {record_id, hash, person, label, slot}: `hash` recognises the same scan again,
// `person` (when the roster index knows it) the same resident under their QR code and their
// ID card. A sample the server refused, or stored without a slot of its own (the person was
// in the tube already), holds no slot there: it leaves the slots for the tube's `notes`.

// "Today" is the community's day (offline/client/day.js), as the server counts a person sampled
// twice a day: a phone left on UTC would otherwise clear its tubes at 08:00 in Shanghai.
import { today } from "/client/offline/day.js";

const KEEP_DAYS = 30;

function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}


export class SamplingState {
  constructor(siteId, storage = localStorage) {
    this.key = `checkpoint:sampling:${siteId}`;
    this.storage = storage;
    const saved = JSON.parse(storage.getItem(this.key) || "null");
    this.data = saved || { salt: randomHex(16), day: today(), current: null, tubes: {}, people: {},
      used: {}, box: null };
    this.rollOver();
  }

  /** A new day: yesterday's tubes leave the screen, their barcodes stay known as used. */
  rollOver() {
    const day = today();
    if (this.data.day === day) return;
    for (const [barcode, tube] of Object.entries(this.data.tubes)) this.data.used[barcode] = tube.day || this.data.day;
    const limit = today(new Date(Date.now() - KEEP_DAYS * 86400e3));
    for (const [barcode, day2] of Object.entries(this.data.used)) if (day2 < limit) delete this.data.used[barcode];
    Object.assign(this.data, { day, current: null, tubes: {}, people: {}, box: null });
    this.save();
  }

  save() {
    this.storage.setItem(this.key, JSON.stringify(this.data));
  }

  /** Read again what another page (the attention page) may have changed. */
  reload() {
    const saved = JSON.parse(this.storage.getItem(this.key) || "null");
    if (saved) this.data = saved;
    this.rollOver();
  }

  /** What recognises a second scan of the same identity, without giving it back. A document:
   *  the roster index's slot (offline/client/slots.js) when there is an index (a longer hash of
   *  the same number beside it would narrow the slot's candidates), else a salted hash cut to
   *  20 bits (dozens of plausible ID numbers each). A personal code: a salted 128-bit hash (its
   *  token is random; nothing to guess). */
  async personHash(person, roster = null) {
    if (!person.code && roster) return roster.documentSlot(person.doc_type, person.doc_number);
    const text = `${this.data.salt}:${person.code || `${person.doc_type}:${person.doc_number}`}`;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return person.code ? hex : `h:${hex.slice(0, 5)}`;
  }

  get current() {
    return this.data.current ? this.data.tubes[this.data.current] : null;
  }

  tube(barcode) {
    return this.data.tubes[barcode] || null;
  }

  tubes() {
    return Object.values(this.data.tubes).sort((a, b) => b.opened - a.opened);
  }

  /** Used on this phone before today (or in another state than open today). */
  usedBefore(barcode) {
    return barcode in this.data.used;
  }

  openTube(barcode, capacity) {
    this.data.tubes[barcode] = { barcode, capacity, status: "open", members: [], box: null,
      opened: Date.now(), day: this.data.day };
    this.data.current = barcode;
    this.save();
    return this.data.tubes[barcode];
  }

  select(barcode) {
    this.data.current = barcode;
    this.save();
  }

  /** The member of this tube who is this person (same scan, or same person key), if any. */
  memberLike(barcode, hash, person = null) {
    const tube = this.data.tubes[barcode];
    return tube ? tube.members.find((m) => m.hash === hash || (person && m.person === person)) || null : null;
  }

  /** The tube (other than `except`) holding this person today on this phone, if any. */
  tubeOf(hash, except = null, person = null) {
    const barcodes = [this.data.people[hash], person && this.data.people[`p:${person}`]];
    return barcodes.find((barcode) => barcode && barcode !== except) || null;
  }

  /** Like the server: the lowest free slot, so a void's slot goes to the next person. */
  addMember(barcode, member) {
    const tube = this.data.tubes[barcode];
    const taken = new Set(tube.members.map((m) => m.slot));
    let slot = 1;
    while (taken.has(slot)) slot++;
    const added = { person: null, ...member, slot };
    tube.members.push(added);
    this.remember(added, barcode);
    this.save();
    return added;
  }

  remember(member, barcode) {
    this.data.people[member.hash] = barcode;
    if (member.person) this.data.people[`p:${member.person}`] = barcode;
  }

  forget(member, barcode) {
    for (const id of [member.hash, member.person && `p:${member.person}`]) {
      if (id && this.data.people[id] === barcode) delete this.data.people[id];
    }
  }

  removeMember(barcode, recordId) {
    const tube = this.data.tubes[barcode];
    const member = tube.members.find((m) => m.record_id === recordId);
    tube.members = tube.members.filter((m) => m.record_id !== recordId);
    if (member) this.forget(member, barcode);
    this.save();
    return member;
  }

  /** Where a sample record is on this phone: {barcode, member} or {barcode, note}, or null. */
  findRecord(recordId) {
    for (const tube of Object.values(this.data.tubes)) {
      const member = tube.members.find((m) => m.record_id === recordId);
      if (member) return { barcode: tube.barcode, member };
      const note = (tube.notes || []).find((n) => n.record_id === recordId);
      if (note) return { barcode: tube.barcode, note };
    }
    return null;
  }

  /**
   * The server did not give this sample a slot: `kind` "refused" (rejected: waits for a
   * correction on the attention page) or "twice" (accepted, but the person was in the tube
   * already). The slot is freed, as on the server, and the tube keeps a note. Returns the note.
   */
  unslot(recordId, kind, error = null) {
    const found = this.findRecord(recordId);
    if (!found) return null;
    const tube = this.data.tubes[found.barcode];
    if (found.note) {
      Object.assign(found.note, { kind, error });
      this.save();
      return { ...found.note, tube: tube.barcode };
    }
    const { member } = found;
    tube.members = tube.members.filter((m) => m.record_id !== recordId);
    this.forget(member, tube.barcode);
    const note = { record_id: recordId, kind, error, label: member.label, slot: member.slot,
      hash: member.hash, person: member.person };
    tube.notes = [...(tube.notes || []), note];
    this.save();
    return { ...note, tube: tube.barcode };
  }

  /**
   * A refused sample was corrected (same record id, another person): it takes a slot again
   * under its new identity. Works on a note as on a phantom slot still shown as a member.
   */
  correct(recordId, { hash, person = null, label }) {
    const found = this.findRecord(recordId);
    if (!found) return null;
    const tube = this.data.tubes[found.barcode];
    if (found.member) {
      this.forget(found.member, tube.barcode);
      Object.assign(found.member, { hash, person, label, corrected: true });
      this.remember(found.member, tube.barcode);
      this.save();
      return found.member;
    }
    tube.notes = tube.notes.filter((n) => n.record_id !== recordId);
    return this.addMember(tube.barcode, { record_id: recordId, hash, person, label, corrected: true });
  }

  /** A refused sample was discarded: it leaves the phone's tube altogether. */
  drop(recordId) {
    const found = this.findRecord(recordId);
    if (!found) return;
    const tube = this.data.tubes[found.barcode];
    if (found.member) this.removeMember(tube.barcode, recordId);
    tube.notes = (tube.notes || []).filter((n) => n.record_id !== recordId);
    this.save();
  }

  setStatus(barcode, status) {
    this.data.tubes[barcode].status = status;
    this.save();
  }

  startBox(barcode) {
    this.data.box = { barcode, tubes: [] };
    this.save();
  }

  get box() {
    return this.data.box;
  }

  packTube(barcode) {
    this.data.box.tubes.push(barcode);
    this.data.tubes[barcode].status = "packed";
    this.data.tubes[barcode].box = this.data.box.barcode;
    this.save();
  }

  handOver() {
    for (const barcode of this.data.box.tubes) this.data.tubes[barcode].status = "handed_over";
    this.data.box = null;
    this.save();
  }
}
