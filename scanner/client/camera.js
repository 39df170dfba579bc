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

export const POLYFILL_URL = "/static/vendor/barcode-detector/ponyfill.js";
export const WASM_URL = "/static/vendor/zxing_reader.wasm";
export const FIELD_FORMATS = {
  tube: ["code_128", "code_39", "itf", "codabar"],
  person: ["qr_code"],
};
const ONE_D = new Set(["code_128", "code_39", "code_93", "itf", "codabar", "ean_13", "ean_8",
  "upc_a", "upc_e"]);
export const REPEAT_IGNORE_MS = 2000;
const CANDIDATE_TTL_MS = 1500; // a first 1D read waits this long for its confirmation
const FRAME_INTERVAL_MS = 60;
const PHOTO_MAX_SIDE = 1600; // the server's ID-card reader expects no more
const IN_APP = /MicroMessenger|QQ\/|AlipayClient|DingTalk|Weibo|Lark|FBAN|FBAV|Instagram/i;

const MESSAGES = {
  zh: {
    start: "打开相机扫码",
    stop: "关闭相机",
    torchOn: "打开手电筒",
    torchOff: "关闭手电筒",
    starting: "正在打开相机…",
    scanning: "请将条码放入框内",
    denied: "相机权限被拒绝。请在浏览器设置中允许本网站使用相机；也可以拍照识别或手动输入。",
    notFound: "没有找到可用的相机。请拍照识别或手动输入。",
    busy: "相机正被其他应用占用。请关闭其他使用相机的应用后重试，或拍照识别、手动输入。",
    inApp: "当前应用内浏览器无法打开相机。请点右上角“…”选择“在浏览器中打开”，或拍照识别、手动输入。",
    insecure: "需要通过 HTTPS 打开本页才能使用相机。请拍照识别或手动输入。",
    unsupported: "此浏览器无法打开相机。请拍照识别或手动输入。",
    failed: "相机打开失败。请拍照识别或手动输入。",
    noDetector: "扫码组件加载失败。请手动输入。",
    photo: "拍照识别",
    photoReading: "正在识别照片…",
    photoNone: "照片中没有识别到条码。请靠近一些重拍，或手动输入。",
    manualLabel: "手动输入",
    manualOk: "确定",
    read: "已识别",
  },
  en: {
    start: "Scan with camera",
    stop: "Stop camera",
    torchOn: "Torch on",
    torchOff: "Torch off",
    starting: "Opening the camera…",
    scanning: "Hold the code inside the frame",
    denied: "Camera permission was refused. Allow this site to use the camera in the browser settings, or take a photo, or type the code.",
    notFound: "No camera found. Take a photo or type the code.",
    busy: "Another app is using the camera. Close it and retry, or take a photo, or type the code.",
    inApp: "This in-app browser cannot open the camera. Open the page in the browser (menu “…”), or take a photo, or type the code.",
    insecure: "The camera needs the page to be opened over HTTPS. Take a photo or type the code.",
    unsupported: "This browser cannot open the camera. Take a photo or type the code.",
    failed: "The camera could not be opened. Take a photo or type the code.",
    noDetector: "The barcode reader could not load. Type the code.",
    photo: "Take a photo",
    photoReading: "Reading the photo…",
    photoNone: "No code found on the photo. Retake it closer, or type the code.",
    manualLabel: "Type the code",
    manualOk: "OK",
    read: "Read",
  },
};

export function t(key) {
  const lang = (document.documentElement.lang || "zh-CN").toLowerCase();
  return (lang.startsWith("zh") ? MESSAGES.zh : MESSAGES.en)[key] ?? key;
}

// ---- detectors ------------------------------------------------------------------------

let polyfill = null; // the imported module, prepared once

async function loadPolyfill() {
  if (!polyfill) {
    polyfill = import(POLYFILL_URL).then(async (mod) => {
      // The default locateFile fetches the .wasm from jsDelivr: that fails offline and
      // sends a request to a third party, so point it at our copy.
      await mod.prepareZXingModule({
        overrides: {
          locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path),
        },
        fireImmediately: true,
      });
      return mod;
    });
    polyfill.catch(() => { polyfill = null; }); // let a later attempt retry
  }
  return polyfill;
}

