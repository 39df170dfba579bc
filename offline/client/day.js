// The community's calendar day: the day in the server's zone (DISPLAY_TIMEZONE, on <html> as
// data-zone by base.html), as the server counts days. A phone's own date is wrong for that: one
// left on UTC is still on yesterday until 08:00 in Shanghai, and one set by hand is anywhere.
// Read once; under node or in the service worker there is no page, and the phone's zone is used.
const PAGE_ZONE = typeof document !== "undefined" ? document.documentElement?.dataset?.zone : undefined;

/** YYYY-MM-DD of `date` in `zone` (the phone's own zone when none is given). */
export function today(date = new Date(), zone = PAGE_ZONE) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}
