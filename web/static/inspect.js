/* The inspection form: enterprise, domain, checklist from the API, a finding for every failed item with
   photos from the camera. Submitting puts the inspection in the outbox (outbox.js), which sends it now or
   when the connection returns. The client_id is made once when the form starts and never changes. */
(function () {
  "use strict";
  const form = document.getElementById("inspection-form");
  if (!form) return;
  const config = JSON.parse(form.dataset.config);
  const t = App.t;
  const zh = document.documentElement.lang.startsWith("zh");
  const $ = (id) => document.getElementById(id);

  let clientId = App.uuid();
  let startedAt = new Date();  // the inspection starts when its form does
  let subject = "enterprise";  // or "premises"
  let enterprise = null;
  let premises = null;  // {id, name, address, landlord, tenants: [{tenancy_id, enterprise_id, name, unit}]}
  let checklist = null;
  let items = [];  // {item, li, result, required, photos: [{key, file, ready: Promise<File>}]}
  let sections = [];  // {entries, seen, button, hint, last}: the checklist's parts as shown
  let photoKeys = 0;  // each photo taken gets its own key, so adding or removing one changes the fingerprint

  function localToday() {
    // The zone's calendar date (deadlines are dates in Asia/Shanghai, whatever the tablet's own zone).
    return new Intl.DateTimeFormat("en-CA", {timeZone: config.timezone, year: "numeric", month: "2-digit",
                                             day: "2-digit"}).format(new Date());
  }

  function addDays(isoDate, days) {
    const d = new Date(`${isoDate}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  /** ``moment`` as the zone's wall clock for a datetime-local input: "YYYY-MM-DDTHH:MM". */
  function zoneWallClock(moment) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
      timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23"}).formatToParts(moment).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  }

  /** The instant a zone wall-clock value ("YYYY-MM-DDTHH:MM") names, whatever zone the tablet is set to. */
  function zoneInstant(value) {
    const asUtc = (text) => Date.parse(`${text}:00Z`);
    const wanted = asUtc(value);
    let guess = wanted;
    for (let i = 0; i < 2; i += 1) guess -= asUtc(zoneWallClock(new Date(guess))) - wanted;  // minus the offset
    return new Date(guess);
  }

  /** ``scroll`` false leaves the page where it is: the box sits in the sticky bar, always in view. */
  function showError(message, scroll = true) {
    const box = $("form-error");
    box.textContent = message;
    box.className = "flash flash-error";
    box.hidden = !message;
    if (message && scroll) box.scrollIntoView({block: "center"});
  }

  // ---- what is inspected: an enterprise, or rented premises (the landlord, each finding against it or a tenant) ----
  function chooseEnterprise(found) {
    enterprise = found;
    const chosen = $("enterprise-chosen");
    chosen.replaceChildren(App.typed(found.name, "strong"), App.el("span", "mono", ` ${found.credit_code}`));
    chosen.hidden = false;
    $("enterprise-results").replaceChildren();
    const domain = config.domainOfSector[found.sector];
    const checked = form.querySelector("input[name=domain]:checked");
    if (domain && !checked) {
      form.querySelector(`input[name=domain][value="${domain}"]`).checked = true;
    }
    loadChecklist();
  }

  function choosePremises(found) {
    premises = found;
    const chosen = $("premises-chosen");
    const tenants = found.tenants.length
      ? found.tenants.flatMap((tenant, n) => [...(n ? [document.createTextNode(t("list_separator"))] : []),
                                              ...App.tNodes("tenant_party", {name: App.typed(tenant.name),
                                                                             unit: App.typed(tenant.unit)})])
      : [document.createTextNode(t("no_tenants"))];
    const landlord = App.el("span", "", " ");
    landlord.append(...App.tNodes("landlord_party", {name: App.typed(found.landlord)}));
    const others = App.el("span", "muted", " · ");
    others.append(...tenants);
    chosen.replaceChildren(App.typed(found.name, "strong"), landlord, others);
    chosen.hidden = false;
    $("premises-results").replaceChildren();
    loadChecklist();
  }

  /** Enterprise or premises: the matching search shows, the other choice goes; premises are inspected in the
      premises domain only, and an enterprise in any other. */
  function applySubject() {
    subject = form.querySelector("input[name=subject]:checked").value;
    const onPremises = subject === "premises";
    $("enterprise-pick").hidden = onPremises;
    $("premises-pick").hidden = !onPremises;
    if (onPremises) enterprise = null;
    else premises = null;
    $(onPremises ? "enterprise-chosen" : "premises-chosen").hidden = true;
    form.querySelectorAll("input[name=domain]").forEach((input) => {
      const own = (input.value === "premises") === onPremises;
      input.disabled = !own;
      input.closest(".seg").hidden = !own;
      if (!own) input.checked = false;
      else if (onPremises) input.checked = true;
    });
    checklist = null;
    items = [];
    sections = [];
    $("checklist").replaceChildren();
    $("checklist-meta").textContent = "";
    $("checklist-notice").hidden = true;
    $("answer-key").hidden = true;
    $("checklist-status").hidden = false;
    showProgress();
    loadChecklist();
  }
  form.querySelectorAll("input[name=subject]").forEach((input) => input.addEventListener("change", applySubject));

  // ---- offline copies: the enterprises and premises directories and every domain's checklist, refreshed while
  // online ----
  const DIRECTORY_MAX_AGE_MS = 12 * 3600 * 1000;
  const DIRECTORIES = {
    enterprise: {key: "enterprise-directory-v1", url: config.enterpriseSearch, fields: ["name", "credit_code"],
                 keep: (r) => ({id: r.id, name: r.name, credit_code: r.credit_code, sector: r.sector, zone: r.zone})},
    premises: {key: "premises-directory-v1", url: config.premisesSearch, fields: ["name", "address"],
               keep: (r) => ({id: r.id, name: r.name, address: r.address, zone: r.zone, landlord: r.landlord,
                              tenants: r.tenants})},
  };

  function directory(kind) {
    try {
      return JSON.parse(localStorage.getItem(DIRECTORIES[kind].key)) || null;
    } catch (e) {
      return null;
    }
  }

  async function refreshDirectory(kind) {
    const known = directory(kind);
    if (known && known.user === config.user && Date.now() - known.fetched < DIRECTORY_MAX_AGE_MS) return;
    const {key, url, keep} = DIRECTORIES[kind];
    const rows = [];
    for (let page = 1; page <= 100; page += 1) {
      const response = await App.api(`${url}?page=${page}&page_size=100`);
      if (!response.ok) return;
      (await response.json()).forEach((r) => rows.push(keep(r)));
      const pages = JSON.parse(response.headers.get("X-Pagination") || "{}").total_pages || 1;
      if (page >= pages) break;
    }
    localStorage.setItem(key, JSON.stringify({user: config.user, fetched: Date.now(), rows}));
  }

  function searchOffline(kind, q) {
    const known = directory(kind);
    if (!known || known.user !== config.user) return null;
    const needle = q.toLowerCase();
    const fields = DIRECTORIES[kind].fields;
    return known.rows.filter((r) => fields.some((f) => (r[f] || "").toLowerCase().includes(needle))).slice(0, 20);
  }

  function serviceWorkerInControl() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(false);
    if (navigator.serviceWorker.controller) return Promise.resolve(true);
    return new Promise((resolve) => {  // the first visit: the worker takes control once it has installed
      navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
      setTimeout(() => resolve(false), 20000);
    });
  }

  async function warmOfflineCopies() {
    if (!navigator.onLine) return;
    try {
      await serviceWorkerInControl();
      await refreshDirectory("enterprise");
      await refreshDirectory("premises");
      // Fetched once here so the service worker keeps a copy for inspections started without signal.
      await Promise.all(config.domains.map((d) => App.api(config.checklist.replace("DOMAIN", d))));
      form.dataset.offlineReady = "1";
    } catch (e) { /* the connection dropped: the copies are refreshed on the next visit */ }
  }

  /** A search result's line: a span of text and nodes (typed text among them). */
  function lineOf(className, ...parts) {
    const line = App.el("span", className);
    line.append(...parts);
    return line;
  }

  const SEARCHES = {
    enterprise: {input: "enterprise-q", results: "enterprise-results", none: "no_results", choose: chooseEnterprise,
                 lines: (row) => [App.typed(row.name, "strong"), App.el("span", "mono", row.credit_code),
                                  lineOf("muted", `${config.sectors[row.sector] || row.sector} `,
                                         App.typed(row.zone || ""))]},
    premises: {input: "premises-q", results: "premises-results", none: "no_premises", choose: choosePremises,
               lines: (row) => [App.typed(row.name, "strong"),
                                lineOf("", ...App.tNodes("landlord_party", {name: App.typed(row.landlord)})),
                                lineOf("muted", App.typed(row.address || ""),
                                       ` · ${row.tenants.length} ${t("tenants_word")}`)]},
  };

  async function search(kind) {
    const {input, results, none, choose, lines} = SEARCHES[kind];
    const q = $(input).value.trim();
    const list = $(results);
    if (!q) return;
    let rows;
    try {
      const response = await App.api(`${DIRECTORIES[kind].url}?q=${encodeURIComponent(q)}&page_size=20`);
      if (!response.ok) throw new Error(String(response.status));
      rows = await response.json();
    } catch (e) {
      rows = searchOffline(kind, q);
      if (rows === null) {
        list.replaceChildren(App.el("li", "empty", t("search_failed")));
        return;
      }
    }
    if (!rows.length) {
      list.replaceChildren(App.el("li", "empty", t(none)));
      return;
    }
    list.replaceChildren(...rows.map((row) => {
      const li = document.createElement("li");
      const button = App.el("button", "choice");
      button.type = "button";
      button.append(...lines(row));
      button.addEventListener("click", () => choose(row));
      li.appendChild(button);
      return li;
    }));
  }

  for (const kind of Object.keys(SEARCHES)) {
    const box = $(SEARCHES[kind].input);
    let timer = null;
    box.addEventListener("input", () => {
      clearTimeout(timer);
      if (box.value.trim().length >= 2) timer = setTimeout(() => search(kind), 350);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        search(kind);
      }
    });
    $(`${kind}-search`).addEventListener("click", () => search(kind));
  }

  // ---- checklist ----
  function defaultDeadline(entry) {
    const severity = entry.li.querySelector(".f-sev").value;
    const days = severity === "major" ? config.deadlineDays.major
      : (entry.item.default_deadline_days || config.deadlineDays.general);
    return addDays(localToday(), days);
  }

  function option(value, text) {
    const node = App.el("option", "", text);
    node.value = value;
    return node;
  }

  function buildItem(item, index) {
    const li = $("item-template").content.firstElementChild.cloneNode(true);
    const entry = {item, li, result: null, photos: [], required: true};
    li.dataset.code = item.code;
    li.querySelector(".item-code").textContent = item.code;
    const text = li.querySelector(".item-text");
    text.textContent = zh ? item.text_zh : item.text_en;
    text.id = `item-text-${index}`;
    li.querySelector(".result-choice").setAttribute("aria-labelledby", text.id);  // the group is named by its item
    if (item.is_major) {
      const badge = li.querySelector(".item-major");
      badge.textContent = t("major");
      badge.hidden = false;
    }
    // 《short name》（number）clause: a bare "第三十五条" says nothing on its own.
    const basis = zh ? item.citation_zh : item.citation_en;
    if (basis) li.querySelector(".item-clause").replaceChildren(...App.tNodes("basis", {basis: basisNodes(item, basis)}));
    const labels = {passed: t("passed"), failed: t("failed"), not_applicable: t("not_applicable")};
    li.querySelectorAll(".result-choice input").forEach((input) => {
      input.name = `result-${index}`;
      input.nextElementSibling.textContent = labels[input.value];
      input.addEventListener("change", () => setResult(entry, input.value));
    });
    const ids = ["party", "desc", "cat", "sev", "deadline", "resp"];
    ids.forEach((name) => {
      const control = li.querySelector(`.f-${name}`);
      control.id = `f-${name}-${index}`;
      li.querySelector(`.l-${name}`).htmlFor = control.id;
    });
    if (premises) {
      // Whom a hazard of the premises is against: the landlord (inspected) or a tenant of today.
      li.querySelector(".party-field").hidden = false;
      li.querySelector(".l-party").textContent = t("party");
      const party = li.querySelector(".f-party");
      party.appendChild(option("landlord", t("landlord_party", {name: premises.landlord})));
      premises.tenants.forEach((tenant) => party.appendChild(
        option(`tenant:${tenant.enterprise_id}`, t("tenant_party", {name: tenant.name, unit: tenant.unit}))));
    }
    li.querySelector(".l-desc").textContent = t("description");
    li.querySelector(".l-cat").textContent = t("category");
    li.querySelector(".l-sev").textContent = t("severity");
    li.querySelector(".l-deadline").textContent = t("deadline");
    li.querySelector(".l-resp").textContent = t("responsible");
    li.querySelector(".l-photo").textContent = t("take_photo");
    const category = li.querySelector(".f-cat");
    config.categories.forEach((c) => category.appendChild(option(c, t(`cat_${c}`))));
    category.value = item.category;
    const severity = li.querySelector(".f-sev");
    config.severities.forEach((s) => severity.appendChild(option(s, t(s))));
    severity.value = item.is_major ? "major" : "general";
    severity.disabled = item.is_major;  // a failed major item is a major hazard by the standard
    const deadline = li.querySelector(".f-deadline");
    deadline.min = localToday();
    deadline.dataset.auto = "1";
    deadline.addEventListener("input", () => { deadline.dataset.auto = ""; });
    severity.addEventListener("change", () => {
      if (deadline.dataset.auto) deadline.value = defaultDeadline(entry);
    });
    const input = li.querySelector(".f-photos");
    input.id = `f-photos-${index}`;
    input.addEventListener("change", () => addPhotos(entry, input));
    return entry;
  }

  function setResult(entry, result) {
    entry.result = result;
    entry.li.dataset.result = result;
    const panel = entry.li.querySelector(".finding-panel");
    panel.hidden = result !== "failed";
    const deadline = entry.li.querySelector(".f-deadline");
    if (result === "failed" && deadline.dataset.auto) deadline.value = defaultDeadline(entry);
    showProgress();
  }

  function addPhotos(entry, input) {
    const thumbs = entry.li.querySelector(".thumbs");
    for (const file of Array.from(input.files || [])) {
      if (entry.photos.length >= config.maxPhotos) break;
      photoKeys += 1;
      // The thumbnail made here (HEIC too) is shown now and kept with the outbox entry, which shows it again.
      const photo = {key: photoKeys, file, ready: Photos.downscale(file).catch(() => file), thumb: Thumbs.make(file)};
      entry.photos.push(photo);
      thumbs.appendChild(Photos.thumb(file, () => {
        entry.photos = entry.photos.filter((p) => p !== photo);
      }, photo.thumb));
    }
    input.value = "";
  }

  // ---- sections (the standard's parts), progress and the items still to answer ----
  // Items of parts that do not apply to the enterprise are not required: they wait behind "show the other parts"
  // and are sent only when answered.
  const missingEntries = () => items.filter((entry) => entry.required && !entry.result);

  function showProgress() {
    const required = items.filter((entry) => entry.required);
    const missing = missingEntries();
    const progress = $("checklist-progress");
    progress.textContent = t("progress", {answered: required.length - missing.length, total: required.length});
    progress.hidden = !checklist;
    const next = $("next-missing");
    next.textContent = t("next_missing", {count: missing.length});
    next.hidden = !checklist || !missing.length;
    items.forEach((entry) => entry.li.classList.toggle("missing", entry.required && !entry.result));
    sections.forEach(showSection);
  }

  function showSection(section) {
    const left = section.entries.filter((entry) => !entry.result).length;
    section.button.textContent = t("mark_rest", {count: left});
    section.button.hidden = !left;
    section.button.disabled = !section.seen;
    section.hint.hidden = !left || section.seen;
  }

  /** The first unanswered item brought into view (clear of the sticky bars) with the focus on its answers. */
  function goToMissing() {
    const entry = missingEntries()[0];
    if (!entry) return;
    form.classList.add("show-missing");
    entry.li.scrollIntoView({block: "center"});
    entry.li.querySelector(".result-choice input").focus({preventScroll: true});
  }
  $("next-missing").addEventListener("click", goToMissing);

  /** "The rest of this section is not found": only for the items left, and only once the inspector has scrolled
      to the section's last item (it cannot be done without going through the section). */
  function markRest(section) {
    if (!section.seen) return;
    section.entries.filter((entry) => !entry.result).forEach((entry) => {
      entry.li.querySelector('.result-choice input[value="passed"]').checked = true;
      setResult(entry, "passed");
    });
  }

  let endWatcher = null;
  /** Each section counts as gone through once its last item's answers have been in view, clear of both bars. */
  function watchSectionEnds() {
    if (endWatcher) endWatcher.disconnect();
    const top = document.querySelector(".topbar");
    const bottom = form.querySelector(".submit-bar").offsetHeight;
    endWatcher = new IntersectionObserver((changes) => {
      changes.filter((change) => change.isIntersecting).forEach((change) => {
        const section = sections.find((s) => s.last === change.target);
        if (!section) return;
        section.seen = true;
        endWatcher.unobserve(change.target);
        showSection(section);
      });
    }, {rootMargin: `-${top ? top.offsetHeight : 0}px 0px -${bottom}px 0px`, threshold: 0.9});
    sections.forEach((section) => endWatcher.observe(section.last));
  }

  let sectionCount = 0;
  function buildSection(part, entries, required, titled) {
    const node = $("part-template").content.firstElementChild.cloneNode(true);
    const title = node.querySelector(".part-title");
    if (titled) {
      sectionCount += 1;
      title.id = `part-title-${sectionCount}`;
      title.textContent = part ? (zh ? part.title_zh : part.title_en) : t("other_items");
      node.setAttribute("aria-labelledby", title.id);
    } else {
      title.remove();
    }
    node.dataset.part = part ? part.code : "";
    node.querySelector(".checklist").replaceChildren(...entries.map((entry) => entry.li));
    const section = {entries, seen: false, button: node.querySelector(".mark-rest"),
                     hint: node.querySelector(".mark-rest-hint"),
                     last: entries[entries.length - 1].li.querySelector(".result-choice")};
    section.hint.textContent = t("mark_rest_hint");
    section.button.addEventListener("click", () => markRest(section));
    entries.forEach((entry) => {
      entry.required = required;
      entry.li.querySelector(".result-choice").setAttribute("aria-required", String(required));
    });
    sections.push(section);
    return node;
  }

  /** The checklist as sections: its parts in the standard's order (a checklist without parts is one section),
      items of no listed part after them, and the parts that do not apply to the enterprise collapsed behind a
      "show the other parts (N)" control. */
  function buildSections(data) {
    const parts = data.parts || [];
    const applies = data.applicable_parts ? new Set(data.applicable_parts) : null;
    const byPart = new Map(parts.map((part) => [part.code, []]));
    const rest = [];
    items.forEach((entry) => (byPart.get(entry.item.part) || rest).push(entry));
    const shown = [];
    const others = [];
    parts.filter((part) => byPart.get(part.code).length).forEach((part) => {
      const applying = !applies || applies.has(part.code);
      (applying ? shown : others).push(buildSection(part, byPart.get(part.code), applying, true));
    });
    if (rest.length) shown.push(buildSection(null, rest, true, parts.length > 0));
    if (!others.length) return shown;
    const box = App.el("div", "other-parts-box");
    box.id = "other-parts";
    box.hidden = true;
    box.replaceChildren(App.el("p", "flash flash-info", t("other_parts_note")), ...others);
    const toggle = App.el("button", "btn", t("show_other_parts", {count: others.length}));
    toggle.type = "button";
    toggle.id = "toggle-other-parts";
    toggle.setAttribute("aria-controls", box.id);
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      box.hidden = !box.hidden;
      toggle.setAttribute("aria-expanded", String(!box.hidden));
      toggle.textContent = box.hidden ? t("show_other_parts", {count: others.length}) : t("hide_other_parts");
    });
    const wrap = App.el("div", "other-parts");
    wrap.replaceChildren(toggle, box);
    return [...shown, wrap];
  }

  /** A date of the API (YYYY-MM-DD) written out in the page's language, as the pages write it (2026年9月30日). */
  function longDate(isoDate) {
    return new Intl.DateTimeFormat(document.documentElement.lang, {dateStyle: "long", timeZone: "UTC"})
      .format(new Date(`${isoDate}T00:00:00Z`));
  }

  /** A document's number as the page's language writes it (安监总管三〔2017〕121号: SAWS ... No. 121). */
  function number(standard) {
    return config.numbers[standard] || standard;
  }

  /** A basis as nodes: a local item's rule is named as whoever added the item typed it (marked so). */
  function basisNodes(item, basis) {
    const at = item.is_local && item.standard ? basis.indexOf(item.standard) : -1;
    if (at < 0) return document.createTextNode(basis);
    const span = App.el("span");
    span.append(basis.slice(0, at), App.typed(item.standard), basis.slice(at + item.standard.length));
    return span;
  }

  /** The plain notice that a newer edition is in force whose items are not loaded (the same words as the
      inspection page's). */
  function showNotice(data) {
    const box = $("checklist-notice");
    const successor = data.notice;
    box.hidden = !successor;
    if (!successor) return;
    const title = zh ? "title_zh" : "title_en";
    box.textContent = t("successor_notice", {title: successor[title], standard: number(successor.standard),
                                             date: longDate(successor.effective_from), current_title: data[title],
                                             current_standard: number(data.standard)});
  }

  /** The checklist in force, with the parts that apply to the enterprise; without signal, the copy kept for every
      enterprise (warmOfflineCopies), which shows every part. */
  async function fetchChecklist(domain) {
    const url = config.checklist.replace("DOMAIN", domain);
    try {
      if (enterprise) {  // premises: every item applies
        const response = await App.api(`${url}?enterprise_id=${enterprise.id}`);
        if (response.ok) return await response.json();
      }
    } catch (e) { /* no signal, and this enterprise's copy was never kept: the general copy below */ }
    const response = await App.api(url);
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  let loads = 0;  // a later choice wins over an answer still on its way for an earlier one
  async function loadChecklist() {
    const checked = form.querySelector("input[name=domain]:checked");
    const status = $("checklist-status");
    if (!checked || !(enterprise || premises)) return;
    status.hidden = false;
    loads += 1;
    const ticket = loads;
    let data;
    try {
      data = await fetchChecklist(checked.value);
    } catch (e) {
      if (ticket === loads) status.textContent = t("checklist_failed");
      return;
    }
    if (ticket !== loads) return;
    checklist = data;
    $("checklist-meta").textContent = `${number(data.standard || "")} ${data.version || ""} · ${data.items.length} `
      + t("items");
    showNotice(data);
    items = data.items.map(buildItem);
    sections = [];
    form.classList.remove("show-missing");
    $("checklist").replaceChildren(...buildSections(data));
    $("answer-key").hidden = false;
    status.hidden = true;
    showProgress();
    watchSectionEnds();
    contentChanged();  // another domain's checklist: not what anyone signed
  }

  form.querySelectorAll("input[name=domain]").forEach((input) => input.addEventListener("change", loadChecklist));

  // What scrolling and focus bring into view stays clear of the sticky header and submit bar.
  function keepClearOfBars() {
    const top = document.querySelector(".topbar");
    const root = document.documentElement.style;
    root.scrollPaddingTop = `${(top ? top.offsetHeight : 0) + 8}px`;
    root.scrollPaddingBottom = `${form.querySelector(".submit-bar").offsetHeight + 8}px`;
  }
  const barWatcher = new ResizeObserver(keepClearOfBars);
  barWatcher.observe(form.querySelector(".submit-bar"));
  if (document.querySelector(".topbar")) barWatcher.observe(document.querySelector(".topbar"));

  // ---- people, end time and signatures ----
  const second = $("second-inspector");
  const refused = $("refused");
  const notice = $("resign-notice");
  const pads = {};
  // A signature (or the refusal) signs the content as it was when it was made: each one keeps the fingerprint of
  // that content and the signer's name then. {lead|second|enterprise|refusal: {print, name}}
  const marks = {};
  let resignNeeded = false;  // signatures were cleared by a change: sending needs them again
  form.querySelectorAll(".pad-block").forEach((block) => {
    const role = block.dataset.role;
    const pad = new SignPad(block.querySelector("canvas"), () => {
      block.classList.toggle("done", !pad.empty);
      if (pad.empty) delete marks[role];
      else if (!marks[role]) mark(role);  // the first stroke; later strokes finish the same signature
      signaturesChanged();
    });
    pads[role] = pad;
    block.querySelector(".pad-clear").addEventListener("click", () => pad.clear());
  });
  const signer = (role) => form.querySelector(`.pad-block[data-role="${role}"] .pad-signer`);

  /** Who signs a pad now: the second inspector chosen, the person in charge entered. */
  function currentSigner(role) {
    if (role === "second") {
      const chosen = second.selectedOptions[0];
      return chosen && chosen.value ? chosen.dataset.name : "";
    }
    return role === "lead" ? signer("lead").textContent : $("contact-name").value.trim();
  }

  function showSigners() {
    for (const role of ["second", "enterprise"]) {
      const made = marks[role] || (role === "enterprise" && marks.refusal);
      signer(role).textContent = made ? made.name : currentSigner(role);
    }
  }
  second.addEventListener("change", showSigners);
  $("contact-name").addEventListener("input", showSigners);

  function mark(key) {
    // The end time is printed on the documents: the first signature fixes it when the inspector has not.
    if (!$("ended").value) $("ended").value = zoneWallClock(new Date());
    marks[key] = {print: fingerprint(), name: currentSigner(key === "refusal" ? "enterprise" : key)};
  }

  /** After each signature or clear: once all three are made again, the notice that they were cleared goes. */
  function signaturesChanged() {
    if (marks.lead && marks.second && (marks.enterprise || marks.refusal)) notice.hidden = true;
    showSigners();
  }

  let refusedAt = null;
  refused.addEventListener("change", () => {
    const block = form.querySelector('.pad-block[data-role="enterprise"]');
    block.classList.toggle("refused", refused.checked);
    block.querySelector(".refusal-fields").hidden = !refused.checked;
    pads.enterprise.disabled = refused.checked;
    if (refused.checked) pads.enterprise.clear();  // a refusal carries no signature
    refusedAt = refused.checked ? new Date() : null;
    if (refused.checked) mark("refusal");
    else delete marks.refusal;
    signaturesChanged();
  });

  /** Every signature and the refusal gone, with the notice: the content they signed is no longer the content. */
  function clearSignatures() {
    Object.values(pads).forEach((pad) => pad.clear());
    if (refused.checked) {
      refused.checked = false;
      refused.dispatchEvent(new Event("change"));
    }
    $("refusal-reason").value = "";  // the reason and the witness were about the content refused
    $("witness").value = "";
    Object.keys(marks).forEach((key) => delete marks[key]);
    resignNeeded = true;
    notice.hidden = false;
    showSigners();
    showError(notice.textContent, false);
  }

  /** True (and the signatures cleared) when what the documents show changed since any signature was made. */
  function contentChanged() {
    const made = Object.values(marks);
    if (!made.length) return false;
    const now = fingerprint();
    if (made.every((m) => m.print === now)) return false;
    clearSignatures();
    return true;
  }
  // Bubbling up from every control (clicks too: "mark the rest as not found", removing a photo, another enterprise).
  for (const type of ["input", "change", "click"]) form.addEventListener(type, contentChanged);
  $("finish").addEventListener("click", () => {
    $("ended").value = zoneWallClock(new Date());
    $("sign-step").scrollIntoView({block: "start"});
  });

  /** The signatures to send: none when nobody signed; otherwise all three (or the refusal), or an error. */
  function signatures() {
    const used = !pads.lead.empty || !pads.second.empty || !pads.enterprise.empty || refused.checked;
    if (!used) return resignNeeded ? {error: notice.textContent} : {rows: []};
    if (pads.lead.empty || pads.second.empty || (pads.enterprise.empty && !refused.checked)) {
      return {error: t("sign_all")};
    }
    if (!second.value) return {error: t("second_needed")};
    if (!$("contact-name").value.trim()) return {error: t("contact_needed")};
    const rows = ["lead", "second"].map((role) => ({role, image: pads[role].toDataURL(),
                                                    signed_dt: pads[role].signedAt.toISOString()}));
    if (refused.checked) {
      const reason = $("refusal-reason").value.trim();
      const witness = $("witness").value.trim();
      if (!reason || !witness) return {error: t("refusal_details")};
      rows.push({role: "enterprise", refused: true, refusal_reason: reason, witness,
                 signed_dt: refusedAt.toISOString()});
    } else {
      rows.push({role: "enterprise", image: pads.enterprise.toDataURL(),
                 signed_dt: pads.enterprise.signedAt.toISOString()});
    }
    return {rows};
  }

  /** The end time: what the inspector set (the zone's wall clock), or now when they send without one. */
  function endedAt() {
    if (!$("ended").value) $("ended").value = zoneWallClock(new Date());
    return zoneInstant($("ended").value);
  }

  // ---- what the documents show ----
  function findingOf(entry) {
    const li = entry.li;
    const deadline = li.querySelector(".f-deadline");
    const party = premises ? li.querySelector(".f-party").value : "";
    return {
      ...(premises ? {party: party === "landlord" ? "landlord" : "tenant",
                      enterprise_id: party === "landlord" ? null : Number(party.split(":")[1])} : {}),
      item_code: entry.item.code,
      description: li.querySelector(".f-desc").value.trim(),
      category: li.querySelector(".f-cat").value,
      severity: li.querySelector(".f-sev").value,
      // Sent only when the inspector changed it; otherwise the server applies the item's usual deadline.
      deadline: deadline.dataset.auto || !deadline.value ? null : deadline.value,
      responsible_person: li.querySelector(".f-resp").value.trim(),
    };
  }

  const failedEntries = () => items.filter((entry) => entry.result === "failed");

  /** The payload's fields but the end time, the findings' photos and the signatures. */
  function content() {
    const domainInput = form.querySelector("input[name=domain]:checked");
    return {
      client_id: clientId,
      enterprise_id: enterprise ? enterprise.id : null,
      premises_id: premises ? premises.id : null,
      domain: domainInput ? domainInput.value : null,
      inspected_dt: startedAt.toISOString(),
      second_inspector_id: second.value ? Number(second.value) : null,
      contact_name: $("contact-name").value.trim(),
      contact_title: $("contact-title").value.trim(),
      contact_phone: $("contact-phone").value.trim(),
      location: $("location").value.trim(),
      notes: $("notes").value.trim(),
      // Every required item is answered; an item of a part that does not apply is sent only when answered.
      checklist: items.filter((entry) => entry.result).map((entry) => ({item_code: entry.item.code,
                                                                        result: entry.result})),
      findings: failedEntries().map(findingOf),
    };
  }

  /** What the inspection record and the rectification order will show, as one string (signatures aside). The
      notes are left out: the documents do not print them (documents/service.py). */
  function fingerprint() {
    const shown = content();
    delete shown.notes;
    const extra = failedEntries().map((entry) => ({deadline: entry.li.querySelector(".f-deadline").value,
                                                   photos: entry.photos.map((photo) => photo.key)}));
    return JSON.stringify([shown, $("ended").value, extra]);
  }

  // ---- submit ----
  function reset() {
    clientId = App.uuid();
    startedAt = new Date();
    enterprise = null;
    premises = null;
    checklist = null;
    items = [];
    form.reset();
    $("checklist").replaceChildren();
    $("enterprise-chosen").hidden = true;
    $("premises-chosen").hidden = true;
    applySubject();
    sections = [];
    if (endWatcher) endWatcher.disconnect();
    form.classList.remove("show-missing");
    $("checklist-meta").textContent = "";
    $("checklist-notice").hidden = true;
    $("answer-key").hidden = true;
    showProgress();
    $("checklist-status").hidden = false;
    Object.values(pads).forEach((pad) => { pad.disabled = false; pad.clear(); });
    refused.dispatchEvent(new Event("change"));
    resignNeeded = false;
    notice.hidden = true;
    showSigners();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    if (!(enterprise || premises) || !checklist) {
      return showError(t(subject === "premises" ? "choose_premises" : "choose_enterprise"));
    }
    const missing = missingEntries().length;
    if (missing) {
      showError(t("answer_all", {count: missing}), false);  // the bar with the message stays in view
      return goToMissing();
    }
    const failed = items.filter((entry) => entry.result === "failed");
    if (failed.some((entry) => !entry.li.querySelector(".f-desc").value.trim())) return showError(t("describe_failed"));
    if (contentChanged()) return showError(notice.textContent);  // signed for other content: never sent
    const signing = signatures();
    if (signing.error) return showError(signing.error);
    const ended = endedAt();
    // The end is given to the minute: within the start's own minute it counts as the start.
    if (Number.isNaN(ended.getTime()) || ended.getTime() < Math.floor(startedAt.getTime() / 60000) * 60000) {
      return showError(t("end_before_start"));
    }
    const button = $("submit-inspection");
    button.disabled = true;
    try {
      const photos = [];
      const fields = content();
      for (const [index, entry] of failed.entries()) {
        for (const photo of entry.photos) {
          const file = await photo.ready;
          photos.push({finding: index, blob: file, name: file.name || "photo.jpg", id: null, thumb: await photo.thumb});
        }
      }
      const domainInput = form.querySelector("input[name=domain]:checked");
      await Outbox.save({
        client_id: clientId,
        url: config.inspections,
        photos_url: config.photos,
        summary: {enterprise: enterprise ? enterprise.name : premises.name,
                  domain: domainInput.parentElement.textContent.trim(), domain_code: domainInput.value,
                  findings: fields.findings.length, signed: signing.rows.length > 0},
        payload: {...fields, ended_dt: (ended < startedAt ? startedAt : ended).toISOString(),
                  signatures: signing.rows},
        photos,
      });
      reset();
      const done = $("form-error");
      done.textContent = t("saved");
      done.className = "flash flash-success";
      done.hidden = false;
      $("outbox").scrollIntoView({block: "start"});
      Outbox.sync(true);
    } finally {
      button.disabled = false;
    }
  });

  applySubject();
  warmOfflineCopies();

  // Started from an enterprise's page (?enterprise=<id>) or a premises page (?premises=<id>).
  const query = new URLSearchParams(window.location.search);
  for (const kind of ["enterprise", "premises"]) {
    const preset = query.get(kind);
    if (!preset || !/^\d+$/.test(preset)) continue;
    if (kind === "premises") {
      form.querySelector('input[name=subject][value="premises"]').checked = true;
      applySubject();
    }
    App.api(`${DIRECTORIES[kind].url}/${preset}`).then((r) => (r.ok ? r.json() : null))
      .then((row) => { if (row) SEARCHES[kind].choose(row); }).catch(() => {});
  }
})();
