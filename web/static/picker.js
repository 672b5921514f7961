/* The enterprise picker of the card issue form (ARIA combobox with a list box): what is typed is looked up at
 * the form's JSON endpoint (data-picker) and the matches offered; arrow keys, Enter and Escape, or a tap, choose.
 * The choice's id goes in the hidden field named by data-picked; typing again clears it. Without this script the
 * field is a plain text box, and the server takes a full credit code or the exact name. No external code. */
(() => {
  "use strict";

  function setUp(box) {
    const input = box.querySelector("input[role=combobox]");
    const list = box.querySelector("[role=listbox]");
    const status = box.querySelector(".picker-status");
    const picked = document.getElementById(box.dataset.picked);
    if (!input || !list || !picked) return;
    const hint = status.textContent;  // how to use the field, said again once it is emptied
    let matches = [], active = -1, timer = null, asked = 0;

    const say = (text) => { status.textContent = text; };
    const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((option, n) => option.setAttribute("aria-selected", n === index ? "true" : "false"));
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      const match = matches[index];
      if (!match) return;
      input.value = match.name;
      picked.value = String(match.id);
      close();
      say(fill(box.dataset.chosen, {name: `${match.name} (${match.credit_code})`}));
    }

    function show(found) {
      matches = found;
      list.replaceChildren(...found.map((match, n) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${n}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        const name = document.createElement("strong");
        name.textContent = match.name;
        const code = document.createElement("span");
        code.className = "mono";
        code.textContent = match.credit_code;
        option.append(name, " ", code);
        if (match.card) {
          const card = document.createElement("span");
          card.className = `badge colour-${match.card}`;
          card.textContent = box.dataset[match.card] || match.card;
          option.append(" ", card);
        }
        // pointerdown keeps the focus in the input; the click (a tap or a mouse) chooses
        option.addEventListener("pointerdown", (event) => event.preventDefault());
        option.addEventListener("click", () => { choose(n); input.focus(); });
        return option;
      }));
      if (!found.length) {
        close();
        say(box.dataset.none);
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
      say(fill(box.dataset.count, {n: found.length}));
    }

    async function lookUp() {
      const q = input.value.trim();
      const ticket = ++asked;
      if (!q) { matches = []; list.replaceChildren(); close(); say(hint); return; }
      try {
        const response = await fetch(`${box.dataset.picker}?q=${encodeURIComponent(q)}`,
                                     {headers: {"Accept": "application/json"}, credentials: "same-origin"});
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        if (ticket === asked) show(body.matches); // an older answer arriving late is dropped
      } catch (error) {
        if (ticket === asked) { close(); say(box.dataset.failed); }
      }
    }

    input.addEventListener("input", () => {
      picked.value = "";  // what is typed no longer is the choice
      clearTimeout(timer);
      timer = setTimeout(lookUp, 200);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && matches.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { lookUp(); return; }
        highlight((active + 1) % matches.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? matches.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // choosing is not sending the form
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  document.querySelectorAll(".picker[data-picker]").forEach(setUp);
})();
