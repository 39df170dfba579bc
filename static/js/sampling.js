// Sampling-point capture screen (10混1): open a tube by its barcode, scan people into its
// slots, seal, pack tubes into a box, hand the box over. Every step is a record written to
// the phone's outbox before the screen says "saved"; it works with no network at all.
import { classify } from "/client/scanner/classify.js";
import { isOtherDocument, normaliseDocNumber } from "/client/offline/rules.js";
import { FIELD_FORMATS, attachScanner, warmUp as warmUpDecoder } from "/client/scanner/camera.js";
import { attachWedge } from "/client/scanner/wedge.js";
import { describe } from "./record-errors.js";
import { onResults, openOutbox, refusedSamples } from "./sampling-outbox.js";
import { compact, maskName, maskNumber, signal, warmUp } from "./feedback.js";
import { t } from "./sampling-messages.js";
import { loadRoster } from "./sampling-roster.js";
import { SPOKEN, setVoice, speak, voiceOn } from "./sampling-voice.js";
import { SamplingState } from "./sampling-state.js";

const BOX = /^[A-Za-z0-9_-]{4,64}$/;
const $ = (id) => document.getElementById(id);

const root = $("sampling");
const site = loadSite();
const state = new SamplingState(site.id);
let outbox = null;
let roster = null; // the roster index: who is who offline (null until loaded, or never fetched)
let scanner = null; // the camera
let mode = "tube"; // or "box"
let busy = Promise.resolve();
// Documents scanned since this page opened, by sample record id (memory only): for "move".
const recent = new Map();
// The text of the last person saved and their record (memory only): the camera seeing the
// same code again is a repeat read, ignored quietly, not a second scan.
let lastSaved = null;

function loadSite() {
  // The online page carries the site's settings; the offline copy reads what was kept.
  const id = Number(root.dataset.siteId || location.pathname.split("/")[2]);
  const key = `checkpoint:sampling-site:${id}`;
  if (root.dataset.siteId) {
    const fresh = { id, name: root.dataset.siteName, capacity: Number(root.dataset.capacity),
      pattern: root.dataset.pattern };
    localStorage.setItem(key, JSON.stringify(fresh));
    return fresh;
  }
  return JSON.parse(localStorage.getItem(key) || "null") || { id, name: "", capacity: 10, pattern: null };
}

/** Show, beep, vibrate; then (after painting) say `spoken` in Mandarin, by default what the
 *  kind of outcome means (nothing for a plain ok). */
function say(kind, text, spoken = SPOKEN[kind]) {
  const feedback = $("feedback");
  signal(feedback, kind, text);
  feedback.dataset.count = String(Number(feedback.dataset.count || 0) + 1); // what a test waits on
  // An outcome out of view is no outcome (after a tap far down the page, e.g. reopen a tube).
  const box = feedback.getBoundingClientRect();
  if (box.top < 0 || box.bottom > innerHeight) feedback.scrollIntoView({ block: "nearest" });
  speak(spoken);
}

/** Write a record; only a stored record may say "saved". */
async function write(type, data) {
  if (!outbox) throw new Error(t.noUser);
  return outbox.add(type, { site_id: site.id, ...data });
}

// ---- scanning --------------------------------------------------------------------------------

async function onScan(text, started, source = "wedge") {
  const verdict = classify(text, site.pattern);
  if (mode === "box") return scanIntoBox(verdict, started);
  if (source === "camera" && isRepeatOfLastSaved(verdict.text)) {
    return undefined; // the code is still in front of the camera: nothing happened, nothing to say
  }
  if (verdict.kind === "tube") return scanTube(verdict.text, started);
  if (verdict.kind === "id_number") {
    if (!verdict.valid) return say("bad", t.badId, SPOKEN.badId);
    return addPerson({ doc_type: "cn_ric", doc_number: verdict.text }, maskNumber(verdict.text), started,
      verdict.text);
  }
  if (verdict.kind === "personal_code") {
    if (!verdict.valid) return say("bad", t.badCode, SPOKEN.badCode);
    return addPerson({ code: verdict.text }, `${t.code} ${compact(maskNumber(verdict.text.slice(4)))}`, started,
      verdict.text);
  }
  return say("bad", t.unknown, SPOKEN.unknown);
}

