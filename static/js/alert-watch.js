// A new alert routed to the logged-in worker rings, vibrates and shows at once while the app
// is open. The page polls GET /api/v1/tasks/alerts (the newest open alert's id: two small
// queries; plain requests, so nothing changes behind the proxy or for gunicorn's workers).
// "My tasks" (tasks.js) watches with its own handler; base.html loads this module on every
// other page of a worker with buildings (body data-alerts="watch"), which shows a banner
// leading to "my tasks".
import { messages } from "/client/offline/messages.js";
import * as session from "/client/offline/session.js";
import { sound } from "./feedback.js";

const WORDS = messages({ zh: { banner: "新提醒：点此查看我的任务" }, en: { banner: "New alert: open my tasks" } });

/** Ring and vibrate: three beeps and three pulses, loud enough for a pocket. */
export function ring() {
  sound("ring");
}

/** Poll every `seconds`; when an alert newer than `known` (an id; null: the first answer
 *  sets it) is open, ring and call `onNew(latest)`. */
export function watchAlerts(me, known, onNew, seconds = 4) {
  let latest = known;
  let busy = false;
  const tick = async () => {
    if (busy || !navigator.onLine || document.hidden) return;
    busy = true;
    try {
      const response = await fetch("/api/v1/tasks/alerts", {
        headers: { Authorization: `Bearer ${me.token}` }, credentials: "omit" });
      if (!response.ok) return;
      const { latest: now } = await response.json();
      if (latest === null) {
        latest = now;
        document.body.dataset.alertsWatching = "1";
      } else if (now > latest) {
        latest = now;
        ring();
        await onNew(now);
      }
    } catch (error) {
      // offline meanwhile: ask again at the next tick
    } finally {
      busy = false;
    }
  };
  tick();
  return setInterval(tick, seconds * 1000);
}

async function standalone() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  const me = await session.current();
  if (!me) return;
  watchAlerts(me, null, (latest) => {
    let banner = document.getElementById("new-alert");
    if (!banner) {
      banner = Object.assign(document.createElement("a"), { id: "new-alert", className: "alert-banner", href: "/tasks" });
      banner.setAttribute("role", "alert");
      document.querySelector("main").prepend(banner);
    }
    banner.textContent = WORDS.banner;
    banner.hidden = false;
    document.body.dataset.alerted = String(latest);
  }, Number(document.body.dataset.alertsPoll) || 4);
}

if (document.body.dataset.alerts === "watch") standalone();
