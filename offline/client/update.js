// Service worker registration, and the "new version" prompt: a waiting worker takes over only
// when the user taps update (records wait in IndexedDB, which an update never touches).
// `refused(error)`: the browser would not register it (e.g. an untrusted certificate).
export function registerServiceWorker(offerUpdate, refused) {
  if (!("serviceWorker" in navigator)) return;
  let chosen = false;
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).then((registration) => {
    const offer = () => {
      if (!registration.waiting || !navigator.serviceWorker.controller) return;
      offerUpdate(() => {
        chosen = true;
        registration.waiting?.postMessage("skip-waiting");
      });
    };
    offer();
    registration.addEventListener("updatefound", () => {
      registration.installing?.addEventListener("statechange", offer);
    });
  }).catch(refused);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Only after the user chose to update (a first install claims without a reload).
    if (chosen && !reloading) { reloading = true; location.reload(); }
  });
}
