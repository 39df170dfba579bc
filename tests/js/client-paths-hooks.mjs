// Resolve and load hooks registered by client-paths.mjs: the browser's /client/<area>/x.js paths
// map to <area>/client/x.js, and /client/offline/rules-data.js (which the server generates from
// offline/client/rules.json, server/pages/client_files.py) is generated here the same way.
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);
const CLIENT = /^\/client\/(offline|scanner)\/(.+)$/;
const RULES_DATA = new URL("offline/client/rules-data.js", ROOT).href;

export async function resolve(specifier, context, next) {
  const match = CLIENT.exec(specifier);
  const url = match ? new URL(`${match[1]}/client/${match[2]}`, ROOT).href
    : context.parentURL && new URL(specifier, context.parentURL).href;
  if (url === RULES_DATA) return { url, shortCircuit: true };
  return match ? next(url, context) : next(specifier, context);
}

export async function load(url, context, next) {
  if (url !== RULES_DATA) return next(url, context);
  const rules = readFileSync(new URL("offline/client/rules.json", ROOT), "utf-8");
  return { format: "module", source: `export default ${rules};\n`, shortCircuit: true };
}
