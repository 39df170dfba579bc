// What the phone tells its user about the server's refusals (static/js/record-errors.js).
// Usage: node run_record_errors.mjs LANG ERRORS.json  -> prints a JSON list of sentences, one per
// error ({code, message, field} as the sync API answers), in LANG ("zh" or "en": the page's lang).
import { readFileSync } from "node:fs";
import "./client-paths.mjs"; // rules.js imports rules-data.js, which the server generates

const [lang, path] = process.argv.slice(2);
globalThis.document = { documentElement: { lang } }; // read once, when messages.js loads
const { describe } = await import("../../static/js/record-errors.js");
const errors = JSON.parse(readFileSync(path, "utf-8"));
process.stdout.write(JSON.stringify(errors.map((error) => describe(error))));
