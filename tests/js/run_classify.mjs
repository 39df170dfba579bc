// Runs scanner/cases.json-shaped cases through the browser classifier.
// Usage: node run_classify.mjs CASES.json  -> prints a JSON list of results.
import { readFileSync } from "node:fs";
import "./client-paths.mjs"; // classify.js imports /client/offline/day.js

const { classify } = await import("../../scanner/client/classify.js");

const cases = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const results = cases.map((c) => classify(c.text, c.tube_pattern ?? null, c.today ?? null));
process.stdout.write(JSON.stringify(results));
