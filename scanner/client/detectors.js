// Barcode detectors for the camera scanner: the native BarcodeDetector where the browser has
// it (Chrome on Android), else the barcode-detector polyfill (ZXing in WebAssembly) with its
// .wasm from our own server, never a CDN: offline, the service worker's copy is used.

export const POLYFILL_URL = "/static/vendor/barcode-detector/ponyfill.js";
export const WASM_URL = "/static/vendor/zxing_reader.wasm";
export const FIELD_FORMATS = {
  tube: ["code_128", "code_39", "itf", "codabar"],
  person: ["qr_code"],
};
export const ONE_D = new Set(["code_128", "code_39", "code_93", "itf", "codabar", "ean_13", "ean_8",
  "upc_a", "upc_e"]);

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

export function normalise(text) {
  return String(text ?? "").replace(/\r\n/g, "\n").replace(/[\r\n]+$/, "");
}
