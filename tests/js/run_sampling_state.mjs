// The sampling screen's state module under node: masks and the slot rule.
// Usage: node run_sampling_state.mjs '{"names": [...], "numbers": [...]}' -> JSON on stdout.
import { maskName, maskNumber } from "../../static/js/feedback.js";
import "./client-paths.mjs"; // sampling-state.js imports /client/offline/day.js

const { SamplingState } = await import("../../static/js/sampling-state.js");
const { today } = await import("../../offline/client/day.js");

const input = JSON.parse(process.argv[2]);
const memory = new Map();
const storage = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, v) };
const state = new SamplingState(1, storage);
state.openTube("T1", 3);
for (const id of ["a", "b", "c"]) state.addMember("T1", { record_id: id, hash: id, label: id });
state.removeMember("T1", "b");
state.addMember("T1", { record_id: "d", hash: "d", label: "d" });
const reloaded = new SamplingState(1, storage);

// One resident under two identities (QR code, ID card) shares the roster's person key.
const people = new SamplingState(2, storage);
people.openTube("T2", 10);
people.addMember("T2", { record_id: "qr", hash: "h-qr", person: "K1", label: "qr" });
people.addMember("T2", { record_id: "r2", hash: "h2", label: "r2" });
people.addMember("T2", { record_id: "r3", hash: "h3", label: "r3" });
const sameByKey = people.memberLike("T2", "h-id", "K1")?.record_id ?? null;
const otherKey = people.memberLike("T2", "h-id", "K9")?.record_id ?? null;
people.openTube("T3", 10);
const elsewhereByKey = people.tubeOf("h-id", "T3", "K1");
// The server refused r2: its slot is freed (the next person takes it) and a note stays.
const note = people.unslot("r2", "refused", { code: "invalid_field", field: "person.code" });
people.select("T2");
const next = people.addMember("T2", { record_id: "r4", hash: "h4", label: "r4" });
const afterRefusal = people.tube("T2").members.map((m) => [m.record_id, m.slot]);
// Corrected on the attention page: it takes a slot again, under its new identity.
people.correct("r2", { hash: "h2b", person: "K2", label: "r2b" });
const corrected = people.tube("T2").members.map((m) => [m.record_id, m.slot, m.label]);
const notesAfterCorrection = people.tube("T2").notes.length;
const knownAgain = people.memberLike("T2", "zz", "K2")?.record_id ?? null;
// A duplicate the server stored without a slot, then discarded: gone from the tube.
people.unslot("r3", "twice");
const twiceNote = people.tube("T2").notes.map((n) => [n.record_id, n.kind]);
people.drop("r3");
const afterDrop = new SamplingState(2, storage).tube("T2");

process.stdout.write(JSON.stringify({
  names: input.names.map(maskName),
  numbers: input.numbers.map(maskNumber),
  slots: reloaded.tube("T1").members.map((m) => [m.record_id, m.slot]),
  current: reloaded.current.barcode,
  sameByKey, otherKey, elsewhereByKey,
  note: [note.record_id, note.kind, note.slot, note.tube],
  next: next.slot, afterRefusal, corrected, notesAfterCorrection, knownAgain, twiceNote,
  afterDrop: [afterDrop.members.map((m) => m.record_id), afterDrop.notes.length],
  // The day of each instant in each zone: [[iso, zone, day], ...].
  days: input.instants.flatMap((iso) => input.zones.map((zone) => [iso, zone, today(new Date(iso), zone)])),
}));
