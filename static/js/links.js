// Links and buttons that need the server (marked data-online-only) are shown disabled, with the
// reason, while the server cannot be reached; the rest of the page works offline. "Reachable"
// means the server answered just now (navigator.onLine says true on a Wi-Fi without internet):
// offline/client/reach.js knows, from its probe of /api/v1/health and every sync request.
import { messages } from "/client/offline/messages.js";
import { probe, reachEvents, reachState, unreachable } from "/client/offline/reach.js";

const WORDS = messages({ zh: "需联网", en: "needs network" });
let reachable = null;

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

/** The latest answer (an answer too old to tell, "checking", changes nothing shown). */
function follow() {
  const state = reachState();
  if (state === "checking") return;
  const now = state === "online";
  const changed = now !== reachable;
  reachable = now;
  paint();
  if (changed) document.dispatchEvent(new CustomEvent("reachability", { detail: reachable }));
}

/** Ask the server now (again in a minute, or in 15 s while it does not answer). */
export async function check() {
  if (navigator.onLine) await probe(); else unreachable();
  clearTimeout(check.timer);
  check.timer = setTimeout(check, reachable ? 60000 : 15000);
  return reachable;
}

export const isReachable = () => reachable;

reachEvents.addEventListener("change", follow);
addEventListener("online", check);
addEventListener("offline", check);
document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
check();
