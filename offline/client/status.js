// The status bar on every page (templates/partials/_status.html) and what each page needs from
// the phone's offline half. This file only wires the parts together:
//   statusbar.js  the bar's DOM: one line + notices        reach.js    is the server answering?
//   storage.js    persistent storage, free space           update.js   service worker + "new version"
//   logout.js     the warning when records wait            sync.js     sending the outbox
// plus, here: adopting the logged-in user's device token.
//
// NOTICES. A module with something to tell the user (a wrong clock, no offline mode...) shows
// one short line under the bar with:
//
//   import { notice } from "/client/offline/status.js";
//   notice("clock", "手机时间不准：请校准后再登记。", { dismissible: true });  // show or replace
//   notice("clock", "");                                                     // remove
//
// one topic per notice; its hook is one line in main() below (e.g. `checkClock(notice);`).
import * as csrf from "./csrf.js";
import * as outbox from "./outbox.js";
import * as session from "./session.js";
import * as store from "./db.js";
import { latestOnly } from "./latest.js";
import { offlineUnavailable } from "./offline-mode.js";
import { refreshServerKey } from "./handover.js";
import { guardLogout } from "./logout.js";
import { answered, probe, reachEvents, reachState, unreachable, watchReach } from "./reach.js";
import { notice, offerUpdate, paintBar } from "./statusbar.js";
import { storageProblem } from "./storage.js";
import { registerServiceWorker } from "./update.js";
import { events, requestBackgroundSync, start, syncNow } from "./sync.js";
import { messages } from "./messages.js";

export { notice };

const MESSAGES = {
  zh: {
    online: "在线", offline: "离线", checking: "连接中…", never: "从未",
    loginNeeded: "登录已过期：请重新登录，未上传的记录会保留。",
    notPersisted: "浏览器未允许永久保存数据：请勿清除浏览器数据，尽快联网上传。",
    lowSpace: (mb) => `手机存储空间不足（剩余约 ${mb} MB）：请尽快联网上传并清理空间。`,
    logoutWaiting: (n) => `本机还有 ${n} 条记录未上传。退出后记录仍会保留并以您的账号上传，确定退出吗？`,
    syncing: "正在上传…", syncFailed: "无法连接服务器，稍后自动重试。",
    keyLost: (n) => `本机有 ${n} 条记录无法解密：加密密钥已丢失（浏览器数据可能被部分清除）。` +
      "记录没有删除，但已无法上传：请打开“待处理记录”，并告知主管。",
  },
  en: {
    online: "Online", offline: "Offline", checking: "Checking…", never: "never",
    loginNeeded: "Your login expired: log in again; records not yet sent are kept.",
    notPersisted: "The browser may clear this phone's records: do not clear its data; sync soon.",
    lowSpace: (mb) => `Phone storage is low (about ${mb} MB left): sync soon and free some space.`,
    logoutWaiting: (n) => `${n} records on this phone are not sent yet. They stay and are sent under your account. Log out?`,
    syncing: "Sending…", syncFailed: "Cannot reach the server; retrying automatically.",
    keyLost: (n) => `${n} records on this phone cannot be decrypted: their key is lost (browser data ` +
      "partly cleared?). They are not deleted but cannot be sent: open the records needing attention and tell your supervisor.",
  },
};
export const t = messages(MESSAGES);
const CAPTURE_SCREEN = "#gate, #sampling";

async function readStatus() {
  return { counts: await outbox.counts(), last: await store.getMeta("last_sync"), reach: reachState() };
}

export const render = latestOnly(readStatus, (status) => {
  paintBar(status, t);
  showStorage(status.counts.total);
  notice("keylost", status.counts.unreadable ? t.keyLost(status.counts.unreadable) : "");
});

// The storage warning only where records wait, and dismissible. A nearly full phone is told on
// the capture screens too: the next record may not fit.
let storage = null; // the last storageProblem() answer
function showStorage(waiting) {
  let text = "";
  if (storage?.kind === "lowSpace" && (waiting > 0 || document.querySelector(CAPTURE_SCREEN))) text = t.lowSpace(storage.mb);
  if (storage?.kind === "notPersisted" && waiting > 0) text = t.notPersisted;
  notice("storage", text, { dismissible: true });
}

async function checkStorage(ask) {
  storage = await storageProblem(ask).catch(() => null);
  await render(); // painted before the page says it is ready
}

async function adoptLoggedInUser() {
  const userId = Number(document.body.dataset.userId);
  if (!userId) return null;
  const isNew = (await store.getMeta("current_user")) !== userId;
  const device = await session.adopt(userId, csrf.post);
  answered(); // a page naming its user is never cached: the server just answered it
  await checkStorage(isNew); // ask for persistent storage at login
  if (navigator.onLine) await session.refreshConfig(device).catch(() => {});
  if (navigator.onLine) await refreshServerKey(device).catch(() => {}); // for a hand-over file one day
  return device;
}

async function main() {
  registerServiceWorker(offerUpdate, offlineUnavailable);
  csrf.retryHtmxOnExpiredToken();
  guardLogout(document.getElementById("logout-form"), t.logoutWaiting);
  events.addEventListener("status", render);
  events.addEventListener("reach", (event) => (event.detail.ok ? answered() : unreachable()));
  events.addEventListener("login-needed", () => notice("login", t.loginNeeded));
  let reach = reachState();
  reachEvents.addEventListener("change", () => {
    const was = reach;
    reach = reachState();
    if (was === "offline" && reach === "online") syncNow(); // the server is back: send what waits
    render();
  });
  addEventListener("outbox-changed", () => {
    render();
    if (navigator.onLine) syncNow();
    requestBackgroundSync();
  });
  document.getElementById("st-sync")?.addEventListener("click", async () => {
    notice("sync", t.syncing);
    const [{ failed }] = await Promise.all([syncNow(), probe()]); // the tap refreshes "online" too
    notice("sync", failed || reachState() === "offline" ? t.syncFailed : "");
  });
  watchReach();
  await outbox.checkKeys().catch(() => 0); // records whose key is gone: said now, not at sync
  await render();
  try {
    await adoptLoggedInUser();
  } catch (error) {
    notice("login", navigator.onLine ? String(error.message || error) : "");
  }
  if (!document.body.dataset.userId) await checkStorage(false);
  const me = await session.current();
  const who = document.getElementById("shell-user");
  if (who && me) who.textContent = me.user?.name || me.user?.username || "";
  document.body.dataset.ready = "1";
  window.dispatchEvent(new CustomEvent("session-ready", { detail: me }));
  start();
}

main();