function isRepeatOfLastSaved(text) {
  const tube = state.current;
  const last = tube && tube.members[tube.members.length - 1];
  return Boolean(lastSaved && last && lastSaved.text === text && lastSaved.record_id === last.record_id);
}

/** The roster index's person key of whom a scan names: null when unknown; false when it is a
 *  personal code that the index (which lists the community's codes) does not hold. */
async function personKey(person) {
  if (!roster) return null;
  if (person.code) {
    if (!roster.knowsCodes) return null;
    return (await roster.personOfCode(person.code.slice(4))) || false;
  }
  return roster.personOfDocument(person.doc_type, person.doc_number);
}

async function scanTube(barcode, started) {
  const known = state.tube(barcode);
  if (known && known.status === "open") {
    state.select(barcode);
    render();
    return done("ok", t.opened(barcode), started, SPOKEN.opened);
  }
  if (known || state.usedBefore(barcode)) return say("bad", t.usedTube(barcode), SPOKEN.usedTube);
  const current = state.current;
  if (current && current.status === "open" && current.members.length) {
    if (current.members.length < current.capacity) {
      const answer = await ask(t.askSeal(current.members.length, current.capacity), { yes: t.sealAndOpen });
      if (!answer) return say("warn", t.cancel);
    }
    await seal(current.barcode);
  }
  await write("tube_open", { tube: barcode, capacity: site.capacity });
  state.openTube(barcode, site.capacity);
  render();
  return done("ok", t.opened(barcode), started, SPOKEN.opened);
}

async function addPerson(person, label, started, text = null) {
  const tube = state.current;
  if (!tube || tube.status !== "open") return say("bad", t.noTube, SPOKEN.noTube);
  if (tube.members.length >= tube.capacity) {
    $("seal").classList.add("attention");
    return say("full", t.full(tube.capacity));
  }
  const [hash, key] = await Promise.all([state.personHash(person, roster), personKey(person)]);
  // A code the community's list does not hold would be refused at sync: say so now.
  if (key === false) return say("bad", t.codeNotOurs, SPOKEN.codeNotOurs);
  const same = state.memberLike(tube.barcode, hash, key);
  if (same) return say("bad", same.hash === hash ? t.inTube : t.inTubeAs(same.slot), SPOKEN.inTube);
  const elsewhere = state.tubeOf(hash, tube.barcode, key);
  if (elsewhere) {
    const question = state.tubeOf(hash, tube.barcode) ? t.today(elsewhere) : t.todayAs(elsewhere);
    say("warn", question, SPOKEN.today);
    if (!(await ask(question, { yes: t.addAnyway }))) return undefined;
  }
  const record = await write("sample", { tube: tube.barcode, person });
  recent.set(record.id, person);
  const { slot } = state.addMember(tube.barcode, { record_id: record.id, hash, person: key || null, label });
  lastSaved = text ? { text, record_id: record.id } : null;
  render();
  const count = tube.members.length;
  if (count >= tube.capacity) $("seal").classList.add("attention");
  const full = count >= tube.capacity; // a full tube announces itself
  return done(full ? "full" : "ok", t.saved(slot, tube.capacity), started,
    full ? SPOKEN.slotFull(slot) : SPOKEN.slot(slot));
}

function done(kind, text, started, spoken) {
  say(kind, text, spoken);
  if (started === undefined) return;
  performance.measure("scan", { start: started, end: performance.now() });
  // On screen: the frame with the outcome painted (a task queued from the frame runs after it).
  requestAnimationFrame(() => setTimeout(() => performance.measure("scan-visible",
    { start: started, end: performance.now() })));
}

// ---- tube actions ----------------------------------------------------------------------------

async function seal(barcode) {
  const tube = state.tube(barcode);
  if (!tube.members.length) return say("bad", t.sealEmpty);
  await write("tube_seal", { tube: barcode });
  state.setStatus(barcode, "sealed");
  $("seal").classList.remove("attention");
  render();
  return say("ok", t.sealed(barcode), SPOKEN.sealed);
}

