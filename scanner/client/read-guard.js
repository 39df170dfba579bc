// The camera's misread guard, apart from the DOM so its rules read plainly (and run under node:
// tests/js/read_guard.mjs). Misreads are worse than slow reads.
import { ONE_D } from "./detectors.js";

export const REPEAT_IGNORE_MS = 2000;
const CANDIDATE_TTL_MS = 1500; // a first 1D read waits this long for its confirmation

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
