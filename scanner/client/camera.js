// Live camera scanning for the capture screens.
//
// The native BarcodeDetector where the browser has it (Chrome on Android), else the
// barcode-detector polyfill (ZXing in WebAssembly) with its .wasm from our own server,
// never a CDN: offline, the service worker's copy is used.
//
//   const scanner = attachScanner(container, { target, field: "tube" });
//   target.addEventListener("scan", (e) => e.detail);  // {text, format, source}
//
// Misreads are worse than slow reads: a 1D code counts only when two frames in a row
// read the same text; any code is ignored for 2 s after it counted (no double adds), or,
// with `repeat: "until-gone"`, for as long as it stays in view and 2 s after it left.
// The frame drawn over the video (and the part of it decoded) is a wide band for 1D labels
// or a square for QR codes (`frame`, changed live with setFrame).
// When the camera cannot open, the user is told why (in Chinese), and offered a photo
// (decoded here, or by /api/v1/scan when online) and then manual entry.
//
// This module is the widget; its parts: detectors.js (native or polyfill decoders),
// read-guard.js (which reads count), camera-messages.js (what it says), photo.js (a photo
// for the server's reader).

import { t } from "./camera-messages.js";
import { FIELD_FORMATS, ONE_D, decodeFile, getDetector, normalise } from "./detectors.js";
import { shrink } from "./photo.js";
import { ReadGuard } from "./read-guard.js";

export { FIELD_FORMATS, warmUp } from "./detectors.js";
export { serverScanWith } from "./photo.js";

const FRAME_INTERVAL_MS = 60;
const IN_APP = /MicroMessenger|QQ\/|AlipayClient|DingTalk|Weibo|Lark|FBAN|FBAV|Instagram/i;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// The part of the video frame under the overlay: fewer pixels to decode, and the user
// decides which code is read when several labels are in view.
function regionOfFrame(video, region) {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  const box = video.getBoundingClientRect();
  const r = region.getBoundingClientRect();
  if (!vw || !box.width || !r.width) return { x: 0, y: 0, w: vw, h: vh };
  const scale = Math.max(box.width / vw, box.height / vh); // object-fit: cover
  const offX = (box.width - vw * scale) / 2;
  const offY = (box.height - vh * scale) / 2;
  const x = Math.max(0, (r.left - box.left - offX) / scale);
  const y = Math.max(0, (r.top - box.top - offY) / scale);
  const w = Math.min(vw - x, r.width / scale);
  const h = Math.min(vh - y, r.height / scale);
  return { x, y, w, h };
}

/** Why the camera did not open, as a message key. */
export function reasonFor(error) {
  const name = error?.name;
  if (name === "NoMediaDevices") {
    if (IN_APP.test(navigator.userAgent)) return "inApp";
    if (!window.isSecureContext) return "insecure";
    return "unsupported";
  }
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "notFound";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "failed";
}

/**
 * Build the scanner inside `container`. Options:
 *   target      element receiving `scan` events (default: container)
 *   field       "tube" | "person" (the formats it reads), or formats: [...]
 *   frame       "band" (1D labels) | "square" (QR codes); default: square when only 2D formats
 *   repeat      "timed" (default: a code counts again 2 s after it counted) | "until-gone"
 *               (a code held in view counts once; again only after 2 s out of view)
 *   autoStart   open the camera at once (default true)
 *   serverScan  async (blob) => [{text, format}] | null: decode a photo on the server
 *               (e.g. POST /api/v1/scan with the device token); used when online
 */