async function undo() {
  const tube = state.current;
  const last = tube && tube.status === "open" && tube.members[tube.members.length - 1];
  if (!last) return say("warn", t.undoNothing);
  await write("sample_void", { sample_record_id: last.record_id, reason: "undo" });
  state.removeMember(tube.barcode, last.record_id);
  render();
  return say("ok", t.undone);
}

/** What to do with a person in the tube (tapping their slot): remove or move. */
async function slotActions(barcode, recordId) {
  const member = state.tube(barcode).members.find((m) => m.record_id === recordId);
  if (!member) return undefined;
  const choice = await ask(t.slotActions(member.slot, member.label), {
    choices: [["remove", t.remove], ["move", t.move]] });
  if (choice === "remove") return remove(barcode, recordId);
  if (choice === "move") return move(barcode, recordId);
  return undefined;
}

const REMOVE_REASONS = ["wrong_person", "not_sampled", "duplicate", "resample"];

async function remove(barcode, recordId) {
  const member = state.tube(barcode).members.find((m) => m.record_id === recordId);
  // Preset reasons (a tap with gloves); "other" opens a text field. Stored as their code.
  const reason = await ask(t.removeWhy(member.label), {
    choices: REMOVE_REASONS.map((code) => [code, t.reasons[code]]), other: t.other, input: t.reason, yes: t.remove });
  if (!reason) return undefined;
  await write("sample_void", { sample_record_id: recordId, reason });
  state.removeMember(barcode, recordId);
  render();
  return say("ok", t.removed);
}

async function move(barcode, recordId) {
  const member = state.tube(barcode).members.find((m) => m.record_id === recordId);
  const answer = await ask(t.askMove(member.label), { input: t.move, yes: t.move });
  if (!answer) return undefined;
  const verdict = classify(answer, site.pattern);
  if (verdict.kind !== "tube" || verdict.text === barcode) return say("bad", t.sameTube);
  const target = state.tube(verdict.text);
  if (target ? target.status !== "open" : state.usedBefore(verdict.text)) return say("bad", t.usedTube(verdict.text));
  if (target && target.members.length >= target.capacity) return say("full", t.full(target.capacity));
  await write("sample_void", { sample_record_id: recordId, reason: "moved" });
  state.removeMember(barcode, recordId);
  if (!target) {
    await write("tube_open", { tube: verdict.text, capacity: site.capacity });
    state.openTube(verdict.text, site.capacity);
  }
  state.select(verdict.text);
  render();
  // The document is kept in memory for this page's life only; after a reload the person
  // is scanned again into the target tube.
  const person = recent.get(recordId);
  if (!person) return say("warn", t.rescan(verdict.text, member.label));
  await addPerson(person, member.label);
  return say("ok", `${t.moved(verdict.text)}: ${member.label}`);
}

async function reopen(barcode) {
  const reason = await ask(t.askReopen(barcode), { input: t.reason, yes: t.reopen });
  if (!reason) return undefined;
  await write("tube_reopen", { tube: barcode, reason });
  state.setStatus(barcode, "open");
  state.select(barcode);
  render();
  return say("ok", t.reopened(barcode));
}

// ---- boxes -----------------------------------------------------------------------------------

async function scanIntoBox(verdict, started) {
  const box = state.box;
  if (!box) {
    if (verdict.kind === "id_number" || verdict.kind === "personal_code" || !BOX.test(verdict.text)) {
      return say("bad", t.badBox);
    }
    state.startBox(verdict.text);
    render();
    return done("ok", t.boxStarted(verdict.text), started);
  }
  if (verdict.kind !== "tube") return say("bad", t.unknown);
  const tube = state.tube(verdict.text);
  if (!tube) return say("bad", t.notMine);
  if (tube.status === "open") return say("bad", t.notSealed);
  if (tube.status !== "sealed") return say("bad", t.inBox);
  await write("box_pack", { box: box.barcode, tube: tube.barcode });
  state.packTube(tube.barcode);
  render();
  return done("ok", t.packed(tube.barcode, box.tubes.length), started, SPOKEN.packed);
}

