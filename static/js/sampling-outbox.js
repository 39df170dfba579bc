// Where the sampling screen writes its records: the phone's outbox (offline/client), behind
// the small interface { add(type, data) -> Promise<record> } so the screen knows no storage.
import * as outbox from "/client/offline/outbox.js";
import * as session from "/client/offline/session.js";

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
      dispatchEvent(new Event("outbox-changed")); // the sync loop sends it when it can
      return record;
    },
  };
}
