// Gate capture screen: one passage at a time (static/js/gate-passage.js keeps its rules), scanned
// by a wedge scanner (scanner/client/wedge.js), the camera (scanner/client/camera.js) or typed;
// saved as a gate_entry in the outbox. Works offline: the site list, fever threshold, roster
// index and watch-list hashes come from IndexedDB. Everything that happens is shown in
// #outcome, which the layout keeps inside the screen.
import { classify } from "/client/scanner/classify.js";
import { isOtherDocument, normaliseDocNumber } from "/client/offline/rules.js";
import { attachWedge } from "/client/scanner/wedge.js";
import { attachScanner, warmUp as warmUpDecoder } from "/client/scanner/camera.js";
import * as outbox from "/client/offline/outbox.js";
import * as session from "/client/offline/session.js";
import { historySince, pruneHistory } from "/client/offline/db.js";
import { maskNumber, sound, warmUp as warmUpSound } from "./feedback.js";
import { Desk } from "./gate-passage.js";
import { t } from "./gate-messages.js";

const CAMERA_FORMATS = ["qr_code", "code_128"]; // personal codes, ID numbers printed as barcodes
const REPEAT_SAVED_MS = 60 * 1000; // the camera still sees the code just saved: ignore it this long
const HISTORY_DAYS = 2; // the shift view needs hours, not weeks
const $ = (id) => document.getElementById(id);
const siteId = Number(location.pathname.split("/").pop());

const desk = new Desk({ siteId });
const state = { me: null, flash: null, lastSaved: null, keypad: false, camera: null, saves: 0 };
let busy = Promise.resolve();
let painted = null; // the passage the inputs of the "more" sheet show

/** One action at a time, in the order they came (a scanner can type faster than we save). */
function run(action) {
  busy = busy.then(action).catch((error) => {
    state.flash = { tone: "bad", error: t.failed + (error?.message || error) };
    render();
  });
  return busy;
}

// ---- identifying a scan -----------------------------------------------------------------

/** What a scanned or typed text is: {key, who} (async look-ups to do) or {error}. */
function recognise(raw, docType) {
  if (docType !== "cn_ric") {
    const number = normaliseDocNumber(raw);
    if (!isOtherDocument(number)) return { error: t.badDoc };
    return { key: `${docType}:${number}`, docType, number };
  }
  const verdict = classify(raw);
  if (verdict.kind === "personal_code") {
    if (!verdict.valid) return { error: t.badCode };
    return { key: `code:${verdict.text}`, code: verdict.text };
  }
  if (verdict.kind === "id_number") {
    if (!verdict.valid) return { error: t.badId(maskNumber(verdict.text)) };
    return { key: `cn_ric:${verdict.text}`, docType: "cn_ric", number: verdict.text };
  }
  return { error: verdict.kind === "tube" ? t.tube : t.unknown };
}

async function identify(found) {
  if (found.code) {
    // The holder's statuses and watch-list mark come through the code's link to their slot;
    // their name is not shown (a code names one person: the server resolves it at sync).
    const index = await session.lookUpCode(state.me.user_id, found.code.slice(4));
    return { kind: "person", key: found.key, person: { code: found.code }, doc: t.code(found.code.slice(-4)),
      short: t.codeShort(found.code.slice(-4)), watched: Boolean(index?.watched),
      statuses: index?.statuses || [], maxAgeHours: index?.maxAgeHours || 48 };
  }
  const { docType, number } = found;
  const doc = docType === "cn_ric" ? t.idOk(maskNumber(number)) : t.doc(maskNumber(number));
  // A slot of the roster index, not the number: "probably" (server/api/phoneindex.py).
  const index = await session.lookUp(state.me.user_id, docType, number);
  const residents = index?.residents || [];
  return { kind: "person", key: found.key, person: { doc_type: docType, doc_number: number }, doc,
    short: residents.length === 1 ? residents[0].name : t.tail(number.slice(-4)),
    known: residents.length ? residents : null, watched: Boolean(index?.watched),
    statuses: index?.statuses || [], maxAgeHours: index?.maxAgeHours || 48 };
}

