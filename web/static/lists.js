/* The lists' filter panel: open where there is room (a desk, a tablet held sideways), folded on a tablet held
   upright or a phone, where the list needs the screen; a tap on its summary opens it. */
(function () {
  "use strict";
  const panel = document.querySelector("details.filter-panel");
  if (panel && window.matchMedia("(min-width: 1000px)").matches) panel.open = true;
})();
