// The status bar's DOM (templates/partials/_status.html): one line (server reachable, records
// waiting, records needing attention, last sync, sync now) and below it the notices, one short
// line each, only while they apply. Other modules never touch these elements: they call
// `notice()` (see status.js). Notices may be given before the page is parsed; they show then.
const notices = new Map(); // topic -> {text, dismissible}
const $ = (id) => document.getElementById(id);
const DISMISSED = "st-dismissed:"; // sessionStorage: a dismissed notice stays away until its text changes

/** A new `<tag>` of class `className` (if any) holding `text` (if given) as text, never as HTML. */
export function element(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Show `text` under the bar for `topic` (one notice per topic: a new text replaces the old);
 * "" or null removes it. `dismissible`: the user can close it (it stays closed for this browser
 * session unless its text changes).
 */
export function notice(topic, text, { dismissible = false } = {}) {
  if (text) notices.set(topic, { text, dismissible });
  else notices.delete(topic);
  paintNotices();
}

function dismissed(topic, text) {
  try {
    return sessionStorage.getItem(DISMISSED + topic) === text;
  } catch (error) {
    return false;
  }
}

function dismiss(topic, text) {
  try {
    sessionStorage.setItem(DISMISSED + topic, text);
  } catch (error) {
    // private mode: closed until the next page only
  }
  notices.delete(topic);
  paintNotices();
}

function paintNotices() {
  const box = $("st-message");
  if (!box) return;
  const shown = [...notices].filter(([topic, n]) => !(n.dismissible && dismissed(topic, n.text)));
  // Unchanged notices stay the same nodes: a screen reader does not hear them again, and a
  // tap on one is not lost to a repaint.
  const painted = JSON.stringify(shown);
  if (box.dataset.painted === painted) return;
  box.dataset.painted = painted;
  box.replaceChildren(...shown.map(([topic, n]) => {
    const line = element("p", "st-notice");
    line.dataset.topic = topic;
    line.append(element("span", "", n.text));
    if (n.dismissible) {
      const close = element("button", "st-dismiss", "×");
      close.type = "button";
      close.setAttribute("aria-label", document.documentElement.lang.startsWith("zh") ? "关闭此提示" : "Dismiss");
      close.addEventListener("click", () => dismiss(topic, n.text));
      line.append(close);
    }
    return line;
  }));
  box.hidden = shown.length === 0;
}

/** Paint the line. `reach`: "online" | "offline" | "checking"; `words`: the bar's messages. */
export function paintBar({ counts, last, reach }, words) {
  if (!$("statusbar")) return;
  $("st-net").textContent = words[reach];
  $("st-net").dataset.state = reach;
  $("st-pending").textContent = counts.pending;
  $("st-attention").textContent = counts.attention;
  $("st-attention-link").hidden = counts.attention === 0;
  $("statusbar").classList.toggle("attention", counts.attention > 0);
  $("st-last").textContent = last ? shortTime(new Date(last)) : words.never;
  // Where "Last sync" and its time do not both fit (English at 360 px), the label gives way:
  // the time is what is read.
  const bar = $("statusbar");
  bar.classList.remove("tight");
  const item = $("st-last").parentElement;
  bar.classList.toggle("tight", item.scrollWidth > item.clientWidth);
  document.body.dataset.pending = counts.pending;
  document.body.dataset.attention = counts.attention;
  document.body.dataset.reach = reach;
}

/** 14:05 today, 5/6 14:05 before, in the server's local zone (DISPLAY_TIMEZONE, on <html> by
 * base.html) like every time the app shows. */
function shortTime(date) {
  const zone = { timeZone: document.documentElement.dataset.zone };
  const day = (d) => d.toLocaleDateString("en-CA", zone);
  const time = date.toLocaleTimeString("en-GB", { ...zone, hour: "2-digit", minute: "2-digit" });
  if (day(date) === day(new Date())) return time;
  return `${date.toLocaleDateString("en-US", { ...zone, month: "numeric", day: "numeric" })} ${time}`;
}

/** The "new version" notice with its button. */
export function offerUpdate(apply) {
  if (!$("st-update")) return;
  $("st-update").hidden = false;
  $("st-update-btn").onclick = apply;
}
