// The gate desk (static/js/gate-passage.js) under node, driven like the screen drives it.
// Usage: node run_gate_passage.mjs '{"ops": [[op, arg], ...]}' -> {steps, records, passage, waiting}
//        node run_gate_passage.mjs '{"fuzz": 2000, "seed": 7}' -> {runs, records, violations}
// Ops: scan KEY, visitor, fail (a scan that identified nobody), preset T, key K, save,
// remeasure, turnBack, answer true|false, direction in|out, sent. As on the screen, a step that
// answers "save" is saved at once.
import "./client-paths.mjs"; // gate-passage.js imports /client/offline/rules.js

const { Desk } = await import("../../static/js/gate-passage.js");

function person(key) {
  return { kind: "person", key, person: { doc_type: "cn_ric", doc_number: key } };
}

function drive(ops, onRecord = () => {}) {
  const desk = new Desk({ siteId: 1, threshold: 37.3 });
  const records = [];
  const steps = [];
  const save = () => {
    const built = desk.record();
    if (built.error) return built.error;
    const id = `r${records.length + 1}`;
    records.push({ id, ...built.data });
    onRecord(desk, built.data);
    desk.saved({ id, fever: built.fever, turnedBack: !!built.data.turned_back, temp: built.data.temperature_c });
    return "saved";
  };
  for (const [op, arg] of ops) {
    let step = null;
    if (op === "scan") step = desk.scan(person(arg));
    else if (op === "visitor") step = desk.visitor();
    else if (op === "fail") step = desk.failedScan();
    else if (op === "preset") step = desk.preset(arg);
    else if (op === "key") desk.key(arg);
    else if (op === "save") step = save();
    else if (op === "remeasure") desk.remeasure();
    else if (op === "turnBack") { desk.turnBack(); step = save(); }
    else if (op === "answer") desk.answer(arg);
    else if (op === "direction") desk.direction = arg;
    else if (op === "sent") desk.passage.sentToSample = true; // the "sent to be sampled" toggle
    if (step === "save") step = `save:${save()}`;
    steps.push(step);
  }
  return { steps, records, passage: desk.passage.who?.key ?? null, temp: desk.passage.temp,
    waiting: desk.waiting.map((w) => w.key), alert: desk.alert && { id: desk.alert.id, pending: desk.alert.pending },
    question: Boolean(desk.question) };
}

// Random shifts. Whoever stands at the desk when a temperature is taken owns it: a record's
// temperature must come from a reading taken while its own person was the passage's (or from
// one taken before anybody was scanned, which the next scan claims).
function fuzz(runs, seed) {
  let s = seed;
  const rand = (n) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
  const violations = [];
  let total = 0;
  for (let run = 0; run < runs; run++) {
    const ops = [];
    const readings = new Map(); // temperature reading -> who it was taken for (null: nobody yet)
    let next = 36.0;
    for (let i = 0; i < 30; i++) {
      const r = rand(14);
      if (r < 4) ops.push(["scan", `P${rand(6)}`]);
      else if (r < 6) { next = Math.round((next + 0.1) * 10) / 10; ops.push(["preset", next.toFixed(1)]); }
      else if (r < 8) { next = Math.round((next + 0.1) * 10) / 10; ops.push(["typed", next.toFixed(1)]); }
      else if (r === 6) ops.push(["fail"]);
      else if (r === 7) ops.push(["answer", rand(2) === 0]);
      else if (r === 8) ops.push(["save"]);
      else if (r === 9) ops.push(["remeasure"]);
      else if (r === 10) ops.push(["visitor"]);
      else ops.push(["direction", rand(2) ? "in" : "out"]);
    }
    // Replay, noting who stood at the desk for each reading, and check every record.
    const desk = new Desk({ siteId: 1, threshold: 37.3 });
    let count = 0;
    const save = () => {
      const built = desk.record();
      if (built.error) return;
      count += 1;
      const data = built.data;
      if (data.temperature_c !== undefined) {
        const owner = readings.get(data.temperature_c.toFixed(1));
        const who = data.person?.doc_number ?? (data.visitor ? "visitor" : null);
        if (owner !== null && owner !== undefined && owner !== who) violations.push({ run, ops, data, owner });
      }
      desk.saved({ id: `r${count}`, fever: built.fever, turnedBack: !!data.turned_back, temp: data.temperature_c });
    };
    for (const [op, arg] of ops) {
      let step = null;
      if (op === "scan") step = desk.scan(person(arg));
      else if (op === "visitor") step = desk.visitor();
      else if (op === "fail") step = desk.failedScan();
      else if (op === "preset") {
        if (!desk.blocked) readings.set(arg, desk.passage.who ? desk.passage.who.person?.doc_number ?? "visitor" : null);
        step = desk.preset(arg);
      } else if (op === "typed") {
        for (const k of arg.replace(".", "")) desk.key(k); // typed on the keypad, saved later
        if (!desk.blocked) readings.set(arg, desk.passage.who ? desk.passage.who.person?.doc_number ?? "visitor" : null);
      } else if (op === "save") save();
      else if (op === "remeasure") desk.remeasure();
      else if (op === "answer") desk.answer(arg);
      else if (op === "direction") desk.direction = arg;
    else if (op === "sent") desk.passage.sentToSample = true; // the "sent to be sampled" toggle
      if (step === "save") save();
    }
    total += count;
  }
  return { runs, records: total, violations: violations.slice(0, 3) };
}

const input = JSON.parse(process.argv[2]);
process.stdout.write(JSON.stringify(input.fuzz ? fuzz(input.fuzz, input.seed || 1) : drive(input.ops)));
