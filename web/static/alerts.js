/* The alerts inbox, read from the alerts API (GET /api/v1/alerts, POST /api/v1/alerts/{id}/ack). */
(function () {
  "use strict";
  const list = document.getElementById("alerts");
  if (!list) return;
  const api = list.dataset.api;
  const findingUrl = list.dataset.findingUrl;  // ".../findings/0": 0 is replaced by the finding's id
  const lang = document.documentElement.lang;
  // The zone's time (TIMEZONE), as on every page, whatever the device's own time zone is.
  const shown = {dateStyle: "medium", timeStyle: "short", timeZone: list.dataset.timezone};

  function acknowledge(alert) {
    return App.api(`${api}/${encodeURIComponent(alert.id)}/ack`, {method: "POST", json: {}});
  }

  function row(alert) {
    const li = App.el("li", alert.acked_dt ? "alert read" : "alert unread");
    const main = App.el(alert.subject_type === "finding" && findingUrl ? "a" : "div", "row-link row-main");
    if (main.tagName === "A") main.href = findingUrl.replace(/0$/, String(alert.subject_id));
    // In the page's words (the API's title and text are the e-mail's, in Chinese); what people wrote is marked.
    const stage = alert.kind === "overdue" ? "overdue" : alert.kind.startsWith("escalated") ? "escalation" : "reminder";
    main.appendChild(App.el("strong", "", App.t(`alert_${stage}`, {what: App.t(`alert_${alert.subject_type}`)})));
    const about = App.el("span", "desc");
    about.append(...App.tNodes("alert_about", {reference: App.t(`alert_ref_${alert.subject_type}`, {id: alert.subject_id}),
                                               summary: App.typed(alert.summary || "")}));
    main.appendChild(about);
    const deadline = new Date(`${alert.deadline}T00:00:00Z`).toLocaleDateString(lang, {dateStyle: "medium", timeZone: "UTC"});
    main.appendChild(App.el("span", "desc", App.t("alert_deadline", {date: deadline})));
    const facts = App.el("span", "desc");
    if (alert.enterprise_name) facts.append(App.typed(alert.enterprise_name), " · ");
    if (alert.raised_dt) facts.append(new Date(alert.raised_dt).toLocaleString(lang, shown));
    main.appendChild(facts);
    li.appendChild(main);
    if (!alert.acked_dt) {
      const button = App.el("button", "btn", App.t("acknowledge"));
      button.type = "button";
      button.addEventListener("click", async () => {
        button.disabled = true;
        const response = await acknowledge(alert).catch(() => null);
        if (response && response.ok) load();
        else button.disabled = false;
      });
      li.appendChild(button);
    }
    return li;
  }

  async function load() {
    let rows;
    try {
      const response = await App.api(`${api}?page_size=100`);
      if (!response.ok) throw new Error(String(response.status));
      rows = await response.json();
    } catch (e) {
      list.replaceChildren(App.el("li", "empty", App.t("alerts_failed")));
      return;
    }
    list.replaceChildren(...(rows.length ? rows.map(row) : [App.el("li", "empty", App.t("alerts_empty"))]));
  }

  load();
})();
