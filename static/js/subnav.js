// The supervisor's pages are one swipeable row on a phone (app.css): the current page's button
// is scrolled to the middle of that row, or pages late in the row open with it out of sight.
const nav = document.querySelector(".subnav");
const current = nav?.querySelector('[aria-current="page"]');
if (current && nav.scrollWidth > nav.clientWidth) {
  const row = nav.getBoundingClientRect();
  const button = current.getBoundingClientRect();
  nav.scrollLeft += button.left - row.left - (row.width - button.width) / 2;
}
