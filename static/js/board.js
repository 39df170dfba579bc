// The board refreshes itself every 30 s (htmx swaps #board whole): keep the kinds the supervisor
// unfolded or folded as they were (static/js/folds.js unfolds a kind tapped in the summary).
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
