// The sampling screen's state module under node: masks and the slot rule.
// Usage: node run_sampling_state.mjs '{"names": [...], "numbers": [...]}' -> JSON on stdout.
import { SamplingState, maskName, maskNumber } from "../../static/js/sampling-state.js";

const input = JSON.parse(process.argv[2]);
const memory = new Map();
const storage = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, v) };
const state = new SamplingState(1, storage);
state.openTube("T1", 3);
for (const id of ["a", "b", "c"]) state.addMember("T1", { record_id: id, hash: id, label: id });
state.removeMember("T1", "b");
state.addMember("T1", { record_id: "d", hash: "d", label: "d" });
const reloaded = new SamplingState(1, storage);
process.stdout.write(JSON.stringify({
  names: input.names.map(maskName),
  numbers: input.numbers.map(maskNumber),
  slots: reloaded.tube("T1").members.map((m) => [m.record_id, m.slot]),
  current: reloaded.current.barcode,
}));
