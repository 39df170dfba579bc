// Service worker: event wiring only (rules in cache.js, replay in sync.js).
// The server fills in the precache manifest and version (server/pages/views_offline.py).
import { precache, removeOldCaches, route } from "/client/offline/cache.js";
import { syncNow } from "/client/offline/sync.js";

const MANIFEST = "__PRECACHE__";

self.addEventListener("install", (event) => event.waitUntil(precache(MANIFEST)));

self.addEventListener("activate", (event) => {
  event.waitUntil(removeOldCaches(MANIFEST.version).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const answer = route(event.request, MANIFEST);
  if (answer) event.respondWith(answer);
});

// The page's "update" button: a waiting version takes over (queued records stay in IndexedDB).
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(syncNow());
});
