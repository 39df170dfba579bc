// The phone's clock against the server's. Every sync answer carries server_time; sync.js hands
// it here (one call). A clock more than 5 minutes off (a battery swap resets it to 1970, a
// volunteer set it by hand) stamps every record wrong, and only the user can fix it in the
// phone's settings: say so in the page, in the user's language, until a sync finds it right.
// Runs in pages and in the service worker (which has no DOM: it stores and broadcasts only).
import * as store from "./db.js";
import { LANG } from "./messages.js";
import { notice } from "./statusbar.js";

export const TOLERANCE_MS = 5 * 60 * 1000;
const META_KEY = "clock";
// Times are shown in the server's local zone (DISPLAY_TIMEZONE, on <html> by base.html); the
// service worker, which has no DOM, formats none.
const ZONE = typeof document !== "undefined" ? document.documentElement.dataset.zone : undefined;
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("checkpoint-clock") : null;

const MESSAGES = {
  zh: {
    wrong: (phone, server, diff, dir) =>
      `手机时间不准：手机显示 ${phone}，服务器时间 ${server}，${dir} ${diff}。` +
      "请到手机“设置 → 日期和时间”打开“自动设置”，否则记录的时间会出错。",
    ahead: "快了", behind: "慢了",
    days: (n) => `${n} 天`, hours: (h, m) => (m ? `${h} 小时 ${m} 分钟` : `${h} 小时`),
    minutes: (m) => `${m} 分钟`,
  },
  en: {
    wrong: (phone, server, diff, dir) =>
      `This phone's clock is wrong: it shows ${phone}, the server says ${server} (${diff} ${dir}). ` +
      "Turn on automatic date and time in the phone's settings, or records get the wrong time.",
    ahead: "ahead", behind: "behind",
    days: (n) => `${n} days`, hours: (h, m) => (m ? `${h} h ${m} min` : `${h} h`),
    minutes: (m) => `${m} min`,
  },
};

/** How far the phone's clock is ahead of the server's (negative: behind), in ms. The answer's
 *  time of flight (well under the request timeout of 30 s) is noise next to the 5 minutes. */
export function offsetMs(serverTime, phoneMs = Date.now()) {
  const server = Date.parse(serverTime);
  return Number.isNaN(server) ? null : phoneMs - server;
}

/** The sync.js hook: compare, remember (IndexedDB), and tell every open page. */
export async function noteServerTime(serverTime, phoneMs = Date.now()) {
  const offset = offsetMs(serverTime, phoneMs);
  if (offset === null) return;
  const state = { offset, server_time: serverTime };
  try {
    await store.setMeta(META_KEY, state);
  } catch (error) {
    // A full phone: the message still shows in this page.
  }
  show(state);
  channel?.postMessage(state);
}

function describe(state, lang) {
  const t = MESSAGES[lang];
  const minutes = Math.round(Math.abs(state.offset) / 60000);
  let diff;
  if (minutes >= 24 * 60) diff = t.days(Math.round(minutes / (24 * 60)));
  else if (minutes >= 60) diff = t.hours(Math.floor(minutes / 60), minutes % 60);
  else diff = t.minutes(minutes);
  const format = (ms) => new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const serverMs = Date.parse(state.server_time);
  return t.wrong(format(serverMs + state.offset), format(serverMs), diff, state.offset > 0 ? t.ahead : t.behind);
}

function show(state) {
  if (typeof document === "undefined") return;
  const wrong = state && Math.abs(state.offset) > TOLERANCE_MS;
  notice("clock", wrong ? describe(state, LANG) : "");
}

if (typeof document !== "undefined") {
  // What the last sync (here, in another tab or in the service worker) found.
  channel?.addEventListener("message", ({ data }) => show(data));
  store.getMeta(META_KEY).then(show, () => {});
}
