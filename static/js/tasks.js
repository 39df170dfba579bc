// The worker's day on the phone. Online, /tasks is rendered by the server and this module saves
// the same list (masked values, from /api/v1/tasks) in IndexedDB; offline, the service worker
// serves the /shell/tasks page and this module draws the saved list. Nothing personal goes into
// the service worker's cache.
//
// Readings, visit notes and needs done are records of the phone's outbox (temperature_reading,
// visit_note, need_done), online and offline alike: the sync loop sends them once. While the page
// is open it polls /api/v1/tasks/alerts; a new alert routed to this worker rings, vibrates and
// shows at once.
import * as session from "/client/offline/session.js";
import { getConfig, setConfig } from "/client/offline/db.js";
import { messages } from "/client/offline/messages.js";
import { TEMP_MAX, TEMP_MIN, checkTemperature } from "/client/offline/rules.js";
import { openOutbox, onResults } from "./sampling-outbox.js";
import { watchAlerts } from "./alert-watch.js";

const RANGE = `${TEMP_MIN.toFixed(1)}–${TEMP_MAX.toFixed(1)}`; // offline/client/rules.json
const MESSAGES = {
  zh: { noUser: "请先在有网络时登录一次。", nothing: "这部手机上还没有保存任务列表。",
    saved: "离线：显示 {at} 保存的任务列表。", fresh: "已更新 {at}", morning: "上午", evening: "晚上",
    missed: "漏报", due: "待报", until: "至", noFlag: "暂无待处理提醒。",
    noReport: "我负责的楼栋暂无居家隔离或健康监测人员。", noRetest: "暂无复核人员。",
    deadline: "处理时限", pending: "待联系", contacted: "已联系", retested: "已复采", closed: "已结案",
    noNeed: "今天暂无住户需求。", done: "已完成", notDone: "未完成", markDone: "标记完成", undo: "撤销",
    record: "记录", visit: "走访记录", saveVisit: "保存走访", queued: "已保存，等待同步",
    synced: "已同步到服务器", refused: "服务器未接受：{msg}", notSaved: "未保存：手机存储已满或不可用",
    badTemp: `请输入 ${RANGE} 之间的体温，例如 36.5`, newAlert: "新提醒：{what}", newAlertShort: "新提醒",
    needs: { meal: "送餐", rubbish: "清运垃圾", medicine: "代购药品", other: "其他" } }, // as server/labels.py says them
  en: { noUser: "Log in once while online first.", nothing: "No task list saved on this phone yet.",
    saved: "Offline: the task list saved at {at}.", fresh: "Updated {at}", morning: "Morning",
    evening: "Evening", missed: "missed", due: "due", until: "until", noFlag: "No open alert.",
    noReport: "Nobody under quarantine or monitoring in my buildings.", noRetest: "Nobody to retest.",
    deadline: "Deadline", pending: "To contact", contacted: "Contacted", retested: "Retested", closed: "Closed",
    noNeed: "No household need today.", done: "Done", notDone: "Not done", markDone: "Mark done", undo: "Undo",
    record: "Record", visit: "Visit note", saveVisit: "Save visit", queued: "Saved, waiting to sync",
    synced: "Synced to the server", refused: "Not accepted by the server: {msg}",
    notSaved: "Not saved: the phone's storage is full or unavailable",
    badTemp: `Enter a temperature from ${TEMP_MIN.toFixed(1)} to ${TEMP_MAX.toFixed(1)}, for example 36.5`, newAlert: "New alert: {what}", newAlertShort: "New alert",
    needs: { meal: "Meal", rubbish: "Rubbish", medicine: "Medicine", other: "Other" } },
};
const t = messages(MESSAGES);
const $ = (id) => document.getElementById(id);
const root = $("tasks");

// Times are shown in the server's local zone (DISPLAY_TIMEZONE, on <html> by base.html).
const ZONE = document.documentElement.dataset.zone;

function time(iso, onlyTime = false) {
  return iso ? new Date(iso).toLocaleString(document.documentElement.lang, {
    timeZone: ZONE, hour: "2-digit", minute: "2-digit",
    ...(onlyTime ? {} : { month: "2-digit", day: "2-digit" }) }) : "";
}

