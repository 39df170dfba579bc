// The sampling screen's local state: tubes, people and boxes of this phone at one sampling
// point. Pure logic plus localStorage, no DOM, no network. People are kept only as masked
// labels and salted SHA-256 hashes (the outbox holds the records themselves until they sync).

const KEEP_DAYS = 30;

export function today(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** 1101**********1234, like server/privacy.py mask_doc_number. */
export function maskNumber(number) {
  if (!number) return "";
  if (number.length <= 8) return number[0] + "*".repeat(number.length - 1);
  return number.slice(0, 4) + "*".repeat(number.length - 8) + number.slice(-4);
}

/** 张*明, like server/privacy.py mask_name. */
export function maskName(name) {
  if (!name) return "";
  const chars = [...name];
  if (chars.length === 1) return name;
  if (chars.length === 2) return chars[0] + "*";
  return chars[0] + "*".repeat(chars.length - 2) + chars[chars.length - 1];
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

  /** Salted hash of a person's identity: enough to recognise a second scan, not to read it. */
  async personHash(person) {
    const text = `${this.data.salt}:${person.code || `${person.doc_type}:${person.doc_number}`}`;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
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

  /** The tube (other than `except`) holding this person today on this phone, if any. */
  tubeOf(hash, except = null) {
    const barcode = this.data.people[hash];
    return barcode && barcode !== except ? barcode : null;
  }

  /** Like the server: the lowest free slot, so a void's slot goes to the next person. */
  addMember(barcode, member) {
    const tube = this.data.tubes[barcode];
    const taken = new Set(tube.members.map((m) => m.slot));
    let slot = 1;
    while (taken.has(slot)) slot++;
    tube.members.push({ ...member, slot });
    this.data.people[member.hash] = barcode;
    this.save();
  }

  removeMember(barcode, recordId) {
    const tube = this.data.tubes[barcode];
    const member = tube.members.find((m) => m.record_id === recordId);
    tube.members = tube.members.filter((m) => m.record_id !== recordId);
    if (member && this.data.people[member.hash] === barcode) delete this.data.people[member.hash];
    this.save();
    return member;
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