/** The person in words: masked name and address of the resident(s) whose slot the number falls
 *  in (the volunteer checks the name), what is known otherwise. */
function describe(who) {
  if (!who) return "";
  if (who.kind === "visitor") return `${t.visitor}\n${t.visitorHint}`;
  if (who.known) {
    const named = who.known.map((r) => t.known(r.name, [r.compound, r.address].filter(Boolean).join(" ")));
    return `${named.length === 1 ? `${named[0]} · ${t.checkName}` : t.several(named.join(" / "))}\n${who.doc}`;
  }
  return who.person.code ? who.doc : `${who.doc} · ${t.notResident}`;
}

/** The statuses of the person, one line each, in the order the server lists them. */
function statusText(who, sent) {
  const lines = (who?.statuses || []).map((code) => t.statuses[code]?.(who.maxAgeHours) || code);
  if (sent) lines.push(t.sentNoted);
  return lines.join("\n");
}

function shortName(who) {
  if (!who) return "";
  return who.kind === "visitor" ? t.visitor : who.short;
}

// ---- what the volunteer does ------------------------------------------------------------

async function onScan(text, source, at) {
  performance.mark("scan", { startTime: at ?? performance.now() });
  const docType = $("doc-type").value;
  const found = recognise(text, docType);
  if (source === "camera" && found.key && state.lastSaved?.key === found.key
      && Date.now() - state.lastSaved.at < REPEAT_SAVED_MS) {
    return; // the code just saved is still in front of the camera: quietly ignored
  }
  state.flash = null;
  if (found.error) {
    state.flash = { tone: "bad", error: found.error };
    if (desk.failedScan() === "save") await save();
    render();
    signal("fail");
    return;
  }
  $("doc-type").value = "cn_ric"; // another document type is chosen for one number at a time
  const who = await identify(found);
  const step = desk.scan(who);
  if (step === "save") await save();
  render();
  shown("scan-shown", "scan");
  if (step === "ask" || step === "wait") signal("fail");
  else if (step !== "same" && (desk.passage.who?.watched || desk.passage.who?.statuses?.length)) signal("alert");
}

function onVisitor() {
  performance.mark("scan");
  state.flash = null;
  const step = desk.visitor();
  return (step === "save" ? save() : Promise.resolve()).then(() => {
    render();
    if (step === "ask" || step === "wait") signal("fail");
  });
}

async function onPreset(temp, at) {
  performance.mark("tap", { startTime: at });
  state.flash = null;
  const saved = desk.preset(temp) === "save" && await save();
  render();
  if (saved) shown("tap-shown", "tap");
}

async function onSaveButton(at) {
  performance.mark("tap", { startTime: at });
  state.flash = null;
  const saved = await save();
  render();
  if (saved) shown("tap-shown", "tap");
}

