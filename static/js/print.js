// Buttons marked data-print open the browser's print dialog (no inline scripts under our CSP).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
