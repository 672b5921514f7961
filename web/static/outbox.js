/* The outbox: inspections (with their photo blobs) wait in IndexedDB until the server has them, and so do a
   finding's rectification, verification and extension request made on its page (offline-forms.js: items of
   kind "finding", whose payload carries its own client_id and whose photos are the payload's photo_ids).

   Sending is the only way an inspection reaches the server, online or not, so there is one path to test.
   A retry never duplicates: the inspection keeps the client_id made when its form was started, the same bytes
   uploaded again give the same photo while it waits for its inspection, and a photo's id is kept once known.
   The blobs stay until the inspection is stored: when the server no longer has a photo (a tablet offline past
   the sweep) or will not take it, the outbox uploads it again and resends with the same client_id. Nothing
   is left out without the inspector: an inspection leaves the outbox unsent only when discarded, and a photo
   the server cannot read is sent without only when the inspector chooses so. Sent items stay listed a day. */
(function () {
  "use strict";
  const DB_NAME = "inspection-outbox";
  const STORE = "items";
  const RETRY_MS = 15000;
  const MAX_BACKOFF_MS = 5 * 60 * 1000;
  const KEEP_SENT_MS = 24 * 3600 * 1000;
  const body = document.body;
  const user = Number(body.dataset.user);
  const listeners = [];
  const REFUSALS = {403: "refused_403", 409: "refused_409", 422: "refused_422"};
  let syncing = false;

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "client_id"});
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function tx(mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const store = transaction.objectStore(STORE);
        let result;
        Promise.resolve(work(store, (r) => { result = r; })).catch(reject);
        transaction.oncomplete = () => resolve(result);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  function put(item) {
    return tx("readwrite", (store) => { store.put(item); });
  }

  function all() {
    return tx("readonly", (store, done) => {
      const request = store.getAll();
      request.onsuccess = () => done(request.result.filter((item) => item.user === user));
    });
  }

  function remove(clientId) {
    return tx("readwrite", (store) => { store.delete(clientId); });
  }

  /** Keep an inspection for sending; saving the same client_id again replaces it (a double tap is harmless). */
  async function save(item) {
    const now = Date.now();
    await put(Object.assign({user, created: now, state: "queued", attempts: 0, next_try: 0, error: ""}, item));
    notify();
  }

  function notify() {
    listeners.forEach((fn) => fn());
    render();
  }

  class SendError extends Error {
    constructor(kind, message, body = null) {
      super(message);
      this.kind = kind;  // "network" (retry later), "login" (wait for a login), "rejected" (needs a person)
      this.body = body;  // the server's JSON answer, when there was one
    }
  }

  async function bodyOf(response) {
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  /** Why the server refused, in the page's language: what the status means for a queued item (409: someone
      changed it first), then the server's own words (in the page's language too where it has them). */
  function messageOf(response, data) {
    const why = REFUSALS[response.status] ? `${App.t(REFUSALS[response.status])} ` : "";
    if (!data) return `${why}(${response.status})`;
    const fields = data.errors ? JSON.stringify(data.errors.json || data.errors) : "";
    return `${why}${response.status} ${data.message || ""} ${fields}`.trim();
  }

  async function failure(kind, response) {
    const data = await bodyOf(response);
    return new SendError(kind, messageOf(response, data), data);
  }

  async function send(url, options) {
    let response;
    try {
      response = await App.api(url, options);
    } catch (e) {
      throw new SendError("network", e.message);
    }
    if (response.status === 400) {
      const refused = await failure("rejected", response.clone());
      if (!/csrf/i.test(refused.message)) throw refused;
      await App.refreshCsrf();  // the token expired while the tablet was offline: fetch a new one, once
      response = await App.api(url, options);
    }
    if (response.status === 401) throw await failure("login", response);
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw await failure("network", response);
    }
    if (!response.ok) throw await failure("rejected", response);
    return response.json();
  }

  /** The photo ids a refusal names entry by entry, where they sat in the payload: the server nests its
      reasons as errors.json.findings[i].photo_ids[j] for an inspection, errors.json.photo_ids[j] for a finding's
      rectification (a list there instead is about the whole list). */
  function refusedPhotoIds(body, payload) {
    const json = ((body || {}).errors || {}).json || {};
    const findings = payload.findings ? (json.findings || {}) : {0: {photo_ids: json.photo_ids}};
    const ids = [];
    for (const [i, errors] of Object.entries(findings)) {
      const refused = (errors || {}).photo_ids;
      if (!refused || Array.isArray(refused)) continue;
      const sent = ((payload.findings || [payload])[Number(i)] || {}).photo_ids || [];
      Object.keys(refused).forEach((j) => { if (sent[Number(j)]) ids.push(sent[Number(j)]); });
    }
    return ids;
  }

  /** Upload every photo of the item that has no id yet; each id is kept as soon as it is known. */
  async function uploadPhotos(item, photos) {
    for (let i = 0; i < photos.length; i += 1) {
      if (photos[i].id) continue;
      item.state = "uploading";
      item.progress = `${i + 1}/${photos.length}`;
      await put(item);
      notify();
      const form = new FormData();
      form.append("file", photos[i].blob, photos[i].name || "photo.jpg");
      try {
        const stored = await send(item.photos_url || "/api/v1/photos", {method: "POST", body: form});
        photos[i].id = stored.id;
      } catch (error) {
        if (error.kind !== "rejected") throw error;
        // A photo the server cannot read: the inspector chooses to send without it (or to discard), never us.
        photos[i].refused = error.message;
        await put(item);
        throw error;
      }
      photos[i].refused = "";
      await put(item);  // the id is kept: a retry does not upload this photo again
    }
  }

  function payloadOf(item, photos) {
    const payload = JSON.parse(JSON.stringify(item.payload));
    const ids = (index) => photos.filter((p) => p.finding === index && p.id > 0).map((p) => p.id);
    if (item.kind === "finding") {
      if (photos.length) payload.photo_ids = ids(0);
    } else {
      payload.findings.forEach((finding, index) => { finding.photo_ids = ids(index); });
    }
    return payload;
  }

  async function sendOne(item) {
    const photos = item.photos || [];
    let stored = null;
    for (let recovered = false; !stored; recovered = true) {
      await uploadPhotos(item, photos);
      const payload = payloadOf(item, photos);
      item.state = "sending";
      await put(item);
      notify();
      try {
        stored = await send(item.url || "/api/v1/inspections", {method: "POST", json: payload});
      } catch (error) {
        // Photos the server no longer has (swept while the tablet was offline) or will not take: upload the
        // blobs kept here again, once, and resend with the same client_id.
        const refused = error.kind === "rejected" && !recovered ? refusedPhotoIds(error.body, payload) : [];
        const again = photos.filter((p) => p.id > 0 && p.blob && refused.includes(p.id));
        if (!again.length) throw error;
        again.forEach((p) => { p.id = null; });
        await put(item);
      }
    }
    item.state = "sent";
    if (item.kind !== "finding") {  // a finding's item already knows its finding (and its page, item.href)
      item.inspection_id = stored.id;
      item.finding_ids = (stored.findings || []).map((f) => f.id);
    }
    item.sent = Date.now();
    item.error = "";
    item.photos = photos.map((p) => ({finding: p.finding, id: p.id, name: p.name}));  // blobs no longer needed
    await put(item);
  }

  /** Send everything due; ``force`` ignores the back-off (the connection just came back, or a tap on Retry). */
  async function sync(force = false) {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    try {
      const items = await all();
      const now = Date.now();
      const due = items.filter((item) => item.state !== "sent" && item.state !== "rejected" &&
                                         (force || item.next_try <= now));
      if (due.length) {
        try {
          await App.refreshCsrf();
        } catch (e) {
          due.forEach((item) => { item.state = "login"; });
          await Promise.all(due.map(put));
          return;
        }
      }
      for (const item of due) {
        try {
          await sendOne(item);
        } catch (error) {
          item.attempts += 1;
          // The browser's own words for a dropped connection are in its language, not the page's: the state says it.
          item.error = error.kind === "network" ? "" : error.message || String(error);
          item.state = error.kind === "rejected" ? "rejected" : (error.kind === "login" ? "login" : "queued");
          item.next_try = Date.now() + Math.min(MAX_BACKOFF_MS, 5000 * 2 ** Math.min(item.attempts, 10));
          await put(item);
          if (error.kind === "network") break;  // no point trying the others right now
        }
      }
      for (const item of items) {
        if (item.state === "sent" && now - item.sent > KEEP_SENT_MS) await remove(item.client_id);
      }
    } finally {
      syncing = false;
      notify();
    }
  }

  function syncLocked(force) {
    if (navigator.locks) {  // several open tabs: one sends at a time (a duplicate would be harmless anyway)
      return navigator.locks.request("outbox-sync", {ifAvailable: true}, (lock) => (lock ? sync(force) : null));
    }
    return sync(force);
  }

  const STATES = {queued: "queued", uploading: "uploading", sending: "sending", sent: "sent",
                  rejected: "rejected", login: "login"};

  let thumbUrls = [];  // the object URLs of the thumbnails shown, revoked when the list is drawn again

  /** The thumbnails of the photos still on this tablet (made on the device when they were chosen, kept with the
      entry): a tile naming the file where there is none; nothing once sent (the blobs are gone then). */
  function photoThumbs(item) {
    const kept = (item.photos || []).filter((p) => p.blob || p.thumb);
    if (!kept.length) return null;
    const box = App.el("div", "thumbs outbox-thumbs");
    kept.forEach((p) => box.appendChild(Thumbs.figure(p.thumb || null, p.name, thumbUrls)));
    return box;
  }

  async function render() {
    let items = (await all()).sort((a, b) => b.created - a.created);
    const counter = document.getElementById("outbox-count");
    if (counter) {  // on every page: how many inspections are still on this tablet
      const waiting = items.filter((item) => item.state !== "sent").length;
      counter.textContent = `${App.t("queued_short")} ${waiting}`;
      counter.hidden = waiting === 0;
    }
    const list = document.getElementById("outbox");
    if (!list) return;
    if (list.dataset.finding) {  // a finding's page lists what waits for that finding only
      items = items.filter((item) => String(item.finding_id) === list.dataset.finding);
    }
    thumbUrls.forEach((url) => URL.revokeObjectURL(url));
    thumbUrls = [];
    if (!items.length) {
      list.replaceChildren(App.el("li", "empty", App.t("queue_empty")));
      return;
    }
    list.replaceChildren(...items.map((item) => {
      const li = App.el("li", `outbox-item state-${item.state}`);
      li.dataset.clientId = item.client_id;
      li.dataset.state = item.state;
      const main = App.el("div", "row-main");
      const name = App.typed(item.summary.enterprise, "strong");
      const stored = item.state === "sent" && item.inspection_id && list.dataset.inspectionUrl;
      if (item.href || stored) {
        // The server's answer named the stored inspection: its page (with its documents) is one tap away; a
        // finding's item links to its finding.
        const link = App.el("a", "inspection-link");
        link.href = item.href || list.dataset.inspectionUrl.replace(/\/0$/, `/${item.inspection_id}`);
        link.appendChild(name);
        main.appendChild(link);
      } else {
        main.appendChild(name);
      }
      // The zone's wall clock, as on every page, whatever zone the tablet is set to.
      const when = new Date(item.created).toLocaleString(document.documentElement.lang,
                                                         {timeZone: list.dataset.timezone});
      // The domain in the page's language (the name saved with the item is the one of the page it was saved on).
      const domain = item.summary.domain_code ? App.t(`domain_${item.summary.domain_code}`) : item.summary.domain;
      main.appendChild(App.el("span", "desc", `${domain} · ${when}`));
      main.appendChild(App.el("span", "desc",
        `${item.summary.findings} ${App.t("findings_word")} · ${(item.photos || []).length} ${App.t("photo_count")}`));
      const thumbs = photoThumbs(item);
      if (thumbs) main.appendChild(thumbs);
      li.appendChild(main);
      const state = App.el("span", `badge outbox-state state-${item.state}`,
                           App.t(STATES[item.state] || item.state) + (item.state === "uploading" ? ` ${item.progress}` : ""));
      const meta = App.el("div", "row-meta");
      meta.appendChild(state);
      if (item.error && item.state !== "sent") meta.appendChild(App.el("span", "error-text", item.error));
      if (item.warning) meta.appendChild(App.el("span", "error-text", `${App.t("photo_refused")} ${item.warning}`));
      if (item.state !== "sent") {
        const retry = App.el("button", "btn", App.t("retry"));
        retry.type = "button";
        retry.addEventListener("click", async () => {
          item.state = "queued";
          item.next_try = 0;
          await put(item);
          syncLocked(true);
        });
        meta.appendChild(retry);
        const refused = (item.photos || []).filter((p) => p.refused && !p.id);
        if (item.state === "rejected" && refused.length) {
          const without = App.el("button", "btn", App.t("send_without"));
          without.type = "button";
          without.addEventListener("click", async () => {  // the inspector's choice: leave those photos out
            refused.forEach((p) => { p.id = -1; });
            item.warning = refused.map((p) => p.refused).join("; ");
            item.state = "queued";
            item.next_try = 0;
            await put(item);
            syncLocked(true);
          });
          meta.appendChild(without);
        }
        const discard = App.el("button", "btn btn-danger", App.t("discard"));
        discard.type = "button";
        discard.addEventListener("click", async () => {
          if (window.confirm(App.t(item.kind === "finding" ? "discard_confirm_finding" : "discard_confirm"))) {
            await remove(item.client_id);
            notify();
          }
        });
        meta.appendChild(discard);
      }
      li.appendChild(meta);
      return li;
    }));
  }

  window.addEventListener("online", () => syncLocked(true));
  setInterval(() => syncLocked(false), RETRY_MS);
  window.Outbox = {save, all, sync: syncLocked, onChange: (fn) => listeners.push(fn), render};
  render();
  syncLocked(true);
})();