/** Save the passage to the outbox. Never says "saved" unless it is stored. */
async function save() {
  const { data, fever, error } = desk.record();
  if (error) {
    state.flash = { tone: "bad", error: t[error] };
    signal("fail");
    return false;
  }
  const passage = desk.passage;
  const summary = { site_id: siteId, direction: data.direction, fever, turned_back: !!data.turned_back,
    vehicle: !!data.vehicle_plate };
  let entry;
  try {
    entry = await outbox.add("gate_entry", data, state.me, summary);
  } catch (err) {
    state.flash = { tone: "bad", error: err?.name === "QuotaExceededError" ? t.notSaved : t.failed + (err?.message || err) };
    signal("fail");
    return false;
  }
  performance.mark("saved");
  try { performance.measure("passage", "scan", "saved"); } catch (e) { /* no scan mark: keypad only */ }
  performance.clearMarks("scan");
  state.saves += 1;
  const watched = Boolean(passage.who?.watched);
  const statusWho = passage.who?.statuses?.length ? passage.who : null;
  state.lastSaved = { key: passage.who?.key, at: Date.now() };
  desk.saved({ id: entry.id, fever, turnedBack: !!data.turned_back, temp: data.temperature_c });
  const parts = [shortName(passage.who), data.direction === "in" ? t.inDir : t.outDir,
    data.temperature_c !== undefined ? `${data.temperature_c.toFixed(1)} °C` : "",
    data.turned_back ? t.turnedBack : ""];
  // A fever's outcome is the fever alert itself (#fever-alert), which says it was saved.
  state.flash = { tone: fever || watched || data.turned_back ? "bad" : "ok",
    text: fever ? "" : t.savedWho(parts.filter(Boolean).join(" · ")), watched, statusWho,
    sent: Boolean(data.sent_to_sample) };
  state.keypad = Boolean(desk.passage.remeasureOf);
  signal(fever || watched || statusWho ? "alert" : "ok");
  dispatchEvent(new Event("outbox-changed"));
  renderShift();
  return true;
}

function onRemeasure() {
  desk.remeasure();
  state.flash = null;
  state.keypad = true; // a re-measured fever is rarely a preset value
  render();
}

async function onTurnBack() {
  desk.turnBack();
  state.flash = null;
  await save();
  render();
}

function onAnswer(keep) {
  desk.answer(keep);
  state.flash = null;
  render();
}

// ---- painting ---------------------------------------------------------------------------

function render() {
  const p = desk.passage;
  const alert = desk.alert;
  const flash = state.flash;
  const watched = Boolean(p.who?.watched || (!p.who && flash?.watched));

  const feedback = $("feedback");
  feedback.textContent = flash?.text || (flash?.error ? "" : prompt());
  feedback.className = `feedback ${flash?.tone === "ok" ? "ok" : flash?.text ? "bad" : ""}`;
  feedback.dataset.count = String(state.saves);
  $("form-error").textContent = flash?.error || "";
  $("form-error").hidden = !flash?.error;

  const lines = [describe(p.who)];
  if (!p.who && p.temp) lines.push(`${p.temp} °C`);
  if (p.remeasureOf) lines.push(p.temp && desk.record().data?.turned_back ? t.remeasureFever : t.remeasure);
  if (p.reason) lines.push(t.reasonShown(t.reasons[p.reason]));
  if (p.plate) lines.push(t.plate(p.plate));
  $("person").textContent = lines.filter(Boolean).join("\n");
  $("person").classList.toggle("known", Boolean(p.who?.known));
  $("person").hidden = !lines.some(Boolean);

  $("watch-alert").textContent = watched ? t.watch : "";
  $("watch-alert").hidden = !watched;

  // The person's statuses (retest list, no recent sample...): the passage's, or the one just saved.
  const statusWho = p.who?.statuses?.length ? p.who : (!p.who && flash?.statusWho) || null;
  const sent = p.who ? p.sentToSample : Boolean(flash?.sent);
  $("status-alert").hidden = !statusWho;
  $("status-text").textContent = statusWho ? statusText(statusWho, sent && !p.who) : "";
  $("sent-to-sample").hidden = !statusWho || !p.who;
  $("sent-to-sample").setAttribute("aria-pressed", String(Boolean(p.who && p.sentToSample)));
  $("sent-to-sample").textContent = p.sentToSample ? t.sentOn : t.sendToSample;

  $("fever-alert").hidden = !alert;
  if (alert) {
    const temp = Number(alert.temp).toFixed(1);
    const threshold = desk.threshold.toFixed(1);
    $("fever-text").textContent = (alert.pending ? t.fever : t.stillFever)(temp, shortName(alert.who));
    $("fever-hint").textContent = (alert.pending ? t.feverHint : t.stillFeverHint)(threshold);
    $("fever-actions").hidden = !alert.pending;
  }

  $("ask").hidden = !desk.question;
  if (desk.question) {
    $("ask-text").textContent = t.askUnsaved(t[desk.question.error] || "");
    $("ask-keep").textContent = t.keep;
    $("ask-drop").textContent = t.drop;
  }
  $("waiting").hidden = !desk.waiting.length;
  $("waiting").textContent = desk.waiting.length
    ? (alert?.pending ? `${t.waitFever} · ` : "") + t.waiting(desk.waiting.length) : "";

  const tone = desk.question ? "ask" : (alert || watched || flash?.tone === "bad") ? "bad"
    : flash?.tone === "ok" ? "ok" : p.who ? "person" : "idle";
  $("outcome").dataset.tone = tone;

  $("temp").textContent = p.temp || typing(p.digits);
  $("dir-in").setAttribute("aria-pressed", String(desk.direction === "in"));
  $("dir-out").setAttribute("aria-pressed", String(desk.direction === "out"));
  const blocked = desk.blocked;
  document.querySelectorAll(".preset, .key").forEach((b) => { b.disabled = blocked; });
  $("save").disabled = blocked;
  $("save").textContent = desk.record().data?.turned_back ? t.saveTurnBack : t.save;
  $("presets").hidden = state.keypad;
  $("keypad").hidden = !state.keypad;
  $("pad-toggle").textContent = state.keypad ? t.presets : t.keypad;
  $("pad-toggle").setAttribute("aria-pressed", String(state.keypad));

  document.querySelectorAll("[data-reason]").forEach((b) => {
    b.setAttribute("aria-pressed", String(b.dataset.reason === p.reason));
  });
  const fresh = p !== painted; // another passage: its inputs start from its own values
  painted = p;
  syncValue($("plate"), p.plate, fresh);
  syncValue($("visitor-name"), p.visitorName, fresh);
  syncValue($("visitor-phone"), p.visitorPhone, fresh);
  $("visitor").hidden = p.who?.kind !== "visitor";
}

