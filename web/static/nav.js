/* The header stays one row (56 px) on a tablet either way up and on a phone, for every role and in both
   languages: the navigation links that do not fit the row move, in order, into "More"; they come back when the
   row grows (a turned tablet, a shorter language). The menus are <details>, so a tap, Enter or Space opens them
   without this script; here Escape and a tap elsewhere close them. */
(function () {
  "use strict";
  const header = document.querySelector(".topbar");
  const row = header && header.querySelector(".nav-row");
  if (!row) return;
  const more = header.querySelector(".nav-more");
  const overflow = more.querySelector(".nav-overflow");
  const items = Array.from(row.children);  // the links in their order

  function fit() {
    header.classList.add("fitted");  // one row: the links that overflow are clipped until moved
    more.hidden = true;
    row.append(...items);
    let moved = 0;
    // Kept in the row while others can go: the current page's link (it says where one is) and a link showing a
    // count (unread alerts: a count inside a closed menu is a count nobody sees).
    const kept = (li) => li.querySelector("[aria-current], .nav-count:not([hidden])");
    const nav = row.parentElement;  // "More" shown takes room too: the row, or the nav, overflows then
    while (row.children.length && (row.scrollWidth > row.clientWidth + 1 || nav.scrollWidth > nav.clientWidth + 1)) {
      const movable = Array.from(row.children).filter((li) => !kept(li));
      const victim = movable.length ? movable[movable.length - 1] : row.children[row.children.length - 1];
      overflow.prepend(victim);
      moved += 1;
      more.hidden = false;
    }
    if (!moved) more.open = false;
    // keep the moved links in the navigation's order
    items.filter((li) => li.parentElement === overflow).forEach((li) => overflow.append(li));
  }

  function closeMenus(except) {
    header.querySelectorAll("details.menu[open]").forEach((menu) => { if (menu !== except) menu.open = false; });
  }

  header.querySelectorAll("details.menu").forEach((menu) => {
    menu.addEventListener("toggle", () => { if (menu.open) closeMenus(menu); });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = header.querySelector("details.menu[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("details.menu")) closeMenus(null);
  });

  fit();
  if ("ResizeObserver" in window) {
    // a turned tablet, and the outbox's count appearing beside the links (fit() changes neither size)
    const observer = new ResizeObserver(() => fit());
    [header, document.getElementById("outbox-count")].forEach((el) => el && observer.observe(el));
  } else {
    window.addEventListener("resize", fit);
  }
  if (document.fonts) document.fonts.ready.then(fit);
})();
