// What a scanned text is: a sample tube, an ID number, a personal code, or unknown.
//
// Browser twin of scanner/classify.py; scanner/cases.json holds the cases both
// must answer alike (tests/test_classify_js.py runs them here with node).
// Change the three together.
//
// Known difference, on purpose: for the region of an ID number the server also
// asks python-stdnum's full county table; this module checks the province only
// (a county table would weigh ~100 KB on every phone). A number with a real
// province but a made-up county passes here and is rejected by the server.

// A birth date after today is refused; today is the community's day (the page's zone, as the
// server counts days), not the phone's own date.
import { today as communityToday } from "/client/offline/day.js";

export const DEFAULT_TUBE_PATTERN = "^[A-Z0-9]{8,20}$";
export const PERSONAL_CODE_PREFIX = "CP1:";
export const MAX_TEXT_LENGTH = 256;
// GB/T 2260 provinces, plus 71 Taiwan, 81 Hong Kong, 82 Macao,
// 83 Taiwan residence permits, 91 foreigners.
export const PROVINCES = new Set(
  ("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46" +
    " 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91").split(" "),
);
const EARLIEST_BIRTH_YEAR = 1900;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

const ID18 = /^[0-9]{17}[0-9X]$/;
const ID15 = /^[0-9]{15}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,200}$/;
// Same ranges as _CONTROL in classify.py.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff]/;
// Same set as _SPACE in classify.py; not String.prototype.trim, whose set
// differs from Python's str.strip.
const SPACE =
  " \t\n\x0b\x0c\r\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const FULL_WIDTH = { "０": "0", "１": "1", "２": "2", "３": "3", "４": "4",
  "５": "5", "６": "6", "７": "7", "８": "8", "９": "9", "Ｘ": "X", "ｘ": "x" };

function strip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && SPACE.includes(text[start])) start++;
  while (end > start && SPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

function result(kind, text, valid, code = null, info = {}) {
  return { kind, text, valid, code, info };
}

/**
 * Classify a scanned text; tubePattern is the site's regex (full match).
 * `today` ("YYYY-MM-DD") exists for tests of the not-in-the-future rule.
 */
export function classify(text, tubePattern = null, today = null) {
  // Wedge scanners add Enter or Tab, people paste spaces: not part of the code.
  const stripped = strip(String(text));

  // 1. Hostile or garbage input first. Length in code points, as Python counts.
  if ([...stripped].length > MAX_TEXT_LENGTH || CONTROL.test(stripped)) {
    return result("unknown", stripped, false);
  }

  // 2. ID numbers before tubes (see classify.py for why).
  const candidate = stripped.replace(/[０-９Ｘｘ]/g, (c) => FULL_WIDTH[c]).toUpperCase();
  if (ID18.test(candidate)) return classifyId18(candidate, today || communityToday());
  if (ID15.test(candidate)) return result("id_number", candidate, false, "legacy_id_number");

  // 3. Personal codes before tubes: the prefix is reserved.
  if (stripped.startsWith(PERSONAL_CODE_PREFIX)) {
    const token = stripped.slice(PERSONAL_CODE_PREFIX.length);
    return TOKEN.test(token)
      ? result("personal_code", stripped, true)
      : result("personal_code", stripped, false, "invalid_personal_code");
  }

  // 4. Tubes: the whole text must match, like Python's re.fullmatch. No "u"
  //    flag, so \d and \w are ASCII as with Python's re.ASCII.
  const pattern = tubePattern || DEFAULT_TUBE_PATTERN;
  if (new RegExp(`^(?:${pattern})$`).test(stripped)) return result("tube", stripped, true);

  return result("unknown", stripped, false);
}

function classifyId18(number, today) {
  const invalid = result("id_number", number, false, "invalid_id_number");
  if (!PROVINCES.has(number.slice(0, 2))) return invalid;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(number[i]) * WEIGHTS[i];
  if (CHECK_CHARS[sum % 11] !== number[17]) return invalid;

  const birth = `${number.slice(6, 10)}-${number.slice(10, 12)}-${number.slice(12, 14)}`;
  if (!isCalendarDate(birth)) return invalid;
  if (Number(birth.slice(0, 4)) < EARLIEST_BIRTH_YEAR || birth > today) return invalid;

  return result("id_number", number, true, null, {
    birth_date: birth,
    // The 17th digit is the sequence number: odd for men, even for women.
    sex: Number(number[16]) % 2 ? "M" : "F",
    region: number.slice(0, 6),
  });
}

function isCalendarDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(2000, m - 1, d));
  date.setUTCFullYear(y); // Date.UTC maps years 0-99 to 1900-1999
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
