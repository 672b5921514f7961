/* A finding's rectification, verification and extension request go through the outbox (outbox.js), as an
   inspection does: what was typed and the photos chosen are kept on the tablet until the server has them, a
   resend carries the same client_id (the API stores it once), and a refusal stays listed with its reason until
   the user discards it. Without this script the forms post to the pages as before.

   A form with an unsent item of its own stays hidden (its item is listed above it, with what was entered), so
   nobody sends the same work twice by hand; discarding the item brings the form back filled with it. When an
   item of this finding is stored, the page reloads to show the finding as it is now, with the form's message
   (its data-sent, or data-sent-accept / data-sent-reject), as the pages say it after a post. */
(function () {
  "use strict";
  const list = document.getElementById("outbox");
  const forms = Array.from(document.querySelectorAll("form[data-queue]"));
  if (!list || !list.dataset.finding || !window.Outbox) return;
  const findingId = Number(list.dataset.finding);
  const panel = list.closest("section");
  const SENT = "finding-sent";  // sessionStorage: the message to show once the page has reloaded
  let known = new Map();  // client_id -> item, as last seen

  function field(form, name) {
    return form.elements.namedItem(`${form.dataset.prefix}-${name}`);
  }

  function value(form, name) {
    const input = field(form, name);
    return input ? (input.value || "").trim() : "";
  }

  /** The API's body for ``form`` ("rectify", "verify" or "extend"), or an error text to show. */
  function payloadOf(form) {
    if (form.dataset.queue === "rectify") return {note: value(form, "note")};
    if (form.dataset.queue === "extend") return {new_deadline: value(form, "new_deadline"), reason: value(form, "reason")};
    const decision = form.querySelector(`input[name="${form.dataset.prefix}-decision"]:checked`);
    const accepted = decision.value === "accept";
    if (!accepted && !value(form, "note")) return form.dataset.reasonNeeded;
    const reinspection = Number(value(form, "reinspection")) || null;
    return {accepted, note: value(form, "note"), reinspection_id: reinspection};
  }

  function showError(form, text) {
    let box = form.querySelector(".queue-error");
    if (!box && !text) return;
    if (!box) {
      box = App.el("p", "flash flash-error queue-error");
      box.setAttribute("role", "alert");
      form.querySelector("button[type=submit]").before(box);
    }
    box.textContent = text || "";
    box.hidden = !text;
  }

  /** What the page says once ``item`` is stored (the same words as after the form's post). */
  function sentMessage(item) {
    const form = forms.find((f) => f.dataset.queue === item.form);
    if (!form) return "";
    if (item.payload.accepted === undefined) return form.dataset.sent;
    return item.payload.accepted ? form.dataset.sentAccept : form.dataset.sentReject;
  }

  async function submit(event) {
    const form = event.currentTarget;
    if (event.defaultPrevented) return;  // photos.js is still shrinking the photos: it submits again when done
    event.preventDefault();
    const payload = payloadOf(form);
    if (typeof payload === "string") return showError(form, payload);
    showError(form, "");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const clientId = App.uuid();
      const input = field(form, "photos");
      const photos = Array.from((input && input.files) || []).map((file) => (
        {finding: 0, blob: file, name: file.name || "photo.jpg", id: null}));
      const said = payload.note || payload.reason || "";
      await Outbox.save({
        client_id: clientId, kind: "finding", form: form.dataset.queue, finding_id: findingId,
        url: form.dataset.api, photos_url: list.dataset.photosUrl, href: window.location.pathname,
        summary: {enterprise: list.dataset.party, findings: 1,
                  domain: `${form.dataset.title} · #${findingId}${said ? ` · ${said.slice(0, 80)}` : ""}`},
        payload: Object.assign({client_id: clientId}, payload),
        photos,
      });
      await Outbox.sync(true);
    } finally {
      button.disabled = false;
    }
  }

  /** Put a discarded item's content back in its form (the photos too, where the browser lets a script). */
  function refill(item) {
    const form = forms.find((f) => f.dataset.queue === item.form);
    if (!form) return;
    const payload = item.payload;
    for (const name of ["note", "reason", "new_deadline"]) {
      if (payload[name] !== undefined && field(form, name)) field(form, name).value = payload[name];
    }
    if (payload.accepted !== undefined) {
      const decision = form.querySelector(`input[value="${payload.accepted ? "accept" : "reject"}"]`);
      if (decision) decision.checked = true;
    }
    const input = field(form, "photos");
    const blobs = (item.photos || []).filter((p) => p.blob);
    if (input && blobs.length && "DataTransfer" in window) {
      const transfer = new DataTransfer();
      blobs.forEach((p) => transfer.items.add(new File([p.blob], p.name, {type: p.blob.type})));
      input.files = transfer.files;
      input.dispatchEvent(new Event("change"));
    }
  }

  async function update() {
    const items = (await Outbox.all()).filter((item) => item.finding_id === findingId);
    const now = new Map(items.map((item) => [item.client_id, item]));
    for (const [clientId, before] of known) {
      const after = now.get(clientId);
      if (before.state !== "sent" && after && after.state === "sent") {
        sessionStorage.setItem(SENT, sentMessage(after));
        window.location.reload();  // stored: the page shows the finding as it is now
        return;
      }
      if (before.state !== "sent" && !after) refill(before);  // discarded by the user
    }
    known = now;
    const waiting = items.filter((item) => item.state !== "sent");
    forms.forEach((form) => {
      const holder = form.closest("section, details");
      (holder || form).hidden = waiting.some((item) => item.form === form.dataset.queue);
    });
    panel.hidden = !items.length;
  }

  const sent = sessionStorage.getItem(SENT);
  sessionStorage.removeItem(SENT);
  if (sent) {
    const message = App.el("p", "flash flash-success", sent);
    message.setAttribute("role", "status");
    document.getElementById("main").prepend(message);
  }
  forms.forEach((form) => form.addEventListener("submit", submit));
  Outbox.onChange(update);
  update();
})();
