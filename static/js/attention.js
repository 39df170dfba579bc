// Records the server refused: say why in the user's language, let the user correct them (the
// record keeps its id and seq, so the server stores it once) or discard them with a reason.
// A refused person (an unknown personal code, an ID number failing its check) is corrected
// with a whole person form: document type and number, name, phone. A corrected or discarded
// sample also fixes the sampling screen's tube on this phone.
import * as outbox from "/client/offline/outbox.js";
import { NoServerKey, NothingWaiting, build as buildHandover, waitingCount } from "/client/offline/handover.js";
import { latestOnly } from "/client/offline/latest.js";
import { messages } from "/client/offline/messages.js";
import * as session from "/client/offline/session.js";
import { events } from "/client/offline/sync.js";
import { OTHER_DOC_LENGTH, PHONE_DIGITS, isOtherDocument, isPhone, normaliseDocNumber, normalisePhone } from "/client/offline/rules.js";
import { classify } from "/client/scanner/classify.js";
import { describe, fieldName, typeName } from "./record-errors.js";
import { loadRoster } from "./sampling-roster.js";
import { compact, maskName, maskNumber } from "./feedback.js";
import { SamplingState } from "./sampling-state.js";

const MESSAGES = {
  zh: { fix: "修改后重新上传", discard: "放弃此记录", discardWhy: "为什么放弃此记录？",
    reasons: ["已重新扫描或登记", "重复记录", "录错了"], other: "其他原因…", confirm: "确认放弃",
    cancel: "取消", reasonLabel: "放弃原因", needReason: "请填写放弃原因",
    rejected: "被服务器拒绝", conflict: "与服务器已有记录冲突", unreadable: "无法解密", personForm: "请改填此人的证件：",
    docType: "证件类型", docNumber: "证件号码", name: "姓名（选填）", phone: "电话（选填）",
    badId: "身份证号校验失败，请逐位核对", badDoc: `证件号码格式错误（${OTHER_DOC_LENGTH} 位字母或数字）`,
    badPhone: `电话号码只能是数字（${PHONE_DIGITS} 位）`, badName: "姓名最多 60 个字", needValue: "请填写新的值",
    inTube: (b, slot) => `此人已在试管 ${b} 第 ${slot} 位：无需改正，请放弃此记录`,
    tube: (b) => `试管 ${b}`, box: (b) => `转运箱 ${b}`, code: "个人码", temperature: (c) => `${c} °C`,
    exportN: (n) => `导出交接文件（${n} 条记录）`, noKey: "本机还没有服务器的交接公钥：请先联网登录一次。",
    nothing: "本机没有等待上传的记录。", exporting: "正在加密导出…",
    exported: (n, name) => `已导出 ${n} 条记录到文件 ${name}：请交给主管在“交接文件”页面导入。记录仍保留在本机，联网后照常上传，不会重复。`,
    exportFailed: (why) => `导出失败：${why}` },
  en: { fix: "Correct and resend", discard: "Discard this record", discardWhy: "Why discard this record?",
    reasons: ["Scanned or entered again", "Duplicate record", "Entered by mistake"], other: "Other reason…",
    confirm: "Discard", cancel: "Cancel", reasonLabel: "Reason", needReason: "Give a reason",
    rejected: "Rejected by the server", conflict: "Conflicts with the server's record", unreadable: "Cannot be decrypted",
    personForm: "Enter this person's document instead:", docType: "Document type", docNumber: "Document number",
    name: "Name (optional)", phone: "Phone (optional)", badId: "The ID number fails its check: check it digit by digit",
    badDoc: `Document number: ${OTHER_DOC_LENGTH} letters or digits`, badPhone: `The phone number must be ${PHONE_DIGITS} digits`,
    badName: "The name is at most 60 characters", needValue: "Enter the new value",
    inTube: (b, slot) => `This person is already in tube ${b}, slot ${slot}: discard this record`,
    tube: (b) => `Tube ${b}`, box: (b) => `Box ${b}`, code: "Personal code", temperature: (c) => `${c} °C`,
    exportN: (n) => `Export hand-over file (${n} records)`,
    noKey: "This phone does not have the server's hand-over key yet: log in once while online.",
    nothing: "No record waits on this phone.", exporting: "Encrypting…",
    exported: (n, name) => `${n} records exported to ${name}: give it to your supervisor to import on the hand-over page. The records stay on this phone and are sent as usual once online; nothing is stored twice.`,
    exportFailed: (why) => `Export failed: ${why}` },
};
const t = messages(MESSAGES);

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

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function field(labelText, input) {
  input.id = input.id || `f-${crypto.randomUUID()}`;
  return [el("label", { htmlFor: input.id, textContent: labelText }), input];
}

