// The always-visible status bar (templates/partials/_status.html), included by every page of
// a logged-in user and by the offline shells: network, records waiting, records needing
// attention, last sync, "sync now"; also service-worker registration and its update prompt,
// the device token after login, storage persistence, and the logout warning.
import * as csrf from "./csrf.js";
import * as outbox from "./outbox.js";
import * as session from "./session.js";
import * as store from "./db.js";
import { latestOnly } from "./latest.js";
import { offlineUnavailable } from "./offline-mode.js";
import { events, requestBackgroundSync, start, syncNow } from "./sync.js";

const MESSAGES = {
  zh: {
    online: "在线", offline: "离线", never: "从未",
    loginNeeded: "登录已过期：请重新登录，未上传的记录会保留。",
    notPersisted: "浏览器未允许永久保存数据：请勿清除浏览器数据，尽快联网上传。",
    lowSpace: (mb) => `手机存储空间不足（剩余约 ${mb} MB）：请尽快联网上传并清理空间。`,
    logoutWaiting: (n) => `本机还有 ${n} 条记录未上传。退出后记录仍会保留并以您的账号上传，确定退出吗？`,
    syncing: "正在上传…", syncFailed: "无法连接服务器，稍后自动重试。",
  },
  en: {
    online: "Online", offline: "Offline", never: "never",
    loginNeeded: "Your login expired: log in again; records not yet sent are kept.",
    notPersisted: "The browser did not grant persistent storage: do not clear browser data; sync soon.",
    lowSpace: (mb) => `Phone storage is low (about ${mb} MB left): sync soon and free some space.`,
    logoutWaiting: (n) => `${n} records on this phone are not sent yet. They stay and are sent under your account. Log out?`,
    syncing: "Sending…", syncFailed: "Cannot reach the server; retrying automatically.",
  },
};
export const t = MESSAGES[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
const MIN_FREE_BYTES = 50 * 1024 * 1024;
const $ = (id) => document.getElementById(id);
const notes = new Map(); // messages shown in the bar, by topic

function note(topic, text) {
  if (text) notes.set(topic, text); else notes.delete(topic);
  const box = $("st-message");
  if (!box) return;
  box.textContent = [...notes.values()].join(" ");
  box.hidden = notes.size === 0;
}

async function readStatus() {
  return { counts: await outbox.counts(), last: await store.getMeta("last_sync") };
}

function paintStatus({ counts, last }) {
  if (!$("statusbar")) return;
  const online = navigator.onLine;
  $("st-net").textContent = online ? t.online : t.offline;
  $("st-net").className = `st-net ${online ? "on" : "off"}`;
  $("st-pending").textContent = counts.pending;
  $("st-attention").textContent = counts.attention;
  $("statusbar").classList.toggle("attention", counts.attention > 0);
  $("st-last").textContent = last ? new Date(last).toLocaleTimeString(document.documentElement.lang) : t.never;
  document.body.dataset.pending = counts.pending;
  document.body.dataset.attention = counts.attention;
}

export const render = latestOnly(readStatus, paintStatus);

async function checkStorage(ask) {
  if (!navigator.storage) return;
  let persisted = await navigator.storage.persisted?.();
  if (!persisted && ask) persisted = await navigator.storage.persist?.();
  const { quota = 0, usage = 0 } = (await navigator.storage.estimate?.()) || {};
  const free = quota - usage;
  if (quota && free < MIN_FREE_BYTES) note("storage", t.lowSpace(Math.floor(free / 1048576)));
  else note("storage", persisted ? "" : t.notPersisted);
}

async function adoptLoggedInUser() {
  const userId = Number(document.body.dataset.userId);
  if (!userId) return null;
  const isNew = (await store.getMeta("current_user")) !== userId;
  const device = await session.adopt(userId, csrf.post);
  await checkStorage(isNew); // ask for persistent storage at login
  if (navigator.onLine) await session.refreshConfig(device).catch(() => {});
  return device;
}

function guardLogout() {
  const form = $("logout-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { total } = await outbox.counts();
    if (total > 0 && !window.confirm(t.logoutWaiting(total))) return;
    await session.release();
    form.submit();
  });
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).then((registration) => {
    const offer = () => {
      if (!registration.waiting || !navigator.serviceWorker.controller) return;
      $("st-update").hidden = false;
      $("st-update-btn").onclick = () => registration.waiting?.postMessage("skip-waiting");
    };
    offer();
    registration.addEventListener("updatefound", () => {
      registration.installing?.addEventListener("statechange", offer);
    });
  }).catch(offlineUnavailable);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Only after the user chose to update (a first install claims without a reload).
    if (!$("st-update").hidden && !reloading) { reloading = true; location.reload(); }
  });
}

async function main() {
  registerServiceWorker();
  csrf.retryHtmxOnExpiredToken();
  guardLogout();
  events.addEventListener("status", render);
  events.addEventListener("login-needed", () => note("login", t.loginNeeded));
  addEventListener("online", render);
  addEventListener("offline", render);
  addEventListener("outbox-changed", () => {
    render();
    if (navigator.onLine) syncNow();
    requestBackgroundSync();
  });
  $("st-sync")?.addEventListener("click", async () => {
    note("sync", t.syncing);
    const { failed } = await syncNow();
    note("sync", failed ? t.syncFailed : "");
  });
  await render();
  try {
    await adoptLoggedInUser();
  } catch (error) {
    note("login", navigator.onLine ? String(error.message || error) : "");
  }
  if (!document.body.dataset.userId) await checkStorage(false);
  const me = await session.current();
  const who = $("shell-user");
  if (who && me) who.textContent = me.user?.name || me.user?.username || "";
  document.body.dataset.ready = "1";
  window.dispatchEvent(new CustomEvent("session-ready", { detail: me }));
  start();
}

main();
