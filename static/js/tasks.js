// The worker's task list on the phone. Online, /tasks is rendered by the server and this module
// only saves the same list (masked values, from /api/v1/tasks) in IndexedDB; offline, the
// service worker serves the /shell/tasks page and this module draws the saved list. Nothing
// personal goes into the service worker's cache.
import * as session from "/client/offline/session.js";
import { getConfig, setConfig } from "/client/offline/db.js";

const MESSAGES = {
  zh: { noUser: "请先在有网络时登录一次。", nothing: "这部手机上还没有保存任务列表。",
    saved: "离线：显示 {at} 保存的任务列表。", fresh: "已更新 {at}", morning: "上午", evening: "晚上",
    missed: "漏报", due: "待报", until: "至", noFlag: "暂无待处理提醒。",
    noReport: "我负责的楼栋暂无居家隔离或健康监测人员。", noRetest: "暂无复核人员。",
    deadline: "处理时限", pending: "待联系", contacted: "已联系", retested: "已复采", closed: "已结案" }, // as server/labels.py says them
  en: { noUser: "Log in once while online first.", nothing: "No task list saved on this phone yet.",
    saved: "Offline: the task list saved at {at}.", fresh: "Updated {at}", morning: "Morning",
    evening: "Evening", missed: "missed", due: "due", until: "until", noFlag: "No open alert.",
    noReport: "Nobody under quarantine or monitoring in my buildings.", noRetest: "Nobody to retest.",
    deadline: "Deadline", pending: "To contact", contacted: "Contacted", retested: "Retested", closed: "Closed" },
};
const t = MESSAGES[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
const $ = (id) => document.getElementById(id);

function time(iso) {
  return iso ? new Date(iso).toLocaleString(document.documentElement.lang, {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "";
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
}

function fill(id, rows, empty, draw) {
  const list = $(id);
  list.replaceChildren();
  if (!rows.length) item(list, [{ text: empty }], "muted");
  rows.forEach((row) => draw(list, row));
}

function render(data) {
  $("my-buildings").textContent = data.buildings.join(", ");
  fill("task-flags", data.flags, t.noFlag, (list, f) => item(list, [
    { text: `${f.label} · ${f.name} · ${f.address} · ${time(f.created_at)}` },
    ...(f.due_at ? [{ text: `${t.deadline} ${time(f.due_at)}`, cls: "muted" }] : [])], `task kind-${f.kind}`));
  fill("task-reports", data.reports, t.noReport, (list, r) => item(list, [
    { text: `${r.name} · ${r.address} · ${t.until} ${r.end_date}` },
    ...r.due.map((d) => ({ text: `${d.day} ${t[d.slot]} · ${d.missed ? t.missed : t.due}`,
      cls: d.missed ? "error" : "muted" }))]));
  fill("task-retests", data.retests, t.noRetest, (list, r) => item(list, [
    { text: `${r.name} · ${r.address} · ${t[r.status] || r.status}` }]));
}

async function main() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  const root = $("tasks");
  const me = await session.current();
  if (!me) {
    if (root.dataset.mode === "shell") $("tasks-note").textContent = t.noUser;
    return;
  }
  const fresh = await refresh(me);
  if (root.dataset.mode === "shell") {
    const data = fresh || (await getConfig(`tasks:${me.user_id}`));
    if (!data) {
      $("tasks-note").textContent = t.nothing;
    } else {
      render(data);
      $("tasks-note").textContent = (fresh ? t.fresh : t.saved).replace("{at}", time(data.generated_at));
    }
  }
  root.dataset.ready = fresh ? "fresh" : "saved";
}

main();