async function handOver() {
  const box = state.box;
  if (!box || !box.tubes.length) return say("bad", t.emptyBox);
  const courier = $("courier").value.trim();
  if (!courier) {
    $("courier").focus();
    return say("bad", t.courier);
  }
  await write("box_handover", { box: box.barcode, courier });
  state.handOver();
  $("courier").value = "";
  setMode("tube");
  return say("ok", t.handedOver(box.barcode));
}

function setMode(next) {
  mode = next;
  root.dataset.mode = mode;
  $("box-panel").hidden = mode !== "box";
  $("box-start").setAttribute("aria-pressed", String(mode === "box"));
  render();
  $("scan").focus();
}

// ---- dialog ----------------------------------------------------------------------------------

/**
 * An in-page question (window.confirm blocks wedge input); resolves to false, true, the text
 * typed or the value of the choice tapped. `choices` ([[value, label], ...]) are big buttons;
 * with `other`, one more button opens the text field (`input` is its placeholder).
 */
function ask(text, { input = null, yes = null, choices = null, other = null }) {
  const dialog = $("ask");
  const typed = Boolean(input) && !choices;
  $("ask-text").textContent = text;
  $("ask-input").hidden = !typed;
  $("ask-input").value = "";
  $("ask-input").placeholder = input || "";
  $("ask-yes").textContent = yes || "";
  $("ask-yes").hidden = !typed && Boolean(choices);
  const box = $("ask-choices");
  box.hidden = !choices;
  $("ask-row").hidden = Boolean(choices);
  dialog.hidden = false;
  if (dialog.getBoundingClientRect().top < 0) dialog.scrollIntoView({ block: "start" });
  // Not the "yes" button: a wedge scan's Enter must never answer a question by accident.
  (typed ? $("ask-input") : dialog).focus();
  return new Promise((resolve) => {
    const finish = (value) => {
      dialog.hidden = true;
      box.replaceChildren();
      $("ask-yes").onclick = $("ask-no").onclick = $("ask-input").onkeydown = null;
      $("scan").focus();
      resolve(value);
    };
    if (choices) {
      // One grid of big buttons, cancel included, so that the whole question fits the screen.
      const buttons = choices.map(([value, label]) => choiceButton(label, () => finish(value)));
      if (other) {
        buttons.push(choiceButton(other, () => {
          // The free text: the field and the confirm/cancel row appear, the presets stay.
          $("ask-input").hidden = false;
          $("ask-yes").hidden = false;
          $("ask-row").hidden = false;
          $("ask-input").focus({ preventScroll: true });
        }, "other"));
      }
      buttons.push(choiceButton(t.cancel, () => finish(false), "cancel"));
      box.replaceChildren(...buttons);
    }
    $("ask-no").onclick = () => finish(false);
    $("ask-yes").onclick = () => {
      if (!input) return finish(true);
      const value = $("ask-input").value.trim();
      if (!value) return say("bad", t.needReason);
      return finish(value);
    };
    $("ask-input").onkeydown = (event) => { if (event.key === "Enter") $("ask-yes").click(); };
  });
}

// ---- rendering -------------------------------------------------------------------------------

