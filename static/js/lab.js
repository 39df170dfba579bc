// The lab's receipt page: a keyboard-wedge scanner's burst anywhere on the page confirms that
// box or tube at once (no need to tap the field first with gloves on).
import { attachWedge } from "/client/scanner/wedge.js";

const form = document.getElementById("receive-form");
const field = document.getElementById("receive-barcode");
if (form && field) {
  attachWedge(document, { field });
  document.addEventListener("scan", (event) => {
    const text = (event.detail.text || "").trim();
    if (!text) return;
    field.value = text;
    form.requestSubmit();
  });
}
