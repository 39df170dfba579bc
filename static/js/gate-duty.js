// The gate screen's duty line: who is on this shift and who takes over next (one line under the
// header, so the capture outcome keeps its place). Online it asks /api/v1/duty?site_id=<gate> (which is
// also this user's sign-in at the gate) and keeps the answer; offline it shows the kept one.
import * as session from "/client/offline/session.js";
import { getConfig, setConfig } from "/client/offline/db.js";
import { messages } from "/client/offline/messages.js";

const MESSAGES = {
  zh: { duty: "值班", next: "接班", nobody: "未排班", none: "本时段无班次", notMe: "您不在本班", kept: "离线", me: "我", and: "、" },
  en: { duty: "On duty", next: "Next", nobody: "nobody rostered", none: "no shift now", notMe: "you are not rostered", kept: "offline", me: "you", and: ", " },
};
const t = messages(MESSAGES);
const siteId = Number(location.pathname.split("/").pop());
const line = document.getElementById("gate-duty");
const REFRESH_MS = 5 * 60 * 1000;

// Times are shown in the server's local zone (DISPLAY_TIMEZONE, on <html> by base.html).
const ZONE = document.documentElement.dataset.zone;

function hhmm(iso) {
  return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hour12: false });
}

// The server lists this phone's user first when on the shift (includes_me): "我" stands for them.
function names(shift) {
  if (!shift.people.length) return t.nobody;
  return (shift.includes_me ? [t.me, ...shift.people.slice(1)] : shift.people).join(t.and);
}

function draw(data, kept) {
  const now = Date.now();
  let current = data.current;
  let next = data.next;
  if (current && Date.parse(current.ends_at) <= now) { current = next && Date.parse(next.starts_at) <= now ? next : null; next = null; }
  // Short on a 360-px screen: the next shift's start is left out when it is this one's end, and
  // "you are not rostered" comes first. Who is on now and who takes over are two pieces that
  // stay whole: where both do not fit one line, the second goes under the first (app.css), so
  // the volunteer always reads who relieves them; a piece longer than the line (many names)
  // ends in "…". The line is drawn at load and on refresh, not between passages.
  const parts = [];
  if (kept) parts.push(t.kept);
  if (current && !data.me_rostered && !kept) parts.push(t.notMe);
  parts.push(current ? `${t.duty} ${hhmm(current.starts_at)}–${hhmm(current.ends_at)} ${names(current)}` : t.none);
  const pieces = [parts.join(" · ")];
  if (next) {
    const handover = current && Date.parse(next.starts_at) === Date.parse(current.ends_at);
    pieces.push(`→ ${t.next} ${handover ? "" : `${hhmm(next.starts_at)} `}${names(next)}`);
  }
  line.replaceChildren(...pieces.map((text) => Object.assign(document.createElement("span"), { textContent: text })));
  line.title = pieces.join(" ");
  line.hidden = false;
}

async function refresh() {
  const me = await session.current();
  if (!me || !line || !siteId) return false;
  const key = `duty:${me.user_id}:${siteId}`;
  try {
    const response = await fetch(`/api/v1/duty?site_id=${siteId}`, { headers: { Authorization: `Bearer ${me.token}` }, credentials: "omit" });
    if (response.ok) {
      const data = await response.json();
      await setConfig(key, data);
      draw(data, false);
      return true;
    }
  } catch (error) {
    // offline: the kept answer below
  }
  const kept = await getConfig(key);
  if (kept) draw(kept, true);
  return true;
}

async function start(tries = 0) {
  // Right after a login the page may not hold its device token yet: ask again shortly.
  if (!(await refresh()) && tries < 20) setTimeout(() => start(tries + 1), 1500);
}

// The page's session settles who captures on this phone (the last login, not an earlier
// user's token still in IndexedDB) before the first question: that question is a sign-in.
if (document.body.dataset.ready) start();
else addEventListener("session-ready", () => start(), { once: true });
setInterval(refresh, REFRESH_MS);
window.addEventListener("online", refresh);
