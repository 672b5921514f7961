/* Service worker: keeps the app shell (static files, visited pages, checklists) for use without signal.
   Writes never go through a cache: the outbox (outbox.js) keeps unsent work in IndexedDB.

   Pages are network first: a page that cannot be fetched opens from the copy kept at the last visit, marked
   (data-cached-at on its body) so the page says it may be stale and since when (app.js). Only successful HTML
   pages made for the user now logged in are kept (never an error, a redirect, a file download or a no-store
   answer), the last MAX_PAGES of them. Each copy names its user; the first page of another user (or of nobody
   logged in: the login page after a logout) empties the page and data caches, and a copy is only ever served
   to the user it was made for, so a shared tablet never shows one user's pages to the next. */
"use strict";
const VERSION = {{ version|tojson }};
const SHELL = "shell-" + VERSION;
const PAGES = "pages-v1";
const DATA = "data-v1";
const META = "meta-v1";
const OWNER = "/sw-meta/owner";  // the id of the user whose pages PAGES holds ("" for nobody)
const MAX_PAGES = 50;
const GATEWAY_DOWN = [502, 503, 504];  // the zone's network is up but the service is not: the kept copy serves
const ASSETS = {{ assets|tojson }};
const OFFLINE_PAGES = {{ offline_pages|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(ASSETS);
    for (const url of OFFLINE_PAGES) {
      try {
        await keepPage(new Request(url), await fetch(url, {credentials: "same-origin"}));
      } catch (e) { /* offline during install: the page is cached on the next visit */ }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function owner() {
  const kept = await (await caches.open(META)).match(OWNER);
  return kept ? kept.text() : "";
}

/** Whom a page of ours was made for: the user id on its body, "" when nobody is logged in, null when the
    answer is not one of our pages (no body attribute says). */
function userOf(html) {
  const body = /<body\b[^>]*>/i.exec(html);
  if (!body) return null;
  const user = /\sdata-user="(\d+)"/.exec(body[0]);
  if (user) return user[1];
  return /\sdata-logged-out=/.test(body[0]) ? "" : null;
}

function keepable(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.ok && !response.redirected && type.startsWith("text/html") &&
    !/attachment/i.test(response.headers.get("Content-Disposition") || "") &&
    !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

/** Learn whose page ``response`` is (another user: forget every kept page and answer), then keep it when it
    may be kept, with the time and its user, dropping the oldest copies beyond MAX_PAGES. */
async function keepPage(request, response) {
  if (!(response.headers.get("Content-Type") || "").startsWith("text/html")) return;
  const html = await response.clone().text();
  const user = userOf(html);
  if (user === null) return;
  if (user !== await owner()) {
    await Promise.all([caches.delete(PAGES), caches.delete(DATA)]);
    await (await caches.open(META)).put(OWNER, new Response(user));
  }
  if (!user || !keepable(response)) return;
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");  // the copy holds the decoded text
  headers.delete("Content-Length");
  headers.set("X-Cached-At", String(Date.now()));
  headers.set("X-Cached-For", user);
  const pages = await caches.open(PAGES);
  await pages.put(request.url, new Response(html, {status: response.status, headers}));
  const kept = await pages.keys();
  if (kept.length <= MAX_PAGES) return;
  const ages = await Promise.all(kept.map(async (key) => [key, Number((await pages.match(key)).headers.get("X-Cached-At"))]));
  ages.sort((a, b) => a[1] - b[1]);
  await Promise.all(ages.slice(0, ages.length - MAX_PAGES).map(([key]) => pages.delete(key)));
}

/** The kept copy of a page for the user now logged in, marked as a copy (``data-cached-at``), or null. The
    offline pages (the inspection form, today's list) also answer for their address with any query. */
async function keptPage(request) {
  const pages = await caches.open(PAGES);
  const url = new URL(request.url);
  let copy = await pages.match(request.url, {ignoreVary: true});
  if (!copy && OFFLINE_PAGES.includes(url.pathname)) copy = await pages.match(request.url, {ignoreSearch: true});
  if (!copy || copy.headers.get("X-Cached-For") !== await owner()) return null;
  const at = copy.headers.get("X-Cached-At");
  const html = (await copy.text()).replace(/<body\b/i, `<body data-cached-at="${Number(at)}"`);
  return new Response(html, {status: 200, headers: copy.headers});
}

async function page(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    const copy = await keptPage(event.request);
    if (copy) return copy;
    throw error;
  }
  if (GATEWAY_DOWN.includes(response.status)) return (await keptPage(event.request)) || response;
  event.waitUntil(keepPage(event.request, response.clone()));
  return response;
}

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // Vary: Cookie is ignored: this cache is dropped when the user changes (keepPage), so it holds one user's.
    const cached = await cache.match(request, {ignoreVary: true});
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate" && !url.pathname.startsWith("/api/")) {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/api/v1/checklists/")) {
    event.respondWith(networkFirst(request, DATA));
  }
});
