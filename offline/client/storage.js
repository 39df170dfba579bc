// Is this phone's storage safe for records that wait? The browser may evict data it was not
// allowed to keep for good, and a nearly full phone cannot store the next record. No DOM.
export const MIN_FREE_BYTES = 50 * 1024 * 1024;

/** "lowSpace" ({mb}), "notPersisted" or null. `ask`: request persistence (at login). */
export async function storageProblem(ask) {
  if (!navigator.storage) return null;
  let persisted = await navigator.storage.persisted?.();
  if (!persisted && ask) persisted = await navigator.storage.persist?.();
  const { quota = 0, usage = 0 } = (await navigator.storage.estimate?.()) || {};
  const free = quota - usage;
  if (quota && free < MIN_FREE_BYTES) return { kind: "lowSpace", mb: Math.max(0, Math.floor(free / 1048576)) };
  return persisted ? null : { kind: "notPersisted" };
}
