// Long supervisor pages summarise first and fold their details: a link of the summary to a
// folded part (a[data-unfold] href="#id", or the page opened at #id) unfolds it and brings it
// into view.
function unfold(id) {
  const target = id ? document.getElementById(id) : null;
  const fold = target?.closest("details") || null;
  if (!fold) return;
  fold.open = true;
  target.scrollIntoView({ block: "start" });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-unfold]");
  if (!link) return;
  event.preventDefault();
  const id = link.getAttribute("href").slice(1);
  history.replaceState(null, "", `#${id}`);
  unfold(id);
});
addEventListener("hashchange", () => unfold(location.hash.slice(1)));
unfold(location.hash.slice(1));
