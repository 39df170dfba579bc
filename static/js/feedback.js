// What the phone does besides the screen when something happens, and how it shows a person:
// one sound-and-vibration vocabulary for the capture screens (gate, sampling) and the worker's
// alert, distinct enough to tell apart with gloves on and a queue talking (DESIGN §6: within
// 100 ms of the scan); and the masking of names and document numbers
// (server/privacy.py mask_name / mask_doc_number). No DOM at import: node tests import it.

const TONES = {
  ok: { freq: 1320, ms: 70, vibrate: 40 },
  warn: { freq: 660, ms: 160, vibrate: [80, 60, 80] },
  full: { freq: 990, ms: 120, vibrate: [40, 40, 40, 40, 40] },
  bad: { freq: 220, ms: 350, vibrate: [250, 80, 250] },
  alert: { freq: 440, ms: 500, vibrate: [300, 100, 300] }, // a fever, someone on a watch list
  // A new alert for a worker with the phone in a pocket: three loud beeps, three pulses.
  ring: { freq: 880, ms: 400, vibrate: [400, 150, 400, 150, 400], volume: 0.6, repeat: [0, 0.55, 1.1] },
};
let audio = null;

function beep({ freq, ms, volume = 0.2, repeat = [0] }) {
  try {
    audio = audio || new AudioContext();
    for (const start of repeat) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.value = volume;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + ms / 1000);
    }
  } catch {
    // No audio (autoplay policy before the first tap): colour and vibration still tell.
  }
}

/** Create the audio context before the first scan (creating it costs ~200 ms on a phone). */
export function warmUp() {
  try {
    audio = audio || new AudioContext();
  } catch {
    audio = null;
  }
}

/** Beep and vibrate for `kind`: ok, warn, full, bad, alert or ring. */
export function sound(kind) {
  const tone = TONES[kind] || TONES.ok;
  navigator.vibrate?.(tone.vibrate);
  beep(tone);
}

/** Show `text` in `element` with the colour of `kind` (ok, warn, full, bad), beep and vibrate. */
export function signal(element, kind, text) {
  element.textContent = text;
  element.className = `feedback ${kind}`;
  sound(kind);
}

/** 1101**********1234, like server/privacy.py mask_doc_number. */
export function maskNumber(number) {
  if (!number) return "";
  if (number.length <= 8) return number[0] + "*".repeat(number.length - 1);
  return number.slice(0, 4) + "*".repeat(number.length - 8) + number.slice(-4);
}

/** 张*明, like server/privacy.py mask_name. */
export function maskName(name) {
  if (!name) return "";
  const chars = [...name];
  if (chars.length === 1) return name;
  if (chars.length === 2) return chars[0] + "*";
  return chars[0] + "*".repeat(chars.length - 2) + chars[chars.length - 1];
}

/** 1101****1234: the masked middle shortened, so that the ends stay readable at 360 px. */
export function compact(label) {
  return label.replace(/\*{5,}/g, "****");
}
