/* Thumbnails made on the device, for the form (photos.js) and the outbox (outbox.js).

   The browser draws JPEG, PNG and WebP itself. HEIC (iPhones, many Android cameras) it cannot draw: for those the
   vendored libheif (vendor/libheif.js, pure JavaScript, so the pages' CSP needs no WebAssembly allowance) is
   loaded the first time a HEIC photo is chosen, in a worker so the form stays responsive while it decodes (about
   two seconds for 12 megapixels). The original file is never changed: only the small JPEG made here is new.
   When nothing can draw a photo, a tile names the file instead of a broken image.

   This one file is both the page's script (window.Thumbs) and, loaded by new Worker(), the worker (the same URL,
   so the service worker's copy serves both offline). */
(function () {
  "use strict";
  const SIDE = 320;  // longest side of a thumbnail in pixels: a 120 px tile, sharp on a 2x screen
  const QUALITY = 0.8;
  const GIVE_UP_MS = 60000;  // a decoder still busy after this: the tile instead (sending waits for no thumbnail)

  if (typeof window === "undefined") {  // ---- the worker: bytes in, RGBA pixels out ----
    let decoderReady = null;
    self.onmessage = async (event) => {
      const {id, file, decoder} = event.data;
      try {
        if (!decoderReady) {
          self.importScripts(decoder);
          decoderReady = self.libheif();
        }
        const lib = await decoderReady;
        const images = new lib.HeifDecoder().decode(new Uint8Array(await file.arrayBuffer()));
        if (!images.length) throw new Error("no image in the file");
        const image = images[0];  // the primary image comes first
        const pixels = new ImageData(image.get_width(), image.get_height());
        await new Promise((resolve, reject) => image.display(pixels, (done) => (
          done ? resolve() : reject(new Error("libheif could not decode the image")))));
        images.forEach((img) => img.free());
        self.postMessage({id, pixels}, [pixels.data.buffer]);
      } catch (error) {
        self.postMessage({id, error: String(error && error.message || error)});
      }
    };
    return;
  }

  // ---- the page ----
  const script = document.currentScript;
  const DECODER = script.dataset.decoder;
  let worker = null;
  let asked = 0;
  const waiting = new Map();

  /** The ISO base media file's brand (bytes 8-11, after "ftyp") names HEIF whatever the file is called. */
  async function isHeif(file) {
    if (/^image\/hei[cf]/.test(file.type) || /\.(heic|heif)$/i.test(file.name || "")) return true;
    const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
    const text = String.fromCharCode(...head);
    return text.slice(4, 8) === "ftyp" && ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]
      .includes(text.slice(8, 12));
  }

  /** The HEIF file's pixels (ImageData), decoded in the worker; rejects when it cannot be decoded. */
  function decodeHeif(file) {
    if (!worker) {
      worker = new Worker(script.src);
      worker.onmessage = (event) => {
        const {id, pixels, error} = event.data;
        if (!waiting.has(id)) return;  // given up on already
        const {resolve, reject} = waiting.get(id);
        waiting.delete(id);
        if (error) reject(new Error(error)); else resolve(pixels);
      };
      worker.onerror = (event) => {  // the worker itself failed (its script did not load): fail every request
        waiting.forEach(({reject}) => reject(new Error(event.message || "decoder failed")));
        waiting.clear();
        worker = null;
      };
    }
    asked += 1;
    const id = asked;
    return new Promise((resolve, reject) => {
      waiting.set(id, {resolve, reject});
      worker.postMessage({id, file, decoder: DECODER});
      setTimeout(() => {
        if (waiting.delete(id)) reject(new Error("the decoder took too long"));
      }, GIVE_UP_MS);
    });
  }

  async function drawable(file) {
    try {
      return await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (e) {
      if (!(await isHeif(file))) return null;
      return createImageBitmap(await decodeHeif(file));  // libheif has already turned the pixels upright
    }
  }

  /** A small JPEG (at most SIDE pixels on its longest side) of an image file, or null when this device can
      draw nothing of it (a damaged file, an unknown format, a HEIC the decoder refuses). */
  async function make(file) {
    let bitmap;
    try {
      bitmap = await drawable(file);
    } catch (e) {
      return null;
    }
    if (!bitmap) return null;
    const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  }

  /** A <figure class="thumb"> for a photo called ``name``: its thumbnail ``blob`` (a JPEG from make()), or, when
      that is null, a tile with the file's name and "no preview" (never a broken image). ``urls`` (optional)
      collects the object URL made, for the caller to revoke when the figure goes. */
  function figure(blob, name, urls) {
    const box = document.createElement("figure");
    box.className = "thumb";
    if (blob) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      if (urls) urls.push(img.src);
      img.alt = name || "";
      box.appendChild(img);
    } else {
      box.classList.add("thumb-missing");
      box.setAttribute("role", "img");
      const text = window.App ? App.t("no_preview") : "No preview";
      box.setAttribute("aria-label", `${name || ""} · ${text}`);
      box.appendChild(Object.assign(document.createElement("span"), {className: "thumb-name", textContent: name || ""}));
      box.appendChild(Object.assign(document.createElement("span"), {className: "thumb-note", textContent: text}));
    }
    return box;
  }

  window.Thumbs = {make, figure, isHeif};
})();