function render() {
  const tube = state.current;
  $("tube-barcode").textContent = tube ? tube.barcode : "—";
  $("tube-status").textContent = tube ? t.status[tube.status] : "";
  $("tube-count").textContent = tube ? t.slotsLabel(tube.members.length, tube.capacity) : "";
  const slots = $("slots");
  slots.replaceChildren();
  const capacity = tube ? tube.capacity : site.capacity;
  const bySlot = new Map((tube ? tube.members : []).map((m) => [m.slot, m]));
  // Past capacity (a corrected record arriving in a full tube) the extra slots show too.
  const shown = Math.max(capacity, ...[...bySlot.keys()]);
  for (let i = 0; i < shown; i++) {
    const member = bySlot.get(i + 1);
    const li = document.createElement("li");
    li.className = member ? "slot filled" : "slot";
    li.dataset.slot = String(i + 1);
    if (member) {
      // Compact in the slot (1101****1234) so the last digits stay visible at 360 px; the
      // whole slot is the button that offers remove / move.
      const text = compact(member.label);
      if (tube.status === "open") {
        const b = button(text, () => run(() => slotActions(tube.barcode, member.record_id)));
        b.classList.add("slot-btn");
        b.title = member.label;
        li.append(b);
      } else {
        li.append(Object.assign(document.createElement("span"), { textContent: text, title: member.label }));
      }
    }
    slots.append(li);
  }
  renderNotes(tube);
  const last = tube && tube.members[tube.members.length - 1];
  $("last-person").textContent = last ? last.label : "";
  $("seal").disabled = !tube || tube.status !== "open";
  $("undo").disabled = !last || tube.status !== "open";
  const list = $("my-tubes");
  list.replaceChildren(...state.tubes().map((item) => {
    const li = document.createElement("li");
    li.dataset.tube = item.barcode;
    li.append(Object.assign(document.createElement("span"), {
      textContent: `${item.barcode} · ${item.members.length}/${item.capacity} · ${t.status[item.status]}` }));
    if (item.status === "sealed") li.append(button(t.reopen, () => run(() => reopen(item.barcode))));
    if (item.status === "open" && item.barcode !== state.data.current) {
      li.append(button(t.select, () => { state.select(item.barcode); render(); }));
    }
    return li;
  }));
  const box = state.box;
  $("box-barcode").textContent = box ? box.barcode : "—";
  $("box-tubes").textContent = box ? box.tubes.join(", ") : "";
  // The camera's frame follows what comes next: a person's QR code, or a tube's label.
  const wantsPerson = mode === "tube" && tube && tube.status === "open" && tube.members.length < tube.capacity;
  scanner?.setFrame(wantsPerson ? "square" : "band");
}

/** Samples of the tube that hold no slot on the server: refused (to correct) or duplicates. */
function renderNotes(tube) {
  $("tube-notes").replaceChildren(...(tube?.notes || []).map((note) => {
    const li = document.createElement("li");
    li.className = `tube-note ${note.kind}`;
    li.dataset.record = note.record_id;
    const what = note.kind === "refused" ? t.noteRefused : t.noteTwice;
    li.append(Object.assign(document.createElement("span"), { textContent: `${compact(note.label)} · ${what}` }));
    if (note.kind === "refused") {
      li.append(Object.assign(document.createElement("a"), {
        className: "btn", href: `/offline/attention#record=${note.record_id}`, textContent: t.fix }));
    }
    return li;
  }));
}

// ---- what the server said ----------------------------------------------------------------

/** The server's answers to the records of this screen: a sample refused, or stored without a
 *  slot of its own (the person was in the tube already), leaves its slot; the clerk is told
 *  while the tube is still open. */
function onServerResults(results) {
  let notice = null;
  for (const result of results) {
    const found = state.findRecord(result.id);
    if (!found) continue;
    const slot = found.member ? found.member.slot : found.note.slot;
    const current = found.barcode === state.data.current;
    if (result.status === "rejected") {
      if (found.note?.kind === "refused") continue;
      state.unslot(result.id, "refused", result.error);
      notice = ["bad", t.serverRefused(slot, describe(result.error))];
    } else if (result.status === "accepted" || result.status === "duplicate") {
      const warnings = result.warnings || [];
      if (warnings.includes("person_in_tube_twice") && found.member) {
        state.unslot(result.id, "twice");
        notice = ["warn", t.serverTwice(slot)];
      } else if (current && warnings.includes("person_sampled_twice_today")) {
        notice = notice || ["warn", t.serverToday(slot)];
      } else if (current && warnings.includes("tube_over_capacity")) {
        notice = notice || ["warn", t.serverOver(slot)];
      }
    }
  }
  if (!notice) return;
  render();
  say(...notice);
}

/** Samples refused while this screen was closed (synced by another page or the service worker). */
async function markRefused() {
  let changed = false;
  for (const { id, error } of await refusedSamples()) {
    const found = state.findRecord(id);
    if (found && found.note?.kind !== "refused") {
      state.unslot(id, "refused", error);
      changed = true;
    }
  }
  if (changed) render();
}

function choiceButton(label, onClick, value = "") {
  const b = button(label, onClick);
  b.classList.add("choice");
  if (value) b.dataset.choice = value;
  return b;
}

function button(label, onClick) {
  const b = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: label });
  b.addEventListener("click", onClick);
  return b;
}

