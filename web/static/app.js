/* What every page shares: translated texts for scripts, the CSRF token, the network banner, the service worker. */
(function () {
  "use strict";
  const body = document.body;
  const texts = JSON.parse(body.dataset.i18n || "{}");

  /** The page's text for ``key``; ``values`` fill its ``%(name)s`` places, as the catalogue writes them. */
  function t(key, values) {
    const text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    if (!values) return text;
    return text.replace(/%\((\w+)\)s/g, (place, name) => (name in values ? String(values[name]) : place));
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /** A fresh token from the server (a page may have been open for hours); keeps the old one when offline. */
  async function refreshCsrf() {
    if (!body.dataset.csrfUrl) return csrfToken();
    const response = await fetch(body.dataset.csrfUrl, {credentials: "same-origin", cache: "no-store",
                                                       headers: {"Accept": "application/json"}});
    if (response.redirected || !response.ok) {
      const error = new Error("login");
      error.status = 401;
      throw error;
    }
    const token = (await response.json()).token;
    document.querySelector('meta[name="csrf-token"]').content = token;
    return token;
  }

  /** fetch() for our API: the session cookie, JSON by default, the CSRF header on writes, and the page's
   * language, so a refusal reads in the language the inspector chose (not the tablet's). */
  function api(url, options = {}) {
    const headers = Object.assign({"Accept": "application/json", "Accept-Language": document.documentElement.lang},
                                  options.headers || {});
    const method = (options.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
    let bodyValue = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      bodyValue = JSON.stringify(options.json);
    }
    return fetch(url, {method, headers, body: bodyValue, credentials: "same-origin", cache: "no-store"});
  }

  /** An element with text content only (never HTML from data). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Text people typed (a name, an address), marked so: it stays in the language it was typed in. */
  function typed(text, tag = "span", className = "") {
    const node = el(tag, className, text);
    node.dataset.userText = "";
    return node;
  }

  /** The page's text for ``key`` as nodes, each ``%(name)s`` place filled with ``values[name]`` (a node, such as
   * typed text, goes in as it is). */
  function tNodes(key, values) {
    return t(key).split(/(%\(\w+\)s)/).filter(Boolean).map((part) => {
      const place = /^%\((\w+)\)s$/.exec(part);
      const value = place && place[1] in values ? values[place[1]] : part;
      return value instanceof Node ? value : document.createTextNode(String(value));
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));  // plain-HTTP pages have no randomUUID
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const banner = document.getElementById("net-status");
  function showNetwork() {
    if (!banner) return;
    if (navigator.onLine) {
      if (!banner.hidden) {
        banner.textContent = t("online");
        banner.className = "netbar netbar-online";
        setTimeout(() => { if (navigator.onLine) banner.hidden = true; }, 3000);
      }
    } else {
      banner.textContent = t("offline");
      banner.className = "netbar netbar-offline";
      banner.hidden = false;
    }
  }
  /* A page the service worker answered from the copy kept at an earlier visit (no signal): say so, with the
     time it was kept on the zone's clock in the page's language; the messages of that visit are not news. */
  if (body.dataset.cachedAt) {
    const when = new Date(Number(body.dataset.cachedAt)).toLocaleString(
      document.documentElement.lang, {timeZone: body.dataset.timezone, dateStyle: "medium", timeStyle: "short"});
    const main = document.getElementById("main");
    const notice = el("p", "flash flash-info stale-notice", t("stale_copy", {time: when}));
    notice.id = "stale-notice";
    notice.setAttribute("role", "status");
    if (main) {
      main.querySelectorAll(":scope > .flash").forEach((message) => message.remove());  // the server's, then
      main.prepend(notice);
    }
  }

  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  showNetwork();

  if ("serviceWorker" in navigator) {
    if (body.dataset.sw) {
      navigator.serviceWorker.register(body.dataset.sw, {scope: "/"}).catch(() => {});
    } else if (body.dataset.loggedOut && window.caches) {
      // A shared tablet: nobody's pages stay in the cache after logging out (unsent work stays in the outbox).
      caches.delete("pages-v1");
      caches.delete("data-v1");
      localStorage.removeItem("enterprise-directory-v1");
      localStorage.removeItem("premises-directory-v1");
    }
  }

  window.App = {t, tNodes, typed, csrfToken, refreshCsrf, api, el, uuid};
})();