async function refresh(me) {
  try {
    const response = await fetch("/api/v1/tasks", {
      headers: { Authorization: `Bearer ${me.token}` }, credentials: "omit" });
    if (!response.ok) return null;
    const data = await response.json();
    await setConfig(`tasks:${me.user_id}`, data);
    return data;
  } catch (error) {
    return null; // offline: the saved list
  }
}

// ---- drawing the saved list (shell mode) ------------------------------------------------------

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function item(list, parts, className = "task") {
  const li = document.createElement("li");
  li.className = className;
  parts.forEach((part, i) => {
    if (i) li.append(document.createElement("br"));
    const span = document.createElement(i ? "span" : "strong");
    span.textContent = part.text;
    if (part.cls) span.className = part.cls;
    li.append(span);
  });
  list.append(li);
  return li;
}

function fill(id, rows, empty, draw) {
  const list = $(id);
  list.replaceChildren();
  if (!rows.length) item(list, [{ text: empty }], "muted");
  rows.forEach((row) => draw(list, row));
}

function hidden(name, value) {
  return el("input", { type: "hidden", name, value: String(value) });
}

function readingForms(placementId) {
  const temperature = el("input", { name: "temperature", inputMode: "decimal", required: true, placeholder: "36.5" });
  temperature.setAttribute("aria-label", "°C");
  const note = el("input", { name: "note", maxLength: 500, required: true, placeholder: t.visit });
  note.setAttribute("aria-label", t.visit);
  const reading = el("form", { className: "report-form" }, [hidden("placement_id", placementId), temperature,
    el("button", { type: "submit", className: "btn primary", textContent: t.record })]);
  reading.dataset.record = "temperature_reading";
  const visit = el("form", { className: "visit-form" }, [hidden("placement_id", placementId), note,
    el("button", { type: "submit", className: "btn", textContent: t.saveVisit })]);
  visit.dataset.record = "visit_note";
  return [reading, visit, el("span", { className: "saved-note muted" })];
}

function needForm(need) {
  const form = el("form", { className: "need-form" }, [hidden("need_id", need.id), hidden("done", !need.done),
    el("button", { type: "submit", className: need.done ? "btn" : "btn primary", textContent: need.done ? t.undo : t.markDone })]);
  form.dataset.record = "need_done";
  return form;
}

function render(data) {
  $("my-buildings").textContent = data.buildings.join(", ");
  fill("task-flags", data.flags, t.noFlag, (list, f) => item(list, [
    { text: `${f.label} · ${f.name} · ${f.address} · ${time(f.created_at)}` },
    ...(f.due_at ? [{ text: `${t.deadline} ${time(f.due_at)}`, cls: "muted" }] : [])], `task kind-${f.kind}`));
  fill("task-needs", data.needs || [], t.noNeed, (list, n) => {
    const li = item(list, [{ text: `${time(n.due_at, true)} ${t.needs[n.kind] || n.label} · ${n.address}` }],
      `task need${n.done ? " done" : ""}`);
    li.id = `need-${n.id}`;
    li.append(" · ", el("span", { className: "need-state", textContent: n.done ? t.done : t.notDone }), needForm(n));
  });
  fill("task-reports", data.reports, t.noReport, (list, r) => {
    const li = item(list, [
      { text: `${r.name} · ${r.address} · ${t.until} ${r.end_date}` },
      ...r.due.map((d) => ({ text: `${d.day} ${t[d.slot]} · ${d.missed ? t.missed : t.due}`,
        cls: d.missed ? "error" : "muted" }))]);
    li.id = `placement-${r.placement}`;
    li.append(...readingForms(r.placement));
  });
  fill("task-retests", data.retests, t.noRetest, (list, r) => item(list, [
    { text: `${r.name} · ${r.address} · ${t[r.status] || r.status}` }]));
}

// ---- records from the forms ----------------------------------------------------------------------

/** The record a task form stands for, or a message saying what to fix. */
function recordOf(form) {
  const field = (name) => form.elements[name]?.value.trim() ?? "";
  const type = form.dataset.record;
  if (type === "temperature_reading") {
    const celsius = checkTemperature(field("temperature").replace(",", "."));
    if (celsius === null) return { problem: t.badTemp };
    return { type, data: { placement_id: Number(field("placement_id")), temperature_c: celsius } };
  }
  if (type === "visit_note") {
    if (!field("note")) return { problem: t.visit };
    return { type, data: { placement_id: Number(field("placement_id")), note: field("note") } };
  }
  return { type, data: { need_id: Number(field("need_id")), done: field("done") === "true" } };
}

