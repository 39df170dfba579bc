// The /scan test page: camera (or photo, or manual entry) and a wedge scanner feed one log.
import { attachScanner, warmUp } from "/client/scanner/camera.js";
import { attachWedge } from "/client/scanner/wedge.js";
import { classify } from "/client/scanner/classify.js";
import { messages } from "/client/offline/messages.js";

const KINDS = {
  zh: { tube: "试管", id_number: "身份证号", personal_code: "个人码", unknown: "无法识别", valid: "有效", invalid: "无效" },
  en: { tube: "tube", id_number: "ID number", personal_code: "personal code", unknown: "unknown", valid: "valid", invalid: "invalid" },
};
const words = messages(KINDS);

const container = document.getElementById("scanner");
const log = document.getElementById("scan-log");
const fieldSelect = document.getElementById("scan-field");
const siteSelect = document.getElementById("scan-site");

warmUp().catch(() => {}); // fetch the decoder while online, so the page works offline after
const scanner = attachScanner(container, { field: fieldSelect.value, autoStart: false });
attachWedge(container);
fieldSelect.addEventListener("change", () => scanner.setField(fieldSelect.value));

container.addEventListener("scan", (event) => {
  const { text, format, source } = event.detail;
  const pattern = siteSelect.selectedOptions[0]?.dataset.pattern || null;
  const verdict = classify(text, pattern);
  const item = document.createElement("li");
  item.className = verdict.valid ? "ok" : "bad";
  item.dataset.text = verdict.text;
  item.dataset.source = source;
  item.dataset.kind = verdict.kind;
  item.textContent = `${verdict.text} · ${words[verdict.kind]} · ${verdict.valid ? words.valid : words.invalid} · ${format} · ${source}`;
  log.prepend(item);
});
