// Feeds a list of frames ({text, format} or null, at ms) to read-guard.js's ReadGuard and prints
// which reads counted. Usage: node read_guard.mjs FRAMES.json, the file holding the list of
// frames or {"options": {...ReadGuard options}, "frames": [...]}.
import { readFileSync } from "node:fs";
import { ReadGuard } from "../../scanner/client/read-guard.js";

const input = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const { options = {}, frames } = Array.isArray(input) ? { frames: input } : input;
const guard = new ReadGuard(options);
const counted = frames.map((f) => guard.offer(f.read, { now: f.at, deliberate: Boolean(f.deliberate) }));
process.stdout.write(JSON.stringify(counted.map((c) => (c ? c.text : null))));
