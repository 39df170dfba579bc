// Caching rules of the service worker. The app shell (pages without personal data, CSS, JS,
// vendor files, the ZXing .wasm) is precached per version and served cache-first. /api/ is
// network-only and nothing else is ever put in a cache, so no personal data lands there.
const PREFIX = "checkpoint-shell-";
// Capture pages and the home page: the online page when the server answers, else the cached shell.
const SHELL_FOR = [[/^\/gate\/\d+$/, "/shell/gate"], [/^\/sampling\/\d+$/, "/shell/sampling"],
  [/^\/tasks$/, "/shell/tasks"], [/^\/$/, "/shell/home"]];
// Any other page when the server cannot be reached: a page saying it needs the network (never
// the browser's own error page, which leaves a gloved user stranded).
const NEEDS_NETWORK = "/shell/offline";

export function cacheName(version) {
  return PREFIX + version;
}

export async function precache(manifest) {
  const cache = await caches.open(cacheName(manifest.version));
  // cache: "reload" bypasses the HTTP cache so a new version never precaches stale files.
  await cache.addAll(manifest.urls.map((url) => new Request(url, { cache: "reload", credentials: "omit" })));
}

/** Delete every other version's cache (IndexedDB, where records wait, is never touched). */
export async function removeOldCaches(version) {
  const keep = cacheName(version);
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== keep).map((n) => caches.delete(n)));
}

/** A Response promise for requests the worker answers, or null to let the network have it. */
export function route(request, manifest) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return null;
  if (manifest.urls.includes(url.pathname)) return cacheFirst(request, manifest.version, url.pathname);
  if (request.mode === "navigate") {
    const shell = SHELL_FOR.find(([pattern]) => pattern.test(url.pathname));
    if (shell) return networkThenShell(request, manifest.version, shell[1]);
    return networkOr(request, manifest.version, NEEDS_NETWORK);
  }
  return null;
}

async function networkOr(request, version, fallbackPath) {
  try {
    return await fetch(request); // the server's own answer, errors included
  } catch (error) {
    const cache = await caches.open(cacheName(version));
    return (await cache.match(fallbackPath)) || Response.error();
  }
}

async function cacheFirst(request, version, path) {
  const cache = await caches.open(cacheName(version));
  return (await cache.match(path, { ignoreSearch: true })) || fetch(request);
}

async function networkThenShell(request, version, shellPath) {
  try {
    const response = await fetch(request);
    if (response.status < 500) return response; // never cached: it may name the user
  } catch (error) {
    // offline or server down: the shell below
  }
  const cache = await caches.open(cacheName(version));
  return (await cache.match(shellPath)) || Response.error();
}