/** A detector for these formats: native when it supports them all, else the polyfill. */
export async function getDetector(formats) {
  if ("BarcodeDetector" in window) {
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      if (formats.every((f) => supported.includes(f))) return new window.BarcodeDetector({ formats });
    } catch {
      // fall through to the polyfill
    }
  }
  const mod = await loadPolyfill();
  return new mod.BarcodeDetector({ formats });
}

/** Fetch and compile the polyfill now (while online), so that scanning works offline. */
export function warmUp() {
  if ("BarcodeDetector" in window) return Promise.resolve();
  return loadPolyfill().then(() => undefined);
}

/** Codes on an image file (a photo), decoded in the browser: [{text, format}]. */
export async function decodeFile(file, formats) {
  const detector = await getDetector(formats);
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const found = await detector.detect(bitmap);
    return found.map((c) => ({ text: normalise(c.rawValue), format: c.format })).filter((c) => c.text);
  } finally {
    bitmap.close?.();
  }
}

function normalise(text) {
  return String(text ?? "").replace(/\r\n/g, "\n").replace(/[\r\n]+$/, "");
}

// ---- the misread guard, apart from the DOM so its rules read plainly ------------------

/** Decides which reads count: 1D twice in a row, nothing repeated within 2 s (or, untilGone,
 *  within 2 s of the last frame that still showed it: a code held still counts once). */
export class ReadGuard {
  constructor({ repeatIgnoreMs = REPEAT_IGNORE_MS, candidateTtlMs = CANDIDATE_TTL_MS, untilGone = false } = {}) {
    this.repeatIgnoreMs = repeatIgnoreMs;
    this.candidateTtlMs = candidateTtlMs;
    this.untilGone = untilGone;
    this.candidate = null; // {text, format, at}
    this.last = null; // {text, at} of the last read that counted
  }

  /**
   * A frame's read (or null for a frame without a code); returns the read when it counts.
   * `deliberate` (a photo the user took): one read is enough, the 2 s rule still holds.
   */
  offer(read, { now = performance.now(), deliberate = false } = {}) {
    if (!read) return null;
    if (this.last && this.last.text === read.text && now - this.last.at < this.repeatIgnoreMs) {
      if (this.untilGone && !deliberate) this.last.at = now; // still in view: the window restarts
      return null;
    }
    if (ONE_D.has(read.format) && !deliberate) {
      const c = this.candidate;
      const confirmed = c && c.text === read.text && c.format === read.format
        && now - c.at < this.candidateTtlMs;
      if (!confirmed) {
        this.candidate = { ...read, at: now };
        return null;
      }
    }
    this.candidate = null;
    this.last = { text: read.text, at: now };
    return read;
  }
}

// ---- the scanner widget ---------------------------------------------------------------

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

  // The part of the frame under the overlay: fewer pixels to decode, and the user
  // decides which code is read when several labels are in view.
  function regionOfFrame() {
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

  async function loop() {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const { x, y, w, h } = regionOfFrame();
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

/** A JPEG of the photo, long side at most 1600 px (phones take 12 MP; the server needs less). */
async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
}

/** serverScan for attachScanner: POST the photo to /api/v1/scan with a device token. */
export function serverScanWith(getToken, { field, siteId } = {}) {
  return async (blob) => {
    const token = await getToken();
    if (!token) return null;
    const query = new URLSearchParams();
    if (field) query.set("field", field);
    if (siteId) query.set("site_id", siteId);
    const response = await fetch(`/api/v1/scan?${query}`, {
      method: "POST", body: blob, headers: { "Content-Type": "image/jpeg", Authorization: `Bearer ${token}` },
    });
    if (!response.ok) return null;
    const body = await response.json();
    return body.codes.map((c) => ({ text: c.text, format: c.format }));
  };
}
