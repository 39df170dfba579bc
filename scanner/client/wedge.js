// Keyboard-wedge scanners (USB/Bluetooth): they "type" a code very fast, then Enter.
//
// attachWedge(target, options) listens on the whole document, so a scan works on any
// capture screen without tapping a field first. Every printable key is held back in a
// buffer (so a scan never lands in whatever input has the focus); the timing decides:
//   - keys arriving less than `maxGap` ms apart and ending in Enter, at least
//     `minLength` of them: a scan -> a `scan` CustomEvent {text, format, source: "wedge"}
//     on `target`, and nothing reaches the focused input;
//   - any slower key (a human typing): the held keys are released into the focused
//     input, in order, as if typed, and the Enter (if any) does what it normally does.
// A human's key therefore shows up `maxGap` ms late, which nobody notices.
// IME composition (Chinese input) is never touched.

const DEFAULTS = {
  maxGap: 35, // ms between keys of one scan; people type 80-250 ms apart
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
    const fast = last !== null && now - last < opts.maxGap;

    if (opts.terminators.includes(event.key)) {
      if (held.length >= opts.minLength && fast && allFast(held, opts.maxGap)) {
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
    if (held.length && !fast) release();
    event.preventDefault();
    held.push({ key: event.key, time: now });
    clearTimeout(timer);
    // No next key within the gap: a person typed it; let it land now.
    timer = setTimeout(release, opts.maxGap + 5);
  }

  // Capture phase: we see the key before any page handler or the input itself.
  document.addEventListener("keydown", onKeyDown, true);
  return () => {
    release();
    document.removeEventListener("keydown", onKeyDown, true);
  };
}

function allFast(keys, maxGap) {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i].time - keys[i - 1].time >= maxGap) return false;
  }
  return true;
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
