// Keyboard-wedge scanners (USB/Bluetooth): they "type" a code very fast, then Enter.
//
// attachWedge(target, options) listens on the whole document, so a scan works on any
// capture screen without tapping a field first. Every printable key is held back in a
// buffer (so a scan never lands in whatever input has the focus); the timing decides:
//   - at least `minLength` keys ending in Enter, `maxGap` ms apart or less on average:
//     a scan -> a `scan` CustomEvent {text, format, source: "wedge"} on `target`, and
//     nothing reaches the focused input;
//   - otherwise (a human typing): the held keys are released into the focused input, in
//     order, as if typed, and the Enter (if any) does what it normally does.
// The average, not every gap: Bluetooth scanners deliver keys in bursts, and a busy
// phone delays one key now and then. A pause over `maxPause` ends a burst: the keys
// held so far were typed by a person and are released at once, so a person's key shows
// up at most `maxPause` ms late. IME composition (Chinese input) is never touched.

const DEFAULTS = {
  maxGap: 35, // mean ms between keys of one scan (scanners: 1-15; people: 80-250)
  maxPause: 80, // a longer silence ends a burst: what was held was typed by hand
  minLength: 4, // shorter bursts are treated as typing (a double key press)
  terminators: ["Enter"],
};

/** Start listening; returns a function that stops listening. */
export function attachWedge(target, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  let held = []; // [{key, time}]
  let timer = null;

  function release() {
    clearTimeout(timer);
    timer = null;
    const text = held.map((k) => k.key).join("");
    held = [];
    if (text) insertText(document.activeElement, text);
  }

  function onKeyDown(event) {
    if (opts.enabled && !opts.enabled()) return;
    if (event.isComposing || event.key === "Process" || event.key === "Unidentified") {
      release();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      release();
      return;
    }
    const now = event.timeStamp || performance.now();
    const last = held.length ? held[held.length - 1].time : null;
    const inBurst = last !== null && now - last <= opts.maxPause;

    if (opts.terminators.includes(event.key)) {
      // Mean gap over the keys and the Enter: (now - first key) / number of gaps.
      const fast = inBurst && (now - held[0].time) / held.length < opts.maxGap;
      if (held.length >= opts.minLength && fast) {
        event.preventDefault();
        event.stopImmediatePropagation();
        const text = held.map((k) => k.key).join("");
        held = [];
        clearTimeout(timer);
        timer = null;
        target.dispatchEvent(new CustomEvent("scan", {
          bubbles: true, detail: { text, format: "unknown", source: "wedge" },
        }));
      } else {
        release(); // typing: the text first, then Enter does its usual job
      }
      return;
    }
    if (event.key.length !== 1) {
      // Arrows, Backspace, Tab...: a person is editing. Let it through after the held keys.
      release();
      return;
    }
    if (!held.length && event.key === " ") return; // a space may press a focused button
    if (held.length && !inBurst) release();
    event.preventDefault();
    held.push({ key: event.key, time: now });
    clearTimeout(timer);
    // No next key within the pause: a person typed it; let it land now.
    timer = setTimeout(release, opts.maxPause);
  }

  // Capture phase: we see the key before any page handler or the input itself.
  document.addEventListener("keydown", onKeyDown, true);
  return () => {
    release();
    document.removeEventListener("keydown", onKeyDown, true);
  };
}

/** Put text into an editable element at its caret, firing `input` as typing would. */
function insertText(element, text) {
  if (!element) return;
  const editable = element.isContentEditable
    || (element.tagName === "TEXTAREA")
    || (element.tagName === "INPUT" && !["button", "submit", "checkbox", "radio", "file", "reset",
      "image", "range", "color"].includes(element.type));
  if (!editable || element.readOnly || element.disabled) return;
  if (element.isContentEditable) {
    element.ownerDocument.execCommand("insertText", false, text);
    return;
  }
  let start = null;
  try {
    start = element.selectionStart;
  } catch {
    start = null; // type=number/email have no selection API
  }
  if (start === null || start === undefined) {
    element.value += text;
  } else {
    element.setRangeText(text, start, element.selectionEnd, "end");
  }
  element.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: text }));
}
