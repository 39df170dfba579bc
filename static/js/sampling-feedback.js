// Beep, vibration and colour for each scan outcome: distinct enough to tell apart with gloves
// on and a queue talking (DESIGN §6: within 100 ms of the scan).

const TONES = {
  ok: { freq: 1320, ms: 70, vibrate: 40 },
  warn: { freq: 660, ms: 160, vibrate: [80, 60, 80] },
  full: { freq: 990, ms: 120, vibrate: [40, 40, 40, 40, 40] },
  bad: { freq: 220, ms: 350, vibrate: [250, 80, 250] },
};
let audio = null;

function beep({ freq, ms }) {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + ms / 1000);
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

/** Show `text` in `element` with the colour of `kind` (ok, warn, full, bad), beep and vibrate. */
export function signal(element, kind, text) {
  element.textContent = text;
  element.className = `feedback ${kind}`;
  const tone = TONES[kind] || TONES.ok;
  beep(tone);
  if (navigator.vibrate) navigator.vibrate(tone.vibrate);
}
