// Where the sampling screen writes its records: the phone's outbox (offline/client), behind
// the small interface { add(type, data) -> Promise<record> } so the screen knows no storage.
import * as outbox from "/client/offline/outbox.js";
import * as session from "/client/offline/session.js";

/** The outbox of the user logged in on this phone, or null when nobody is. */
export async function openOutbox() {
  const device = await session.current();
  if (!device) return null;
  return { add: (type, data) => outbox.add(type, data, device), device };
}
