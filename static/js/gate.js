// Gate capture screen: identify, direction, temperature, save a gate_entry to the outbox.
// Works offline: the site list, fever threshold and watch-list hashes come from IndexedDB.
import { classify } from "/client/scanner/classify.js";
import * as outbox from "/client/offline/outbox.js";
import * as session from "/client/offline/session.js";
import { historySince, pruneHistory } from "/client/offline/db.js";

const MESSAGES = {
  zh: {
    saved: "已保存", notSaved: "未保存：手机存储已满，请先联网上传。", failed: "未保存：",
    badId: "证件号无效，请重新扫描或手工输入", badDoc: "证件号格式错误（5–30 位字母或数字）",
    badPlate: "车牌格式错误（如 京A12345、京AD12345）", badTemp: "体温应在 34.0–43.0 °C 之间，请重新测量",
    needTemp: "请输入体温", needWho: "请先扫码、输入证件号或选择“未识别”",
    fever: (t, th) => `发热警报：${t} °C（≥ ${th} °C）。请复测；如仍发热请劝返并上报。`,
    remeasure: "复测：请再次测量体温后保存", watch: "居家隔离人员！请勿放行外出，立即上报。",
    notResident: "非本社区登记居民", idOk: (m) => `身份证 ${m}`, doc: (m) => `证件 ${m}`, visitor: "未识别人员（访客）",
    noUser: "本机未登录：请联网登录后再使用。", noSite: "未找到该卡口：请联网打开一次。",
  },
  en: {
    saved: "Saved", notSaved: "NOT saved: phone storage is full; sync first.", failed: "NOT saved: ",
    badId: "Invalid ID number: scan again or type it", badDoc: "Document number: 5–30 letters or digits",
    badPlate: "Not a mainland plate (e.g. 京A12345, 京AD12345)", badTemp: "Temperature must be 34.0–43.0 °C: measure again",
    needTemp: "Enter the temperature", needWho: "Scan, type a document number or choose “Not identified”",
    fever: (t, th) => `FEVER: ${t} °C (≥ ${th} °C). Measure again; if still feverish, turn back and report.`,
    remeasure: "Re-measure: take the temperature again and save", watch: "HOME QUARANTINE! Do not let out; report now.",
    notResident: "not in the roster", idOk: (m) => `ID ${m}`, doc: (m) => `Document ${m}`, visitor: "Not identified (visitor)",
    noUser: "Nobody is logged in on this phone: log in online first.", noSite: "Unknown gate: open it once online.",
  },
};
const t = MESSAGES[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
// Same pattern as server/gate/records.py PLATE_PATTERN (new-energy plates included).
const PLATE = new RegExp("^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]" +
  "[A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9]{5}|[0-9]{5}[DF])[挂学警港澳]?$");
const OTHER_DOC = /^[A-Z0-9]{5,30}$/;
const TEMP_MIN = 34.0;
const TEMP_MAX = 43.0;
const HISTORY_DAYS = 2; // the shift view needs hours, not weeks
const $ = (id) => document.getElementById(id);
const siteId = Number(location.pathname.split("/").pop());

const state = { me: null, threshold: 37.3, person: null, visitor: false, direction: "in",
  temp: "", remeasureOf: null, lastFever: null };

function mask(number) {
  return number.length <= 8 ? number[0] + "*".repeat(number.length - 1)
    : number.slice(0, 4) + "*".repeat(number.length - 8) + number.slice(-4);
}

function showError(text) {
  $("form-error").textContent = text || "";
  $("form-error").hidden = !text;
}

async function identify(raw) {
  performance.mark("scan");
  showError("");
  const docType = $("doc-type").value;
  let number;
  if (docType === "cn_ric") {
    const result = classify(raw);
    if (result.kind === "personal_code" && result.valid) {
      setPerson({ code: result.text }, t.doc("QR"));
      return;
    }
    if (result.kind !== "id_number" || !result.valid) { fail(t.badId); return; }
    number = result.text;
  } else {
    number = raw.normalize("NFKC").replace(/[\s-]/g, "").toUpperCase();
    if (!OTHER_DOC.test(number)) { fail(t.badDoc); return; }
  }
  const label = docType === "cn_ric" ? t.idOk(mask(number)) : t.doc(mask(number));
  setPerson({ doc_type: docType, doc_number: number }, label);
  const [watched, known] = await Promise.all([session.onWatchList(state.me.user_id, docType, number),
    session.resident(state.me.user_id, docType, number)]);
  $("person").textContent = known ? `${label} · ${[known.compound, known.address, known.name].filter(Boolean).join(" ")}`
    : `${label} · ${t.notResident}`;
  $("person").classList.toggle("known", !!known);
  $("watch-alert").textContent = watched ? t.watch : "";
  $("watch-alert").hidden = !watched;
  if (watched) alertFeedback();
}

function setPerson(person, label) {
  state.person = person;
  state.visitor = false;
  $("visitor").hidden = true;
  $("person").textContent = label;
  $("scan").value = "";
}

function setTemp(text) {
  state.temp = text;
  $("temp").textContent = text || "--.-";
}

function key(k) {
  if (k === "back") setTemp(state.temp.slice(0, -1));
  else if (state.temp.length < 4 && !(k === "." && state.temp.includes("."))) setTemp(state.temp + k);
}

function setDirection(direction) {
  state.direction = direction;
  $("dir-in").setAttribute("aria-pressed", String(direction === "in"));
  $("dir-out").setAttribute("aria-pressed", String(direction === "out"));
}

/** The record's data from the form, or an error message. */
function collect() {
  const plate = $("plate").value.replace(/[\s·-]/g, "").toUpperCase();
  if (plate && !PLATE.test(plate)) return { error: t.badPlate };
  if (!state.person && !state.visitor && !plate) return { error: t.needWho };
  const temperature = state.temp ? Number(state.temp) : null;
  if (temperature === null && !plate) return { error: t.needTemp };
  if (temperature !== null && !(temperature >= TEMP_MIN && temperature <= TEMP_MAX)) return { error: t.badTemp };
  const data = { site_id: siteId, direction: state.direction };
  if (temperature !== null) data.temperature_c = Math.round(temperature * 10) / 10;
  if (state.person) data.person = state.person;
  if (state.visitor) {
    const name = $("visitor-name").value.trim();
    const phone = $("visitor-phone").value.trim();
    data.visitor = { ...(name && { name }), ...(phone && { phone }) };
  }
  if (plate) data.vehicle_plate = plate;
  const reason = $("reason").value;
  if (reason) { data.turned_back = true; data.reason = reason; }
  if (state.remeasureOf) data.remeasure_of = state.remeasureOf;
  return { data };
}

async function save() {
  const { data, error } = collect();
  if (error) { fail(error); return; }
  const fever = data.temperature_c !== undefined && data.temperature_c >= state.threshold;
  const summary = { site_id: siteId, direction: data.direction, fever, turned_back: !!data.turned_back,
    vehicle: !!data.vehicle_plate };
  let entry;
  try {
    entry = await outbox.add("gate_entry", data, state.me, summary);
  } catch (err) {
    // Never "saved" unless it is stored.
    fail(err?.name === "QuotaExceededError" ? t.notSaved : t.failed + (err?.message || err));
    return;
  }
  performance.mark("saved");
  try { performance.measure("passage", "scan", "saved"); } catch (e) { /* no scan mark: keypad only */ }
  performance.clearMarks("scan");
  showError("");
  dispatchEvent(new Event("outbox-changed"));
  if (fever) {
    state.lastFever = { id: entry.id, person: data.person, visitor: data.visitor, label: $("person").textContent };
    $("fever-text").textContent = t.fever(data.temperature_c.toFixed(1), state.threshold.toFixed(1));
    $("fever-alert").hidden = false;
    alertFeedback();
  } else {
    $("fever-alert").hidden = true;
    okFeedback();
  }
  reset();
  await renderShift();
}

function reset() {
  state.person = null;
  state.visitor = false;
  state.remeasureOf = null;
  setTemp("");
  $("person").textContent = "";
  $("visitor").hidden = true;
  $("visitor-name").value = "";
  $("visitor-phone").value = "";
  $("plate").value = "";
  $("reason").value = "";
  $("doc-type").value = "cn_ric";
  $("watch-alert").hidden = true;
  $("scan").focus();
}

function remeasure() {
  const fever = state.lastFever;
  if (!fever) return;
  state.remeasureOf = fever.id;
  state.person = fever.person || null;
  state.visitor = !!fever.visitor;
  $("person").textContent = `${fever.label} · ${t.remeasure}`;
  $("fever-alert").hidden = true;
}

let audio = null;
function beep(frequency, ms) {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = frequency;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + ms / 1000);
  } catch (e) { /* no audio: colour and vibration remain */ }
}

