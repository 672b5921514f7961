/* The alerts inbox, read from the alerts API (GET /api/v1/alerts, POST /api/v1/alerts/ack). The filters are the
 * page's URL (the filter form is a plain GET form), so a link or the back button gives the same view. */
(function () {
  "use strict";
  const list = document.getElementById("alerts");
  if (!list) return;
  const api = list.dataset.api;
  const ackUrl = list.dataset.ack;
  const findingUrl = list.dataset.findingUrl;  // ".../findings/0": 0 is replaced by the finding's id
  const words = JSON.parse(list.dataset.words);
  const lang = document.documentElement.lang;
  // The zone's time (TIMEZONE), as on every page, whatever the device's own time zone is.
  const shown = {dateStyle: "medium", timeStyle: "short", timeZone: list.dataset.timezone};
  const day = {dateStyle: "medium", timeZone: "UTC"};  // a deadline is a calendar date, not an instant
  const total = document.getElementById("alerts-total");
  const errorBox = document.getElementById("alerts-error");
  const ackSelected = document.getElementById("ack-selected");
  const ackAll = document.getElementById("ack-all");
  const pager = document.getElementById("alerts-pager");
  const PAGE_SIZE = 50;
  const UNREAD_CAP = 100;  // alerts.service.UNREAD_CAP: the navigation shows "99+" from here
  const FILTERS = ["kind", "stage", "subject_type", "enterprise_id", "raised_from", "raised_to"];

  /** The view the URL asks for: the filters the API knows (empty ones left out), read or not, the page. */
  function view() {
    const url = new URLSearchParams(location.search);
    const filter = {};
    for (const name of FILTERS) if (url.get(name)) filter[name] = url.get(name);
    const unread = url.get("unread") || "";
    const page = Math.max(1, parseInt(url.get("page"), 10) || 1);
    return {filter, unread, page};
  }

  /** The filter form shows the URL's view: a browser going back may restore what was last chosen instead. */
  function showFilters() {
    const url = new URLSearchParams(location.search);
    for (const control of document.getElementById("alert-filters").elements) {
      if (control.name) control.value = url.get(control.name) || "";
    }
  }

  function pageUrl(page) {
    const url = new URLSearchParams(location.search);
    url.set("page", String(page));
    return `?${url}`;
  }

  function showBadge(unread) {
    const badge = document.querySelector('[data-nav-count="web.alerts"]');
    if (!badge) return;
    badge.textContent = unread >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(unread);
    badge.hidden = unread === 0;
  }

  /** The API's refusal in a line: its message and each field's complaint. */
  async function refusal(response) {
    const body = await response.json().catch(() => ({}));
    const fields = [];
    (function walk(errors, path) {
      for (const [key, value] of Object.entries(errors || {})) {
        if (Array.isArray(value)) fields.push(`${path.concat(key).join(".")}: ${value.join(" ")}`);
        else if (value && typeof value === "object") walk(value, key === "json" || key === "query" ? path : path.concat(key));
      }
    })(body.errors, []);
    return `${words.bad_filter} ${fields.length ? fields.join("; ") : body.message || response.status}`;
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function row(alert) {
    const li = App.el("li", alert.acked_dt ? "alert read" : "alert unread");
    li.dataset.alert = alert.id;
    const what = [words.stages[alert.stage], words.subjects[alert.subject_type]].filter(Boolean).join(" · ");
    if (!alert.acked_dt) {
      const box = App.el("input", "pick");
      box.type = "checkbox";
      box.value = alert.id;
      box.setAttribute("aria-label", `${words.select}: ${what || alert.kind}`);
      box.addEventListener("change", selectionChanged);
      const label = App.el("label", "pick-box");
      label.appendChild(box);
      li.appendChild(label);
    }
    const main = App.el(alert.subject_type === "finding" && findingUrl ? "a" : "div", "row-link row-main");
    if (main.tagName === "A") main.href = findingUrl.replace(/0$/, String(alert.subject_id));
    // In the page's words (the API's title and text are the e-mail's, in Chinese); what people wrote is marked.
    main.appendChild(App.el("strong", "", what || alert.kind));
    if (alert.summary) main.appendChild(App.typed(alert.summary, "span", "desc"));
    const facts = App.el("span", "desc");
    if (alert.enterprise_name) facts.append(App.typed(alert.enterprise_name), " · ");
    if (alert.deadline) facts.append(`${words.deadline} ${new Date(alert.deadline).toLocaleDateString(lang, day)} · `);
    if (alert.raised_dt) facts.append(new Date(alert.raised_dt).toLocaleString(lang, shown));
    main.appendChild(facts);
    li.appendChild(main);
    if (!alert.acked_dt) {
      const button = App.el("button", "btn", App.t("acknowledge"));
      button.type = "button";
      button.addEventListener("click", () => acknowledge({ids: [alert.id]}, button));
      li.appendChild(button);
    }
    return li;
  }

  function picked() {
    return Array.from(list.querySelectorAll("input.pick:checked"), (box) => Number(box.value));
  }

  function selectionChanged() {
    ackSelected.disabled = picked().length === 0;
  }

  async function acknowledge(body, button) {
    button.disabled = true;
    showError("");
    const response = await App.api(ackUrl, {method: "POST", json: body}).catch(() => null);
    if (response && response.ok) {
      showBadge((await response.json()).unread);
      load();
    } else {
      button.disabled = false;
      showError(response ? await refusal(response) : App.t("alerts_failed"));
    }
  }

  function showPager(page, pages) {
    pager.hidden = pages <= 1;
    document.getElementById("page-of").textContent = words.page.replace("%(page)s", page).replace("%(pages)s", pages);
    for (const [id, target] of [["page-prev", page - 1], ["page-next", page + 1]]) {
      const link = document.getElementById(id);
      const usable = target >= 1 && target <= pages;
      link.toggleAttribute("aria-disabled", !usable);
      if (usable) link.href = pageUrl(target); else link.removeAttribute("href");
    }
  }

  let current = {count: 0};

  async function load() {
    const {filter, unread, page} = view();
    const query = new URLSearchParams({...filter, page: String(page), page_size: String(PAGE_SIZE)});
    if (unread) query.set("unread", unread);
    let rows;
    try {
      const response = await App.api(`${api}?${query}`);
      if (response.status === 422) {
        list.replaceChildren(App.el("li", "empty", App.t("alerts_empty")));
        showError(await refusal(response));
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const paging = JSON.parse(response.headers.get("X-Pagination") || "{}");
      current = {count: paging.total || 0, filter};
      rows = await response.json();
      total.textContent = words.total.replace("%(n)s", String(current.count));
      showPager(page, Math.max(1, paging.total_pages || 1));
    } catch (e) {
      list.replaceChildren(App.el("li", "empty", App.t("alerts_failed")));
      return;
    }
    list.replaceChildren(...(rows.length ? rows.map(row) : [App.el("li", "empty", App.t("alerts_empty"))]));
    ackAll.disabled = unread === "false" || current.count === 0;
    selectionChanged();
  }

  ackSelected.addEventListener("click", () => acknowledge({ids: picked()}, ackSelected));
  ackAll.addEventListener("click", () => {
    // Every unread alert the filter matches, on every page: the server applies the same filter.
    if (window.confirm(words.confirm_all)) {
      acknowledge({filter: current.filter}, ackAll);
    }
  });

  // Back or forward to a page kept whole by the browser (bfcache): show that page's view afresh.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      showFilters();
      load();
    }
  });
  showFilters();
  load();
})();
