// Can the server be reached? "Online" in the status bar means the server answered recently, not
// navigator.onLine: that one lies after an offline reload (it says true while every request
// fails) and on a captive Wi-Fi. Answers are reported by the sync loop (every request it makes)
// and by a cheap probe of /api/v1/health when nothing else was sent for a while. No DOM.
export const RECENT_MS = 90 * 1000; // an answer older than this no longer proves anything
const PROBE_EVERY_MS = 30 * 1000;
const PROBE_TIMEOUT_MS = 10 * 1000;

export const reachEvents = new EventTarget(); // "change" after every report
let lastAnswer = 0;
let lastFailure = 0;
let probing = null;

function changed() {
  reachEvents.dispatchEvent(new Event("change"));
}

/** The server answered (any status below 500: a 401 or a 413 are answers too). */
export function answered(at = Date.now()) {
  lastAnswer = Math.max(lastAnswer, at);
  changed();
}

/** A request got no answer (network error, timeout, 5xx). */
export function unreachable(at = Date.now()) {
  lastFailure = Math.max(lastFailure, at);
  changed();
}

/** "online", "offline" or "checking" (nothing known yet, or the last answer is too old). */
export function reachState(now = Date.now()) {
  if (lastFailure && lastFailure >= lastAnswer) return "offline";
  if (lastAnswer && now - lastAnswer <= RECENT_MS) return "online";
  return "checking";
}

/** Ask /api/v1/health once (shared by concurrent callers). */
export function probe() {
  probing ??= (async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
    try {
      const response = await fetch("/api/v1/health", { cache: "no-store", credentials: "omit", signal: abort.signal });
      if (response.status < 500) answered(); else unreachable();
    } catch (error) {
      unreachable();
    } finally {
      clearTimeout(timer);
      probing = null;
    }
  })();
  return probing;
}

/** Keep the answer fresh while the page is visible: probe when the last answer gets old. */
export function watchReach() {
  const due = () => document.visibilityState === "visible" && Date.now() - lastAnswer >= PROBE_EVERY_MS;
  probe();
  setInterval(() => { if (due()) probe(); }, PROBE_EVERY_MS / 3);
  addEventListener("online", () => probe());
  addEventListener("offline", () => unreachable()); // this direction navigator.onLine gets right
  document.addEventListener("visibilitychange", () => { if (due()) probe(); });
}