const sent = new Map(); // record id -> the element saying what became of it

function say(form, text, cls = "muted") {
  const li = form.closest("li");
  let note = li.querySelector(".saved-note");
  if (!note) li.append(note = el("span", { className: "saved-note" }));
  note.className = `saved-note ${cls}`;
  note.setAttribute("role", "status");
  note.textContent = text;
  return note;
}

async function rememberNeed(me, needId, done) {
  // The saved list shows the need as the worker left it, until the next fresh list.
  const data = await getConfig(`tasks:${me.user_id}`);
  const need = data?.needs?.find((n) => n.id === needId);
  if (need) { need.done = done; await setConfig(`tasks:${me.user_id}`, data); }
}

function showNeed(form, done) {
  const li = form.closest("li");
  li.classList.toggle("done", done);
  const state = li.querySelector(".need-state");
  if (state) state.textContent = done ? t.done : t.notDone;
  form.elements.done.value = String(!done);
  const button = form.querySelector("button");
  button.textContent = done ? t.undo : t.markDone;
  button.className = done ? "btn" : "btn primary";
}

async function submitted(event, me, outbox) {
  const form = event.target.closest("form[data-record]");
  if (!form || !outbox) return; // no phone session: the form goes to the server as it is
  event.preventDefault();
  const { type, data, problem } = recordOf(form);
  if (problem) { say(form, problem, "error"); return; }
  let record;
  try {
    record = await outbox.add(type, data);
  } catch (error) {
    say(form, t.notSaved, "error");
    return;
  }
  sent.set(record.id, say(form, t.queued));
  if (type === "need_done") { showNeed(form, data.done); await rememberNeed(me, data.need_id, data.done); }
  else form.querySelectorAll("input:not([type=hidden])").forEach((input) => { input.value = ""; });
  root.dataset.queued = String(Number(root.dataset.queued || 0) + 1);
}

onResults((results) => results.forEach((result) => {
  const note = sent.get(result.id);
  if (!note) return;
  if (result.status === "accepted" || result.status === "duplicate") {
    note.textContent = t.synced;
    note.className = "saved-note ok";
  } else {
    note.textContent = t.refused.replace("{msg}", result.error?.message || result.status);
    note.className = "saved-note error";
  }
}));

// ---- new alerts ring at once (alert-watch.js) ---------------------------------------------------

function announce(what) {
  const banner = $("new-alert");
  banner.textContent = what ? t.newAlert.replace("{what}", what) : t.newAlertShort;
  banner.hidden = false;
  banner.scrollIntoView({ block: "start" });
}

async function newAlerts(me) {
  if (root.dataset.mode === "online") {
    const response = await fetch("/tasks/alerts", { credentials: "same-origin" });
    if (response.ok) {
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      $("alerts-section").replaceWith(holder.firstElementChild);
    }
    refresh(me);
    return $("task-flags").querySelector("li strong")?.textContent || "";
  }
  const data = await refresh(me);
  if (!data) return "";
  render(data);
  return data.flags[0] ? `${data.flags[0].label} · ${data.flags[0].address}` : "";
}

function watch(me, known) {
  watchAlerts(me, known, async (latest) => {
    announce(""); // at once, with the ring; what it is follows with the fresh list
    announce(await newAlerts(me));
    root.dataset.alerted = String(latest);
  }, Number(root.dataset.poll) || 4);
}

async function main() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  const me = await session.current();
  if (!me) {
    if (root.dataset.mode === "shell") $("tasks-note").textContent = t.noUser;
    return;
  }
  const outbox = await openOutbox();
  root.addEventListener("submit", (event) => submitted(event, me, outbox));
  const fresh = await refresh(me);
  let data = fresh;
  if (root.dataset.mode === "shell") {
    data = fresh || (await getConfig(`tasks:${me.user_id}`));
    if (!data) {
      $("tasks-note").textContent = t.nothing;
    } else {
      render(data);
      $("tasks-note").textContent = (fresh ? t.fresh : t.saved).replace("{at}", time(data.generated_at));
    }
  }
  const known = root.dataset.mode === "online" ? Number($("alerts-section").dataset.latest || 0)
    : Number(data?.latest_alert || 0);
  watch(me, known);
  root.dataset.ready = fresh ? "fresh" : "saved";
}

main();
