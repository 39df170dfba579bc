// Links and buttons that need the server (marked data-online-only) are shown disabled, with the
// reason, while the server cannot be reached; the rest of the page works offline. "Reachable"
// means the server answered just now (navigator.onLine says true on a Wi-Fi without internet).
// Its own probe of /api/v1/health, not offline/client/reach.js: reach.js also counts a failed sync
// request as "unreachable", and that would disable logout (a page POST that may still pass) the
// moment a sync batch fails.
import { messages } from "/client/offline/messages.js";

const WORDS = messages({ zh: "需联网", en: "needs network" });
const PROBE_MS = 15000; // a loaded server is slow, not gone: only a long silence counts as unreachable
let reachable = null;

async function answers() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PROBE_MS);
  try {
    const response = await fetch("/api/v1/health", { cache: "no-store", credentials: "omit", signal: abort.signal });
    return response.ok;
  } catch (error) {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function mark(element, disabled) {
  const link = element.tagName === "A";
  if (disabled) {
    element.setAttribute("aria-disabled", "true");
    if (link && element.hasAttribute("href")) {
      element.dataset.href = element.getAttribute("href");
      element.removeAttribute("href");
    }
    if (!link) element.disabled = true;
    if (!element.querySelector(".why")) {
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = WORDS;
      element.append(why);
    }
  } else {
    element.removeAttribute("aria-disabled");
    if (link && element.dataset.href !== undefined) element.setAttribute("href", element.dataset.href);
    if (!link) element.disabled = false;
    element.querySelector(".why")?.remove();
  }
}

/** Disable (or enable again) every online-only link and button of `root`. */
export function paint(root = document) {
  if (reachable === null) return;
  root.querySelectorAll("a[data-online-only], [data-online-only] button, button[data-online-only]")
    .forEach((element) => mark(element, !reachable));
  document.body.dataset.reachable = reachable ? "yes" : "no";
}

export async function check() {
  reachable = navigator.onLine ? await answers() : false;
  paint();
  document.dispatchEvent(new CustomEvent("reachability", { detail: reachable }));
  clearTimeout(check.timer);
  check.timer = setTimeout(check, reachable ? 60000 : 15000);
  return reachable;
}

export const isReachable = () => reachable;

addEventListener("online", check);
addEventListener("offline", check);
document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
check();
