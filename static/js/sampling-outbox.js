// Where the sampling screen writes its records: the phone's outbox (offline/client), behind
// the small interface { add(type, data) -> Promise<record> } so the screen knows no storage.
//
// Until offline/client/outbox.js is served, records fall back to a localStorage queue that
// nothing sends (the screen still works; the records wait for the outbox to adopt them).
const FALLBACK_KEY = "checkpoint:sampling-queue";

function localIso(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${offset >= 0 ? "+" : "-"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

const fallback = {
  kind: "local",
  async add(type, data) {
    const queue = JSON.parse(localStorage.getItem(FALLBACK_KEY) || "[]");
    const record = { id: crypto.randomUUID(), seq: queue.length + 1, type, recorded_at: localIso(), data };
    queue.push(record);
    localStorage.setItem(FALLBACK_KEY, JSON.stringify(queue));
    return record;
  },
};

/** The outbox of the user logged in on this phone; null when nobody is. */
export async function openOutbox() {
  let outbox;
  let session;
  try {
    [outbox, session] = await Promise.all([import("/client/offline/outbox.js"),
      import("/client/offline/session.js")]);
  } catch {
    return fallback;
  }
  // status.js (base.html) adopts the logged-in user and says so with "session-ready".
  if (!document.body.dataset.ready) {
    await new Promise((ready) => addEventListener("session-ready", ready, { once: true }));
  }
  const device = await session.current();
  if (!device) return null;
  return {
    kind: "outbox",
    device,
    async add(type, data) {
      const record = await outbox.add(type, data, device);
      dispatchEvent(new Event("outbox-changed")); // the sync loop sends it when it can
      return record;
    },
  };
}