/** What the record is about, masked: tube, box, person, temperature. */
function summary(entry) {
  const data = entry.data || {};
  const parts = [];
  if (typeof data.tube === "string") parts.push(t.tube(data.tube));
  if (typeof data.box === "string") parts.push(t.box(data.box));
  const person = data.person;
  if (person && typeof person.code === "string") {
    parts.push(`${t.code} ${compact(maskNumber(person.code.slice(4)))}`);
  }
  else if (person && typeof person.doc_number === "string") {
    parts.push(`${maskName(person.name || "")} ${maskNumber(person.doc_number)}`.trim());
  }
  if (typeof data.temperature_c === "number") parts.push(t.temperature(data.temperature_c));
  return parts.join(" · ");
}

/** The person a form describes, or an error message. */
function personFrom(form) {
  const docType = form.docType.value;
  let number = normaliseDocNumber(form.number.value);
  const name = form.name.value.trim();
  const phone = normalisePhone(form.phone.value);
  if (!number) return { error: t.needValue };
  if (docType === "cn_ric") {
    const verdict = classify(number);
    if (verdict.kind !== "id_number" || !verdict.valid) return { error: t.badId };
    number = verdict.text;
  } else if (!isOtherDocument(number)) {
    return { error: t.badDoc };
  }
  if ([...name].length > 60) return { error: t.badName };
  if (phone && !isPhone(phone)) return { error: t.badPhone };
  return { person: { doc_type: docType, doc_number: number, ...(name ? { name } : {}), ...(phone ? { phone } : {}) } };
}

/** For a refused sample: the sampling screen's state of its site, and what the correction
 *  means there (the person's hash and roster key; a clash with someone in the same tube). */
async function inTube(entry, person) {
  if (entry.type !== "sample" || !entry.data?.site_id) return null;
  const state = new SamplingState(entry.data.site_id);
  const found = state.findRecord(entry.id);
  if (!found) return null;
  const me = await session.current();
  const roster = me ? await loadRoster(me.user_id) : null;
  const hash = await state.personHash(person, roster);
  const key = roster ? await roster.personOfDocument(person.doc_type, person.doc_number) : null;
  const same = state.memberLike(found.barcode, hash, key);
  const clash = same && same.record_id !== entry.id ? { barcode: found.barcode, slot: same.slot } : null;
  return { state, hash, key, clash };
}

async function correct(entry, data, then = null) {
  await outbox.correct(entry.id, data);
  then?.();
  dispatchEvent(new Event("outbox-changed"));
  await show();
}

function personForm(entry, li, message) {
  const current = entry.data?.person && typeof entry.data.person === "object" ? entry.data.person : {};
  const docType = el("select", { className: "fix-doc-type" });
  docType.append(document.getElementById("doc-type-options").content.cloneNode(true));
  docType.value = current.doc_type && !current.code ? current.doc_type : "cn_ric";
  const number = el("input", { className: "fix-value", autocomplete: "off", autocapitalize: "characters",
    spellcheck: false, value: current.code ? "" : current.doc_number || "" });
  const name = el("input", { className: "fix-name", autocomplete: "off", value: current.name || "" });
  const phone = el("input", { className: "fix-phone", autocomplete: "off", inputMode: "tel", value: current.phone || "" });
  const fix = el("button", { type: "button", className: "btn primary big fix", textContent: t.fix });
  fix.addEventListener("click", async () => {
    const { person, error } = personFrom({ docType, number, name, phone });
    if (error) { message.textContent = error; return; }
    const there = await inTube(entry, person);
    if (there?.clash) { message.textContent = t.inTube(there.clash.barcode, there.clash.slot); return; }
    const label = `${maskName(person.name || "")} ${maskNumber(person.doc_number)}`.trim();
    await correct(entry, { ...entry.data, person },
      () => there?.state.correct(entry.id, { hash: there.hash, person: there.key, label }));
  });
  const form = el("div", { className: "stack person-fix" }, el("p", { textContent: t.personForm }),
    ...field(t.docType, docType), ...field(t.docNumber, number), ...field(t.name, name),
    ...field(t.phone, phone), fix);
  li.append(form);
}

function valueForm(entry, li, path, message) {
  const input = el("input", { className: "fix-value", value: getPath(entry.data, path) ?? "" });
  const fix = el("button", { type: "button", className: "btn primary big fix", textContent: t.fix });
  fix.addEventListener("click", async () => {
    const value = input.value.trim();
    if (!value) { message.textContent = t.needValue; return; }
    await correct(entry, setPath(entry.data, path, value));
  });
  li.append(el("div", { className: "stack" }, ...field(fieldName(path), input), fix));
}

