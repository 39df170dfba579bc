// Keyboard-wedge scanners (USB/Bluetooth): they "type" a code very fast, then Enter (or Tab).
//
//   import { attachWedge } from "/client/scanner/wedge.js";
//   const stop = attachWedge(target, { field: document.getElementById("scan") });
//   target.addEventListener("scan", (e) => e.detail); // {text, format: "unknown", source, at}
//
// `source` is "wedge" for a burst at scanner speed, "keyboard" for keys typed by a person;
// `at` is the terminating key's event.timeStamp (for scan -> feedback measurements).
// Options: `field` (below), `enabled` (a function; false: keys are left alone, e.g. while a
// form of the page is being typed in), and the DEFAULTS below. Porting a screen that handles
// Enter on its own field: attach with {field} and listen to `scan` instead; the field's Enter
// no longer reaches the page (it is the scan).
//
// Nothing here may lose or reorder a character, however slow the phone. So no decision waits
// on a timer (a busy page runs timers late, after keys that already arrived: that is how a
// slow phone once split `TB20220506A1` into `T` + `B20220506A1`). Instead:
//   - With a `field` (the screen's scan input): every printable key typed while no other text
//     input has the focus is appended to `field` at once, in arrival order, without moving the
//     focus (no on-screen keyboard pops up on a phone); keys typed into `field` itself land
//     there as usual. Enter or Tab sends the field's whole text as one scan and empties the
//     field. A person typing a number into the field gets the same path (manual entry).
//   - Without a `field` (the /scan page): the same, into a hidden buffer.
//   - Keys typed into another text input (a plate, a name) stay there. Only when that input
//     ends with a burst of at least `minLength` keys at scanner speed followed by Enter is the
//     burst taken back out of it and sent as a scan. Speed is judged on the keys' own
//     timestamps, which the browser takes when a key arrives, so a busy page cannot stretch
//     them. Misjudged, the keys simply stay in that input: still nothing lost.
// IME composition (Chinese input), soft-keyboard keys (`Unidentified`/`Process`) and keys with
// Ctrl/Alt/Meta are never touched. Enter and Space on a focused button still press it unless
// a scan is being collected.

const DEFAULTS = {
  maxGap: 35, // mean ms between the keys of a burst in another input (scanners: 1-15; people: 80-250)
  maxPause: 80, // a longer silence (by key timestamps) starts a new burst
  minLength: 4, // shorter bursts in another input are typing (a double key press)
  terminators: ["Enter", "Tab"],
};

const TEXT_TYPES = new Set(["text", "search", "tel", "url", "email", "password", "number", ""]);

/** Is `element` somewhere a person types text (so its keys are theirs, not ours)? */
export function isTextInput(element) {
  if (!element) return false;
  if (element.isContentEditable || element.tagName === "TEXTAREA") return true;
  return element.tagName === "INPUT" && TEXT_TYPES.has(element.type) && !element.readOnly && !element.disabled;
}

/** Start listening; returns a function that stops listening. */
export function attachWedge(target, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const field = opts.field || null;
  let buffer = ""; // without a field: what was collected so far
  let burst = null; // keys typed into another input: {element, before, start, end, keys, times}
  let pace = []; // timestamps of the keys collected for the next scan (its source: wedge or keyboard)

  const collected = () => (field ? field.value : buffer);

  function collect(key) {
    if (!field) {
      buffer += key;
      return;
    }
    field.value += key;
    field.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: key }));
  }

  function emit(text, source, at) {
    target.dispatchEvent(new CustomEvent("scan", {
      bubbles: true, detail: { text, format: "unknown", source, at },
    }));
  }

  function keep(time) {
    if (pace.length && time - pace[pace.length - 1] > opts.maxPause) pace = [];
    pace.push(time);
  }

  /** The collected text as a scan (the field is emptied first: a failed scan never sticks). */
  function send(at) {
    const text = collected().trim();
    const fast = pace.length >= opts.minLength && (at - pace[0]) / pace.length < opts.maxGap;
    pace = [];
    if (field) field.value = ""; else buffer = "";
    if (text) emit(text, fast ? "wedge" : "keyboard", at);
  }

  function trackBurst(element, event) {
    const now = event.timeStamp;
    const last = burst?.times[burst.times.length - 1];
    if (!burst || burst.element !== element || now - last > opts.maxPause) {
      let start = null;
      let end = null;
      try {
        start = element.selectionStart;
        end = element.selectionEnd;
      } catch {
        // type=number/email have no selection API
      }
      burst = { element, before: element.value, start, end, keys: [], times: [] };
    }
    burst.keys.push(event.key);
    burst.times.push(now);
  }

  /** Enter in another input: was what it just received a scanner's burst? Then take it back. */
  function takeBackBurst(element, event) {
    const b = burst;
    burst = null;
    if (!b || b.element !== element || b.keys.length < opts.minLength) return false;
    const now = event.timeStamp;
    const gaps = (now - b.times[0]) / b.keys.length; // keys + Enter: as many gaps as keys
    if (now - b.times[b.times.length - 1] > opts.maxPause || gaps >= opts.maxGap) return false;
    element.value = b.before;
    if (b.start !== null) element.setSelectionRange(b.start, b.end);
    element.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "deleteContent" }));
    emit(b.keys.join(""), "wedge", now);
    return true;
  }

  function onKeyDown(event) {
    if (opts.enabled && !opts.enabled()) return;
    if (event.isComposing || event.key === "Process" || event.key === "Unidentified"
        || event.ctrlKey || event.metaKey || event.altKey) {
      burst = null;
      return;
    }
    const active = document.activeElement;
    const terminator = opts.terminators.includes(event.key);
    const inField = field && active === field;
    if (inField) {
      if (terminator && field.value.trim()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        send(event.timeStamp);
      } else if (event.key.length === 1) {
        keep(event.timeStamp); // the key lands in the field by itself, in order
      }
      return;
    }
    if (isTextInput(active)) {
      if (terminator) {
        if (takeBackBurst(active, event)) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      } else if (event.key.length === 1) {
        trackBurst(active, event);
      } else {
        burst = null; // Backspace, arrows: a person is editing
      }
      return;
    }
    // No text input has the focus (a button after a tap, the page): the keys are a scan's.
    if (terminator) {
      if (!collected().trim()) return; // a keyboard user's Enter/Tab on a button: theirs
      event.preventDefault();
      event.stopImmediatePropagation();
      send(event.timeStamp);
      return;
    }
    if (event.key.length !== 1) return;
    if (event.key === " " && !collected()) return; // Space may press a focused button
    event.preventDefault();
    event.stopImmediatePropagation();
    keep(event.timeStamp);
    collect(event.key);
  }

  // Capture phase: we see the key before any page handler or the input itself.
  document.addEventListener("keydown", onKeyDown, true);
  return () => document.removeEventListener("keydown", onKeyDown, true);
}