function okFeedback() {
  const box = $("feedback");
  box.textContent = t.saved;
  box.className = "feedback ok";
  box.dataset.count = String(Number(box.dataset.count || 0) + 1);
  beep(1200, 80);
  navigator.vibrate?.(60);
}

function alertFeedback() {
  $("feedback").className = "feedback bad";
  $("feedback").textContent = "";
  beep(440, 500);
  navigator.vibrate?.([300, 100, 300]);
}

function fail(text) {
  showError(text);
  $("feedback").className = "feedback bad";
  $("feedback").textContent = "";
  beep(220, 250);
  navigator.vibrate?.([100, 50, 100]);
}

async function renderShift() {
  const entries = (await historySince(state.me.shift_start || 0))
    .filter((e) => e.user_id === state.me.user_id && e.site_id === siteId);
  const count = (f) => String(entries.filter(f).length);
  $("shift-total").textContent = entries.length;
  $("shift-in").textContent = count((e) => e.direction === "in");
  $("shift-out").textContent = count((e) => e.direction === "out");
  $("shift-fever").textContent = count((e) => e.fever);
  $("shift-back").textContent = count((e) => e.turned_back);
}

function bind() {
  $("scan").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      if ($("scan").value.trim()) identify($("scan").value);
    }
  });
  $("unidentified").addEventListener("click", () => {
    state.person = null;
    state.visitor = true;
    $("visitor").hidden = false;
    $("person").textContent = t.visitor;
    performance.mark("scan");
  });
  $("dir-in").addEventListener("click", () => setDirection("in"));
  $("dir-out").addEventListener("click", () => setDirection("out"));
  document.querySelectorAll(".preset").forEach((b) => b.addEventListener("click", () => setTemp(b.dataset.t)));
  document.querySelectorAll(".key").forEach((b) => b.addEventListener("click", () => key(b.dataset.k)));
  $("save").addEventListener("click", save);
  $("remeasure").addEventListener("click", remeasure);
  $("fever-close").addEventListener("click", () => { $("fever-alert").hidden = true; });
}

async function main() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  state.me = await session.current();
  if (!state.me) { problem(t.noUser); return; }
  const config = await session.sitesOf(state.me.user_id);
  const site = config?.sites?.find((s) => s.id === siteId && s.kind === "gate");
  if (!site) { problem(t.noSite); return; }
  $("site-name").textContent = site.name;
  state.threshold = Number(config.community?.fever_threshold_c) || 37.3;
  bind();
  await pruneHistory(Date.now() - HISTORY_DAYS * 86400 * 1000);
  await renderShift();
  document.getElementById("gate").dataset.ready = "1";
  $("scan").focus();
}

function problem(text) {
  $("gate-problem").textContent = text;
  $("gate-problem").hidden = false;
  $("save").disabled = true;
}

main();