/** Keypad digits as they will read: 3 -> "3_._", 38 -> "38._". */
function typing(digits) {
  if (!digits) return "--.-";
  const d = `${digits}__`.slice(0, 3);
  return `${d.slice(0, 2)}.${d[2]}`;
}

function prompt() {
  const p = desk.passage;
  if (desk.question || desk.alert) return "";
  if (!p.who) return p.temp ? t.needWho : t.ready;
  return p.temp ? "" : t.needTemp;
}

/** An input shows the passage's value, without fighting the volunteer's typing in it. */
function syncValue(input, value, fresh) {
  if (input.value !== value && (fresh || document.activeElement !== input)) input.value = value;
}

/** Measure `from` -> now-on-screen (after the next frame) as `name`: the figures of issue 14. */
function shown(name, from) {
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark(`${name}:end`);
    try { performance.measure(name, from, `${name}:end`); } catch (e) { /* no start mark */ }
  }, 0));
}

async function renderShift() {
  const entries = (await historySince(state.me.shift_start || 0))
    .filter((e) => e.user_id === state.me.user_id && e.site_id === siteId);
  const count = (f) => String(entries.filter(f).length);
  $("shift-total").textContent = entries.length;
  $("shift-total-more").textContent = entries.length;
  $("shift-in").textContent = count((e) => e.direction === "in");
  $("shift-out").textContent = count((e) => e.direction === "out");
  $("shift-fever").textContent = count((e) => e.fever);
  $("shift-back").textContent = count((e) => e.turned_back);
}

// ---- sound and vibration: static/js/feedback.js (the sampling screen's vocabulary) ----------

function signal(kind) {
  sound(kind === "fail" ? "bad" : kind);
}

// ---- wiring -----------------------------------------------------------------------------

