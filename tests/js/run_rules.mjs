// Runs offline/rules_cases.json-shaped cases through the phone's rules (offline/client/rules.js;
// ID-card numbers through scanner/client/classify.js, as the capture screens check them).
// Usage: node run_rules.mjs CASES.json  -> prints a JSON list of {ok, normalised}.
import { readFileSync } from "node:fs";
import "./client-paths.mjs"; // rules.js and classify.js import /client/offline/ modules (rules-data.js is generated)

const { classify } = await import("../../scanner/client/classify.js");
const {
  checkTemperature, isOtherDocument, isPhone, isPlate, normaliseDocNumber, normalisePhone, normalisePlate,
} = await import("../../offline/client/rules.js");

function verdict(c) {
  if (c.rule === "document") {
    const number = normaliseDocNumber(c.text);
    if (c.doc_type !== "cn_ric") return { ok: isOtherDocument(number), normalised: number };
    const found = classify(number);
    return { ok: found.kind === "id_number" && found.valid, normalised: found.text };
  }
  if (c.rule === "phone") {
    const phone = normalisePhone(c.text);
    return { ok: isPhone(phone), normalised: phone };
  }
  if (c.rule === "plate") {
    const plate = normalisePlate(c.text);
    return { ok: isPlate(plate), normalised: plate };
  }
  if (c.rule === "temperature") {
    const celsius = checkTemperature(c.value);
    return { ok: celsius !== null, normalised: celsius === null ? null : celsius.toFixed(1) };
  }
  throw new Error(`unknown rule ${c.rule}`);
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf-8"));
process.stdout.write(JSON.stringify(cases.map(verdict)));
