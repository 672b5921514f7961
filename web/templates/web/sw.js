/* Service worker: keeps the app shell (static files, visited pages, checklists) for use without signal.
   Writes never go through a cache: the outbox (outbox.js) keeps unsent work in IndexedDB. */
"use strict";
const VERSION = {{ version|tojson }};
const SHELL = "shell-" + VERSION;
const PAGES = "pages-v1";
const DATA = "data-v1";
const ASSETS = {{ assets|tojson }};
const OFFLINE_PAGES = {{ offline_pages|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(ASSETS);
    const pages = await caches.open(PAGES);
    for (const url of OFFLINE_PAGES) {
      try {
        const response = await fetch(url, {credentials: "same-origin"});
        if (response.ok && !response.redirected) await pages.put(url, response);
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

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // Vary: Cookie is ignored: these caches are dropped at logout (app.js), so they hold one user's copies.
    const cached = await cache.match(request, {ignoreSearch: cacheName === PAGES, ignoreVary: true});
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
    event.respondWith(networkFirst(request, PAGES));
  } else if (url.pathname.startsWith("/api/v1/checklists/")) {
    event.respondWith(networkFirst(request, DATA));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "logout") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(DATA)]));
  }
});
