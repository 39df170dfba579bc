// The sampling table's voice: after each scan the phone says, in Mandarin, the slot the person
// went into ("第三位") or what went wrong, so a gloved clerk in a noisy queue never has to look.
// Spoken after the outcome is painted (never on the scan -> outcome path); a new outcome cuts
// the previous sentence short (the queue moves faster than speech). Off per phone, remembered in
// localStorage. Mandarin whatever the page's language: the queue around the table speaks it.

const OFF_KEY = "checkpoint:sampling-voice";
const DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/** 1..99 in Chinese numerals: 3 -> 三, 10 -> 十, 12 -> 十二, 20 -> 二十. */
export function chineseNumber(n) {
  if (n < 10) return DIGITS[n];
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? "" : DIGITS[tens]}十${ones ? DIGITS[ones] : ""}`;
}

/** What is said for each outcome (the screen's message keys, see sampling.js). */
export const SPOKEN = {
  slot: (slot) => `第${chineseNumber(slot)}位`,
  slotFull: (slot) => `第${chineseNumber(slot)}位，本管已满，请封管`,
  full: "本管已满，请封管",
  opened: "已开管",
  sealed: "已封管",
  badId: "身份证号错误",
  badCode: "个人码无法识别",
  unknown: "无法识别",
  noTube: "请先扫试管",
  inTube: "重复，此人已在本管",
  today: "此人今天已采过样",
  usedTube: "此管已用过，请换管",
  codeNotOurs: "不是本社区的个人码",
  packed: "已装箱",
  bad: "错误",
  warn: "请注意",
};

export function voiceOn() {
  try {
    return localStorage.getItem(OFF_KEY) !== "off";
  } catch {
    return true;
  }
}

export function setVoice(on) {
  try {
    if (on) localStorage.removeItem(OFF_KEY);
    else localStorage.setItem(OFF_KEY, "off");
  } catch {
    // Storage refused: the switch holds for this page only.
  }
  if (!on) globalThis.speechSynthesis?.cancel();
}

function mandarinVoice() {
  const voices = globalThis.speechSynthesis?.getVoices() || [];
  const lang = (v) => String(v.lang || "").replace("_", "-").toLowerCase();
  return voices.find((v) => lang(v) === "zh-cn") || voices.find((v) => lang(v).startsWith("zh")) || null;
}

/** Say `text` once the outcome is on screen (next frame, then a task). */
export function speak(text) {
  if (!text || !voiceOn() || !globalThis.speechSynthesis || typeof SpeechSynthesisUtterance === "undefined") return;
  requestAnimationFrame(() => setTimeout(() => {
    try {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      const voice = mandarinVoice();
      if (voice) utterance.voice = voice;
      utterance.rate = 1.2;
      speechSynthesis.cancel();
      speechSynthesis.speak(utterance);
    } catch {
      // No speech on this phone: the beep, vibration and colour still tell.
    }
  }));
}