function discardArea(entry) {
  const open = el("button", { type: "button", className: "btn danger discard", textContent: t.discard });
  const input = el("input", { className: "discard-reason", autocomplete: "off", placeholder: t.reasonLabel,
    hidden: true });
  const confirm = el("button", { type: "button", className: "btn danger confirm-discard", textContent: t.confirm,
    hidden: true });
  const problem = el("p", { className: "error", role: "alert" });
  const finish = async (reason) => {
    if (!reason) { problem.textContent = t.needReason; input.focus(); return; }
    await outbox.discard(entry.id, reason.slice(0, 200));
    if (entry.type === "sample" && entry.data?.site_id) new SamplingState(entry.data.site_id).drop(entry.id);
    dispatchEvent(new Event("outbox-changed"));
    await show();
  };
  const presets = t.reasons.map((reason) => el("button", { type: "button", className: "btn reason",
    textContent: reason, onclick: () => finish(reason) }));
  const other = el("button", { type: "button", className: "btn reason other", textContent: t.other,
    onclick: () => { input.hidden = false; confirm.hidden = false; input.focus(); } });
  const cancel = el("button", { type: "button", className: "btn", textContent: t.cancel });
  const choices = el("div", { className: "discard-reasons", hidden: true },
    el("p", { textContent: t.discardWhy }), el("div", { className: "choices" }, ...presets, other),
    input, confirm, problem, cancel);
  open.addEventListener("click", () => { choices.hidden = false; open.hidden = true; });
  cancel.addEventListener("click", () => { choices.hidden = true; open.hidden = false; });
  confirm.addEventListener("click", () => finish(input.value.trim()));
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") confirm.click(); });
  return el("div", { className: "discard-area" }, open, choices);
}

function item(entry) {
  const li = el("li", { className: "attention-item", id: `r-${entry.id}` });
  li.dataset.id = entry.id;
  li.dataset.version = version(entry);
  const when = String(entry.recorded_at || "").slice(5, 16).replace("T", " ");
  const why = { conflict: t.conflict, unreadable: t.unreadable }[entry.state] || t.rejected;
  li.append(el("p", { className: "attention-title", textContent:
    `#${entry.seq} ${typeName(entry.type)} · ${when} · ${why}` }));
  const what = summary(entry);
  if (what) li.append(el("p", { className: "attention-what", textContent: what }));
  const message = el("p", { className: "error", role: "alert",
    textContent: entry.state === "conflict" ? describe({ code: "conflict" }) : describe(entry.error) });
  li.append(message);
  const path = entry.error?.field;
  if (entry.state === "rejected" && path) {
    const top = path.split(".")[0];
    if (top === "person") personForm(entry, li, message);
    else if (top !== "id" && top !== "seq" && top !== "data") valueForm(entry, li, path, message);
  }
  li.append(discardArea(entry));
  return li;
}

// What an item shows; an item whose version is unchanged is kept as it is, so a sync tick
// does not wipe a correction the user is typing.
function version(entry) {
  return JSON.stringify([entry.id, entry.state, entry.error, entry.data]);
}

// The record a link named (#record=<id>, from the sampling screen) comes first, marked: in view
// at once, whatever the height of the status bar above it.
const named = new URLSearchParams(location.hash.slice(1)).get("record");

const show = latestOnly(() => outbox.needingAttention(), (entries) => {
  if (named) entries.sort((a, b) => (b.id === named) - (a.id === named));
  const list = document.getElementById("attention-list");
  const shown = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const unchanged = entries.length === list.children.length &&
    entries.every((entry, i) => list.children[i].dataset.version === version(entry));
  // Moving a node drops its focus: leave an unchanged list alone while the user types in it.
  if (!unchanged) list.replaceChildren(...entries.map((entry) => {
    const li = shown.get(entry.id);
    return li && li.dataset.version === version(entry) ? li : item(entry);
  }));
  list.querySelector(".named")?.classList.remove("named");
  if (named) document.getElementById(`r-${named}`)?.classList.add("named");
  document.getElementById("attention-empty").hidden = entries.length > 0;
});

// ---- hand-over file --------------------------------------------------------------------------

const exportButton = document.getElementById("handover-export");
const exportStatus = document.getElementById("handover-status");

async function showWaiting() {
  const n = await waitingCount();
  exportButton.textContent = t.exportN(n);
  exportButton.disabled = n === 0;
}

exportButton.addEventListener("click", async () => {
  exportStatus.textContent = t.exporting;
  try {
    const { text, count, name } = await buildHandover();
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    exportStatus.textContent = t.exported(count, name);
  } catch (error) {
    exportStatus.textContent = error instanceof NoServerKey ? t.noKey
      : error instanceof NothingWaiting ? t.nothing : t.exportFailed(error?.message || error);
  }
});

show();
showWaiting();
addEventListener("outbox-changed", () => { show(); showWaiting(); });
events.addEventListener("status", () => { show(); showWaiting(); });
