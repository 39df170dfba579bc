// Where the sampling screen writes its records: the phone's outbox (offline/client), behind
// the small interface { add(type, data) -> Promise<record> } so the screen knows no storage.
import * as outbox from "/client/offline/outbox.js";
import * as session from "/client/offline/session.js";
import { events } from "/client/offline/sync.js";

let pause = null;

/** Tell the status bar and the sync loop, once the scanning pauses: during a burst of scans
 *  their IndexedDB reads would compete with the next save (the record is already stored). */
function announce() {
  clearTimeout(pause);
  pause = setTimeout(() => dispatchEvent(new Event("outbox-changed")), 300);
}

/** The outbox of the user logged in on this phone; null when nobody is. */
export async function openOutbox() {
  // status.js (base.html) adopts the logged-in user and says so with "session-ready".
  if (!document.body.dataset.ready) {
    await new Promise((ready) => addEventListener("session-ready", ready, { once: true }));
  }
  const device = await session.current();
  if (!device) return null;
  return {
    device,
    async add(type, data) {
      const record = await outbox.add(type, data, device);
      announce();
      return record;
    },
  };
}

/** Call `listener(results)` with the server's answer to every batch sent (by this page, another
 *  tab or the service worker): [{id, status, warnings, error}]. */
export function onResults(listener) {
  events.addEventListener("results", (event) => listener(event.detail.results || []));
}

/** Sample records the server refused and this phone still holds: [{id, error}]. */
export async function refusedSamples() {
  return (await outbox.needingAttention()).filter((e) => e.type === "sample" && e.state === outbox.REJECTED)
    .map((e) => ({ id: e.id, error: e.error }));
}
