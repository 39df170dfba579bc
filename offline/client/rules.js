// The input rules the phone applies before saving a record: the same file the server's
// validators load (offline/client/rules.json, read by offline/rules.py), so a record the phone
// accepts is one the server accepts. ID-card numbers are checked by scanner/client/classify.js
// (the server uses python-stdnum); tests/test_rules_js.py runs offline/rules_cases.json here.
import RULES from "./rules.json" with { type: "json" };

export { RULES };
export const DOC_TYPES = RULES.document.types;
export const TEMP_MIN = Number(RULES.temperature.min);
export const TEMP_MAX = Number(RULES.temperature.max);
const whole = (pattern) => new RegExp(`^(?:${pattern})$`);
const OTHER_DOC = whole(RULES.document.other_pattern);
const PHONE = whole(RULES.phone.pattern);
const PLATE = whole(RULES.plate.pattern);
const PLATE_STRIP = new RegExp(RULES.plate.strip, "g");

/** Full-width to ASCII, no spaces or dashes, upper case: server/privacy.py normalise_doc_number. */
export function normaliseDocNumber(text) {
  return String(text ?? "").normalize("NFKC").replace(/[\s-]/g, "").toUpperCase();
}

/** A normalised number of a passport or permit (not the resident ID card). */
export function isOtherDocument(number) {
  return number.length <= RULES.document.max_length && OTHER_DOC.test(number);
}

export function isPhone(text) {
  return PHONE.test(text);
}

/** No spaces, middle dots or dashes, upper case: server/gate/records.py normalise_plate. */
export function normalisePlate(text) {
  return String(text ?? "").replace(PLATE_STRIP, "").toUpperCase();
}

export function isPlate(plate) {
  return PLATE.test(plate);
}

/** °C to one decimal as the server stores it, or null when it is not a body temperature. */
export function checkTemperature(value) {
  const number = typeof value === "string" ? Number(value.trim() || NaN) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) return null;
  const rounded = Math.round(number * 10) / 10;
  return rounded >= TEMP_MIN && rounded <= TEMP_MAX ? rounded : null;
}