function toggleCamera() {
  const box = $("camera");
  if (!state.camera) {
    state.camera = attachScanner(box, { target: $("gate"), formats: CAMERA_FORMATS, autoStart: false });
  }
  const on = !state.camera.running && box.hidden;
  box.hidden = !on;
  $("gate").classList.toggle("camera-on", on);
  if (on) state.camera.start(); else state.camera.stop();
  $("camera-toggle").setAttribute("aria-pressed", String(on));
}

/** The "more" sheet takes the place of the temperature pad, below #outcome, never over it. */
function toggleSheet(open) {
  const sheet = $("gate-more");
  sheet.hidden = !open;
  $("gate").classList.toggle("more-open", open);
  $("more").setAttribute("aria-expanded", String(open));
  sheet.style.maxHeight = "";
  if (open) sheet.style.maxHeight = `${Math.max(160, innerHeight - sheet.getBoundingClientRect().top - 8)}px`;
}

function bind() {
  attachWedge($("gate"), { field: $("scan") });
  $("gate").addEventListener("scan", (event) => {
    const { text, source, at } = event.detail;
    run(() => onScan(text, source, at));
  });
  $("unidentified").addEventListener("click", () => run(onVisitor));
  // Every tap goes through run() too, so it applies to the passage it was made for.
  const tap = (id, change) => $(id).addEventListener("click", () => run(() => { change(); render(); }));
  tap("dir-in", () => { desk.direction = "in"; });
  tap("dir-out", () => { desk.direction = "out"; });
  tap("pad-toggle", () => { state.keypad = !state.keypad; });
  document.querySelectorAll(".preset").forEach((b) => b.addEventListener("click", (event) => {
    run(() => onPreset(b.dataset.t, event.timeStamp));
  }));
  document.querySelectorAll(".key").forEach((b) => b.addEventListener("click", () => run(() => {
    desk.key(b.dataset.k);
    state.flash = null;
    render();
  })));
  $("save").addEventListener("click", (event) => run(() => onSaveButton(event.timeStamp)));
  $("remeasure").addEventListener("click", () => run(onRemeasure));
  $("turn-back").addEventListener("click", () => run(onTurnBack));
  $("ask-keep").addEventListener("click", () => run(() => onAnswer(true)));
  $("ask-drop").addEventListener("click", () => run(() => onAnswer(false)));
  tap("sent-to-sample", () => { if (desk.passage.who) desk.passage.sentToSample = !desk.passage.sentToSample; });
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("more").addEventListener("click", () => toggleSheet($("gate-more").hidden));
  $("more-done").addEventListener("click", () => toggleSheet(false));
  document.querySelectorAll("[data-reason]").forEach((b) => b.addEventListener("click", () => run(() => {
    desk.passage.reason = b.dataset.reason;
    render();
  })));
  $("plate").addEventListener("input", () => { desk.passage.plate = $("plate").value; render(); });
  $("visitor-name").addEventListener("input", () => { desk.passage.visitorName = $("visitor-name").value; });
  $("visitor-phone").addEventListener("input", () => { desk.passage.visitorPhone = $("visitor-phone").value; });
}

async function main() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  state.me = await session.current();
  if (!state.me) { problem(t.noUser); return; }
  const config = await session.sitesOf(state.me.user_id);
  const site = config?.sites?.find((s) => s.id === siteId && s.kind === "gate");
  if (!site) { problem(t.noSite); return; }
  $("site-name").textContent = site.name;
  desk.threshold = Number(config.community?.fever_threshold_c) || 37.3;
  bind();
  render();
  await pruneHistory(Date.now() - HISTORY_DAYS * 86400 * 1000);
  await renderShift();
  warmUpSound();
  warmUpDecoder().catch(() => {}); // fetch the decoder while online, so the camera works offline
  $("gate").dataset.ready = "1";
}

function problem(text) {
  $("gate-problem").textContent = text;
  $("gate-problem").hidden = false;
  $("save").disabled = true;
}

main();
