// Records the server refused: show the server's message, let the user correct or discard.
import * as outbox from "/client/offline/outbox.js";
import { latestOnly } from "/client/offline/latest.js";
import { events } from "/client/offline/sync.js";

const MESSAGES = {
  zh: { fix: "修改后重新上传", discard: "放弃此记录", reason: "请填写放弃原因（必填）：",
    rejected: "被服务器拒绝", conflict: "与服务器已有记录冲突", field: "字段" },
  en: { fix: "Correct and resend", discard: "Discard this record", reason: "Why discard it (required)?",
    rejected: "Rejected by the server", conflict: "Conflicts with the server's record", field: "Field" },
};
const t = MESSAGES[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];

function getPath(data, path) {
  return path.split(".").reduce((v, k) => (v && typeof v === "object" ? v[k] : undefined), data);
}

function setPath(data, path, value) {
  const copy = structuredClone(data);
  const keys = path.split(".");
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k] = node[k] && typeof node[k] === "object" ? node[k] : {};
  const old = node[keys.at(-1)];
  node[keys.at(-1)] = typeof old === "number" && value !== "" && !Number.isNaN(Number(value)) ? Number(value) : value;
  return copy;
}

function item(entry) {
  const li = document.createElement("li");
  li.className = "attention-item";
  li.dataset.id = entry.id;
  li.dataset.version = version(entry);
  const title = document.createElement("p");
  title.textContent = `#${entry.seq} ${entry.type} · ${entry.recorded_at.slice(0, 16).replace("T", " ")} · ` +
    `${entry.state === "conflict" ? t.conflict : t.rejected}`;
  const message = document.createElement("p");
  message.className = "error";
  message.textContent = entry.error?.message || entry.error?.code || "";
  li.append(title, message);
  const field = entry.error?.field;
  if (entry.state === "rejected" && field && field.split(".")[0] !== "id") {
    const label = document.createElement("label");
    label.textContent = `${t.field}: ${field}`;
    const input = document.createElement("input");
    input.className = "fix-value";
    input.value = getPath(entry.data, field) ?? "";
    const fix = document.createElement("button");
    fix.type = "button";
    fix.className = "btn primary fix";
    fix.textContent = t.fix;
    fix.addEventListener("click", async () => {
      await outbox.correct(entry.id, setPath(entry.data, field, input.value.trim()));
      dispatchEvent(new Event("outbox-changed"));
      await show();
    });
    li.append(label, input, fix);
  }
  const discard = document.createElement("button");
  discard.type = "button";
  discard.className = "btn danger discard";
  discard.textContent = t.discard;
  discard.addEventListener("click", async () => {
    const reason = (window.prompt(t.reason) || "").trim();
    if (!reason) return;
    await outbox.discard(entry.id, reason.slice(0, 200));
    dispatchEvent(new Event("outbox-changed"));
    await show();
  });
  li.append(discard);
  return li;
}

// What an item shows; an item whose version is unchanged is kept as it is, so a sync tick
// does not wipe a correction the user is typing.
function version(entry) {
  return JSON.stringify([entry.id, entry.state, entry.error, entry.data]);
}

const show = latestOnly(() => outbox.needingAttention(), (entries) => {
  const list = document.getElementById("attention-list");
  const shown = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const unchanged = entries.length === list.children.length &&
    entries.every((entry, i) => list.children[i].dataset.version === version(entry));
  // Moving a node drops its focus: leave an unchanged list alone while the user types in it.
  if (!unchanged) list.replaceChildren(...entries.map((entry) => {
    const li = shown.get(entry.id);
    return li && li.dataset.version === version(entry) ? li : item(entry);
  }));
  document.getElementById("attention-empty").hidden = entries.length > 0;
});

show();
addEventListener("outbox-changed", show);
events.addEventListener("status", show);
