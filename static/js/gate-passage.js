// The gate desk: the one passage being registered, the scans waiting behind it, the fever alert
// and the question to ask. Pure: no DOM, no storage, no clock; static/js/gate.js renders the
// desk and saves its records; tests/js/run_gate_passage.mjs drives it with node. The plate and
// temperature rules are the server's own (offline/client/rules.js).
//
// The rule it keeps: a temperature belongs to the passage it was taken for. A new scan never
// replaces an unsaved passage: a complete one is saved first, an incomplete one makes the
// screen ask (the new scan waits meanwhile); while a fever needs a decision, scans wait.
//
// `who` is what a scan identified: {kind: "person", key, person, ...} or {kind: "visitor", key}
// (no ID); `key` tells two scans of the same person apart from two people. `sentToSample`: the
// volunteer sent the person to be sampled (the gate showed a status, static/js/gate.js).
import { checkTemperature, isPlate, normalisePlate } from "/client/offline/rules.js";

export const TURN_BACK_REASONS = ["outsider", "no_pass", "fever", "other"];

/** An empty passage. `digits` is a temperature being typed on the keypad ("38" -> 38._). */
export function blankPassage() {
  return { who: null, temp: "", digits: "", plate: "", reason: "", remeasureOf: null,
    visitorName: "", visitorPhone: "", sentToSample: false };
}

/** Keypad digits to a temperature: the decimal point is implied, 382 -> "38.2". */
export function digitsToTemp(digits) {
  return digits.length === 3 ? `${digits.slice(0, 2)}.${digits[2]}` : "";
}

/**
 * The gate_entry data of a passage, {data, fever} or {error: messageKey}.
 * A re-measure that is still feverish is turned back (the rule the fever alert states),
 * unless the volunteer chose another reason.
 */
export function buildRecord(passage, { siteId, direction, threshold }) {
  const plate = normalisePlate(passage.plate);
  if (plate && !isPlate(plate)) return { error: "badPlate" };
  if (!passage.who && !plate) return { error: "needWho" };
  if (passage.digits && !passage.temp) return { error: "badTemp" };
  const temperature = passage.temp ? checkTemperature(passage.temp) : null;
  if (!passage.temp && !plate && !passage.reason) return { error: "needTemp" };
  if (passage.temp && temperature === null) return { error: "badTemp" };
  const data = { site_id: siteId, direction };
  if (temperature !== null) data.temperature_c = temperature;
  const fever = temperature !== null && data.temperature_c >= threshold;
  const who = passage.who;
  if (who?.kind === "person") data.person = who.person;
  if (who?.kind === "person" && passage.sentToSample) data.sent_to_sample = true;
  if (who?.kind === "visitor") {
    const name = passage.visitorName.trim();
    const phone = passage.visitorPhone.trim();
    data.visitor = { ...(name && { name }), ...(phone && { phone }) };
  }
  if (plate) data.vehicle_plate = plate;
  const reason = passage.reason || (fever && passage.remeasureOf ? "fever" : "");
  if (reason) { data.turned_back = true; data.reason = reason; }
  if (passage.remeasureOf) data.remeasure_of = passage.remeasureOf;
  return { data, fever };
}

export class Desk {
  constructor({ threshold = 37.3, siteId = null } = {}) {
    this.threshold = threshold;
    this.siteId = siteId;
    this.direction = "in"; // stays as set: a gate often runs one way for a while
    this.passage = blankPassage();
    this.waiting = []; // scans that arrived while the passage was unsaved
    this.alert = null; // {who, id, temp, pending}: pending = 复测/劝返 not chosen yet
    this.question = null; // {error?}: the unsaved passage, keep it or drop it?
  }

  /** Is the desk waiting for the volunteer (a question, a fever decision)? Scans then wait. */
  get blocked() {
    return Boolean(this.question || this.alert?.pending);
  }

  record() {
    return buildRecord(this.passage, { siteId: this.siteId, direction: this.direction, threshold: this.threshold });
  }

  /**
   * A scan identified `who`. Returns what the screen does now:
   *   "same"  it is the passage's own person again: nothing changes
   *   "wait"  the desk is blocked: the scan waits its turn
   *   "load"  the scan is the passage's person now
   *   "save"  the passage is complete: save it (the scan, if it was not needed, waits its turn)
   *   "ask"   an incomplete passage is in the way: ask whether to keep it (the scan waits)
   */
  scan(who) {
    if (this.blocked) {
      this.waiting.push(who);
      return "wait";
    }
    if (this.passage.who && this.passage.who.key === who.key) return "same";
    if (this.alert && !this.alert.pending) this.alert = null; // a settled alert makes way
    if (!this.passage.who) {
      this.passage.who = who; // a temperature taken before the scan belongs to this person
      return this.passage.temp && !this.record().error ? "save" : "load";
    }
    this.waiting.push(who);
    return this.askOrSave();
  }

  /** A scan that identified nobody (error shown by the screen): what about the passage? */
  failedScan() {
    if (this.blocked || !this.passage.who) return "show";
    return this.askOrSave();
  }

  askOrSave() {
    const { error } = this.record();
    if (!error) return "save";
    this.question = { error };
    return "ask";
  }

  /** A preset temperature: saves the passage when it has its person ("save": the screen says
   *  what is missing if it cannot), else it waits for the scan ("set"). */
  preset(temp) {
    if (this.blocked) return "ignored";
    this.passage.temp = temp;
    this.passage.digits = "";
    return this.passage.who ? "save" : "set";
  }

  /** A keypad key: a digit or "back"; a temperature is complete at its third digit. */
  key(k) {
    if (this.blocked) return;
    const p = this.passage;
    if (k === "back") p.digits = p.digits.slice(0, -1);
    else if (k === "clear") p.digits = "";
    else if (/^[0-9]$/.test(k)) p.digits = p.digits.length >= 3 ? k : p.digits + k;
    p.temp = digitsToTemp(p.digits);
  }

  /** The "no ID" button: the passage is an unidentified visitor's. */
  visitor() {
    return this.scan({ kind: "visitor", key: "visitor" });
  }

  /** Answer to the question: keep the unsaved passage (finish it first) or drop it. */
  answer(keep) {
    this.question = null;
    if (!keep) this.next();
  }

  /** The passage was saved as record `id`. */
  saved({ id, fever, turnedBack, temp }) {
    const { who, sentToSample } = this.passage;
    this.alert = fever ? { who, id, temp, pending: !turnedBack, sentToSample } : null;
    this.passage = blankPassage();
    if (!this.alert?.pending) this.next();
  }

  /** 复测: a new passage for the same person, linked to the feverish record. */
  remeasure() {
    const alert = this.alert;
    if (!alert) return;
    this.alert = null;
    this.passage = { ...blankPassage(), who: alert.who, remeasureOf: alert.id, sentToSample: alert.sentToSample };
  }

  /** 劝返 on a fever alert: the passage to save records the turn-back, linked to the fever. */
  turnBack() {
    const alert = this.alert;
    if (!alert) return;
    this.alert = null;
    this.passage = { ...blankPassage(), who: alert.who, remeasureOf: alert.id, reason: "fever",
      sentToSample: alert.sentToSample };
  }

  /** The next waiting scan becomes the passage. */
  next() {
    this.passage = blankPassage();
    const who = this.waiting.shift();
    if (who) this.passage.who = who;
  }
}
