// classify.js's not-in-the-future rule at a given instant, on a page in a given zone, on a phone
// whose own zone is the process's TZ. Usage (TZ=... in the environment):
//   node run_classify_day.mjs '{"instant": ISO, "zone": "Asia/Shanghai" | null, "numbers": [...]}'
// -> JSON list of {valid, code} per number.
import "./client-paths.mjs"; // classify.js imports /client/offline/day.js

const { instant, zone, numbers } = JSON.parse(process.argv[2]);
const fixed = Date.parse(instant);
// The phone's clock at `instant`: `new Date()` and Date.now() say it, other dates stay as given.
globalThis.Date = class extends Date {
  constructor(...args) { super(...(args.length ? args : [fixed])); }
  static now() { return fixed; }
};
// The page as base.html renders it (day.js reads the zone once, when it loads).
if (zone) globalThis.document = { documentElement: { dataset: { zone } } };
const { classify } = await import("../../scanner/client/classify.js");
process.stdout.write(JSON.stringify(numbers.map((n) => {
  const { valid, code } = classify(n);
  return { valid, code };
})));