export function attachScanner(container, options = {}) {
  const target = options.target || container;
  let formats = options.formats || FIELD_FORMATS[options.field || "tube"];
  const guard = new ReadGuard({ untilGone: options.repeat === "until-gone" });

  const video = el("video", { class: "scanner-video", playsinline: "", muted: "", autoplay: "" });
  video.muted = true;
  const region = el("div", { class: "scan-region", "aria-hidden": "true" });
  const view = el("div", { class: "scanner-view", hidden: true }, video, region);
  const startButton = el("button", { type: "button", class: "btn primary", text: t("start") });
  const torchButton = el("button", { type: "button", class: "btn", text: t("torchOn"), hidden: true });
  const message = el("p", { class: "scanner-message", role: "status" });
  const fileInput = el("input", { type: "file", accept: "image/*", capture: "environment",
    class: "visually-hidden", "data-scanner-photo": "" });
  const photoLabel = el("label", { class: "btn" }, t("photo"), fileInput);
  const manualInput = el("input", { class: "scanner-manual-input", autocomplete: "off",
    autocapitalize: "characters", spellcheck: "false", "aria-label": t("manualLabel"),
    placeholder: t("manualLabel") });
  const manualForm = el("form", { class: "scanner-manual" }, manualInput,
    el("button", { type: "submit", class: "btn", text: t("manualOk") }));
  const fallback = el("div", { class: "scanner-fallback", hidden: true }, photoLabel, manualForm);
  const root = el("div", { class: "scanner" }, view,
    el("div", { class: "scanner-controls" }, startButton, torchButton), message, fallback);
  container.append(root);
  const setFrame = (shape) => {
    region.classList.toggle("square", shape === "square");
    root.dataset.frame = shape;
  };
  setFrame(options.frame || (formats.every((f) => !ONE_D.has(f)) ? "square" : "band"));

  let stream = null;
  let track = null;
  let detector = null;
  let running = false;
  let starting = false;
  let loopTimer = null;
  let resumeWhenVisible = false;
  let torchOn = false;
  let frames = 0; // frames decoded since the page opened (root.dataset.frames: what a test waits on)
  const canvas = document.createElement("canvas");

  function say(key, isError = false) {
    message.textContent = key ? t(key) : "";
    message.classList.toggle("error", isError);
  }

  function emit(read, source) {
    target.dispatchEvent(new CustomEvent("scan", {
      bubbles: true, detail: { text: read.text, format: read.format, source },
    }));
    navigator.vibrate?.(60);
    root.classList.add("scanner-hit");
    setTimeout(() => root.classList.remove("scanner-hit"), 300);
  }

  function showFallback(reasonKey) {
    say(reasonKey, true);
    fallback.hidden = false;
    root.dataset.state = "fallback";
  }

  async function start() {
    if (running || starting) return; // a double tap must not open two streams
    starting = true;
    try {
      await open();
    } finally {
      starting = false;
    }
  }

  async function open() {
    say("starting");
    root.dataset.state = "starting";
    try {
      detector = await getDetector(formats);
    } catch {
      showFallback("noDetector");
      photoLabel.hidden = true;
      return;
    }
    try {
      if (!navigator.mediaDevices?.getUserMedia) {
        throw Object.assign(new Error("no mediaDevices"), { name: "NoMediaDevices" });
      }
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      root.dataset.reason = reasonFor(error);
      showFallback(reasonFor(error));
      return;
    }
    video.srcObject = stream;
    view.hidden = false;
    try {
      await video.play();
    } catch {
      // autoplay of a muted inline video is allowed; a failure here shows as no frames
    }
    [track] = stream.getVideoTracks();
    const caps = track?.getCapabilities?.() || {};
    torchButton.hidden = !caps.torch;
    root.classList.toggle("can-focus", Boolean(caps.focusMode?.length || caps.pointsOfInterest));
    running = true;
    startButton.textContent = t("stop");
    root.dataset.state = "scanning";
    say("scanning");
    loop();
  }

  function stop() {
    running = false;
    clearTimeout(loopTimer);
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = null;
    track = null;
    torchOn = false;
    torchButton.textContent = t("torchOn");
    video.srcObject = null;
    view.hidden = true;
    startButton.textContent = t("start");
    if (root.dataset.state === "scanning") {
      root.dataset.state = "stopped";
      say("");
    }
  }

  async function loop() {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const { x, y, w, h } = regionOfFrame(video, region);
      canvas.width = Math.round(w);
      canvas.height = Math.round(h);
      canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, x, y, w, h, 0, 0, canvas.width, canvas.height);
      let found = [];
      try {
        found = await detector.detect(canvas);
      } catch {
        found = [];
      }
      const first = found.map((c) => ({ text: normalise(c.rawValue), format: c.format }))
        .find((c) => c.text && formats.includes(c.format));
      const counted = guard.offer(first || null);
      root.dataset.frames = String(++frames);
      if (counted && running) emit(counted, "camera");
    }
    if (running) loopTimer = setTimeout(loop, FRAME_INTERVAL_MS);
  }

  async function toggleTorch() {
    if (!track) return;
    try {
      await track.applyConstraints({ advanced: [{ torch: !torchOn }] });
      torchOn = !torchOn;
      torchButton.textContent = t(torchOn ? "torchOff" : "torchOn");
    } catch {
      torchButton.hidden = true;
    }
  }

  async function focusAt(event) {
    const caps = track?.getCapabilities?.() || {};
    if (!caps.focusMode?.length && !caps.pointsOfInterest) return;
    const box = video.getBoundingClientRect();
    const point = { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
    const mode = caps.focusMode?.includes("single-shot") ? "single-shot"
      : caps.focusMode?.includes("continuous") ? "continuous" : undefined;
    try {
      await track.applyConstraints({ advanced: [{ ...(mode && { focusMode: mode }), pointsOfInterest: [point] }] });
    } catch {
      // not every camera takes a point of interest; the tap then does nothing
    }
  }

  async function onPhoto() {
    const file = fileInput.files?.[0];
    fileInput.value = "";
    if (!file) return;
    say("photoReading");
    let codes = [];
    try {
      codes = (await decodeFile(file, formats)).filter((c) => formats.includes(c.format));
    } catch {
      codes = [];
    }
    if (!codes.length && options.serverScan && navigator.onLine) {
      try {
        codes = (await options.serverScan(await shrink(file))) || [];
      } catch {
        codes = [];
      }
    }
    if (!codes.length) {
      say("photoNone", true);
      manualInput.focus();
      return;
    }
    say("read");
    const counted = guard.offer(codes[0], { deliberate: true });
    if (counted) emit(counted, "photo");
  }

  function onManual(event) {
    event.preventDefault();
    const text = manualInput.value.trim();
    if (!text) return;
    manualInput.value = "";
    emit({ text, format: "manual" }, "manual");
  }

  function onVisibility() {
    if (document.visibilityState === "hidden" && running) {
      resumeWhenVisible = true;
      stop(); // the camera light goes off, the battery is spared
    } else if (document.visibilityState === "visible" && resumeWhenVisible) {
      resumeWhenVisible = false;
      start();
    }
  }

  startButton.addEventListener("click", () => (running ? stop() : start()));
  torchButton.addEventListener("click", toggleTorch);
  video.addEventListener("click", focusAt);
  fileInput.addEventListener("change", onPhoto);
  manualForm.addEventListener("submit", onManual);
  document.addEventListener("visibilitychange", onVisibility);

  if (options.autoStart !== false) start();

  return {
    start,
    stop,
    get running() { return running; },
    setField(field) {
      formats = FIELD_FORMATS[field];
      detector = null;
      setFrame(field === "person" ? "square" : "band");
      if (running) { stop(); start(); }
    },
    /** The frame for what comes next ("band" or "square"), without reopening the camera. */
    setFrame,
    destroy() {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
      root.remove();
    },
  };
}
