// The board refreshes itself every 30 s (htmx swaps #board whole): keep the kinds the supervisor
// unfolded or folded as they were, and unfold a kind when its line of the summary is tapped.
const folds = new Map(); // details id -> open

function remember() {
  document.querySelectorAll("#board details[id]").forEach((d) => folds.set(d.id, d.open));
}

function restore() {
  document.querySelectorAll("#board details[id]").forEach((d) => {
    if (folds.has(d.id)) d.open = folds.get(d.id);
  });
}

document.addEventListener("toggle", (event) => {
  if (event.target.matches?.("#board details[id]")) folds.set(event.target.id, event.target.open);
}, true);
document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target?.id === "board") remember();
});
document.body.addEventListener("htmx:afterSwap", restore);
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("#board a[data-unfold]");
  const target = link && document.querySelector(link.getAttribute("href"));
  if (target) {
    target.open = true;
    folds.set(target.id, true);
  }
});
