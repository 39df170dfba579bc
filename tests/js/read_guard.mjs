// Feeds a list of frames ({text, format} or null, at ms) to camera.js's ReadGuard and prints
// which reads counted. Usage: node read_guard.mjs FRAMES.json
import { readFileSync } from "node:fs";
import { ReadGuard } from "../../scanner/client/camera.js";

const frames = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const guard = new ReadGuard();
const counted = frames.map((f) => guard.offer(f.read, { now: f.at, deliberate: Boolean(f.deliberate) }));
process.stdout.write(JSON.stringify(counted.map((c) => (c ? c.text : null))));