/** One action at a time, in scan order (a wedge scanner can type faster than we save). */
function run(action) {
  busy = busy.then(action).catch((error) => say("bad", t.notSaved + (error.message || error)))
    .finally(keepScanFocus);
  return busy;
}

/** A wedge scanner types wherever the focus is: bring it back to the scan field after a tap. */
function keepScanFocus() {
  const active = document.activeElement;
  if (!$("ask").hidden) return;
  if (active && active !== document.body && active.matches("input, select, textarea")) return;
  $("scan").focus();
}

function manualEntry(event) {
  event.preventDefault();
  const docType = $("doc-type").value;
  const name = $("doc-name").value.trim();
  let number = normaliseDocNumber($("doc-number").value);
  if (docType === "cn_ric") {
    const verdict = classify(number, site.pattern);
    if (verdict.kind !== "id_number" || !verdict.valid) return say("bad", t.badId);
    number = verdict.text;
  } else if (!isOtherDocument(number)) {
    return say("bad", t.badDoc);
  }
  const person = { doc_type: docType, doc_number: number, ...(name ? { name } : {}) };
  const label = `${maskName(name)} ${maskNumber(number)}`.trim();
  return run(async () => {
    await addPerson(person, label);
    $("doc-number").value = "";
    $("doc-name").value = "";
  });
}

async function start() {
  $("site-name").textContent = site.name || $("site-name").textContent;
  render();
  // A wedge scanner types wherever the focus is (scanner/client/wedge.js, as on the gate): its
  // keys land in the scan field, in order, and Enter makes the scan. While a question is open
  // the keys are left alone: an answer is typed, and a scan's Enter never answers it.
  attachWedge($("scan"), { field: $("scan"), enabled: () => $("ask").hidden });
  $("scan").addEventListener("scan", (event) => {
    const started = performance.now();
    run(() => onScan(event.detail.text, started));
  });
  const voice = $("voice");
  const showVoice = () => {
    voice.setAttribute("aria-pressed", String(voiceOn()));
    voice.textContent = voiceOn() ? t.voiceOn : t.voiceOff;
  };
  showVoice();
  voice.addEventListener("click", () => { setVoice(!voiceOn()); showVoice(); $("scan").focus(); });
  $("keyboard").addEventListener("click", () => {
    // Typing by hand: the phone's keyboard may show; it hides again when the field is left.
    $("scan").inputMode = "text";
    $("keyboard").setAttribute("aria-pressed", "true");
    $("scan").focus();
  });
  $("scan").addEventListener("blur", () => {
    $("scan").inputMode = "none";
    $("keyboard").setAttribute("aria-pressed", "false");
  });
  $("seal").addEventListener("click", () => run(() => state.current && seal(state.current.barcode)));
  $("undo").addEventListener("click", () => run(undo));
  $("manual").addEventListener("submit", manualEntry);
  $("box-start").addEventListener("click", () => setMode(mode === "box" ? "tube" : "box"));
  $("box-handover").addEventListener("click", () => run(handOver));
  // The camera reads tube labels (1D) and personal codes (QR); a read takes the wedge's path.
  // A code held in front of it counts once, however long it stays.
  scanner = attachScanner($("camera"), { formats: [...FIELD_FORMATS.tube, ...FIELD_FORMATS.person],
    autoStart: false, repeat: "until-gone" });
  render();
  $("camera").addEventListener("scan", (event) => {
    const started = performance.now();
    run(() => onScan(event.detail.text, started, event.detail.source));
  });
  onResults((results) => run(() => onServerResults(results)));
  // The attention page corrects or discards a refused sample in this phone's state.
  addEventListener("storage", (event) => {
    if (event.key === state.key) { state.reload(); render(); }
  });
  $("scan").focus();
  warmUp();
  warmUpDecoder().catch(() => {}); // fetch the decoder while online, so the camera works offline
  try {
    outbox = await openOutbox();
  } catch (error) {
    outbox = null;
  }
  if (!outbox) say("bad", t.noUser);
  else roster = await loadRoster(outbox.device.user_id);
  await markRefused().catch(() => {});
  root.dataset.ready = "true";
}

start();
