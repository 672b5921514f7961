/* Photos on the device: downscale before upload (saves the inspector's data plan) and show thumbnails at once
   (made by heic-thumb.js, HEIC included). The server accepts originals too, so anything the browser cannot
   decode itself (HEIC) is sent as it is. */
(function () {
  "use strict";
  const LONGEST_SIDE = 2048;
  const QUALITY = 0.85;

  async function decode(file) {
    if (!("createImageBitmap" in window)) return null;
    try {
      return await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (e) {
      return null;  // a format this browser cannot draw (HEIC on most): upload the original
    }
  }

  function toBlob(canvas) {
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  }

  /** The EXIF segment (APP1 "Exif") of a JPEG, with its orientation set to 1 (the canvas has already turned
      the pixels upright), so capture time and GPS position survive downscaling; null when there is none. */
  function exifSegment(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    let offset = 2;
    while (offset + 4 <= view.byteLength) {
      const marker = view.getUint16(offset);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null;  // start of scan: no EXIF before it
      const length = view.getUint16(offset + 2);
      const start = offset + 4;
      const isExif = view.getUint32(start) === 0x45786966 && view.getUint16(start + 4) === 0;  // "Exif\0\0"
      if (marker === 0xffe1 && length >= 16 && isExif) {
        const segment = bytes.slice(offset, offset + 2 + length);
        resetOrientation(new DataView(segment.buffer), 10);
        return segment;
      }
      offset += 2 + length;
    }
    return null;
  }

  function resetOrientation(view, tiff) {
    try {
      const little = view.getUint16(tiff) === 0x4949;
      const ifd0 = tiff + view.getUint32(tiff + 4, little);
      const entries = view.getUint16(ifd0, little);
      for (let i = 0; i < entries; i += 1) {
        const entry = ifd0 + 2 + i * 12;
        if (view.getUint16(entry, little) === 0x0112) view.setUint16(entry + 8, 1, little);
      }
    } catch (e) { /* a damaged EXIF block: leave it, the server reads what it can */ }
  }

  async function withExif(blob, original) {
    if (original.type !== "image/jpeg") return blob;
    const exif = exifSegment(new Uint8Array(await original.slice(0, 256 * 1024).arrayBuffer()));
    if (!exif) return blob;
    const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
    if (head[0] !== 0xff || head[1] !== 0xd8) return blob;
    return new Blob([head, exif, blob.slice(2)], {type: "image/jpeg"});
  }

  /** A JPEG no longer than LONGEST_SIDE on its longest side, or the file itself when that is smaller.
      A JPEG already small enough is kept untouched, with its EXIF capture time and GPS position. */
  async function downscale(file) {
    const bitmap = await decode(file);
    if (!bitmap) return file;
    const longest = Math.max(bitmap.width, bitmap.height);
    if (longest <= LONGEST_SIDE && file.type === "image/jpeg") {
      bitmap.close();
      return file;
    }
    const scale = Math.min(1, LONGEST_SIDE / longest);
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const drawn = await toBlob(canvas);
    if (!drawn || drawn.size >= file.size) return file;
    const blob = await withExif(drawn, file);
    const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, {type: "image/jpeg", lastModified: file.lastModified});
  }

  /** A thumbnail for a photo file, placed at once and filled when ``made`` (a promise of Thumbs.make's small
      JPEG, made here when not given) settles: the picture, or a tile naming the file when the device cannot
      draw it. ``onRemove`` (optional) adds a remove button. */
  function thumb(file, onRemove, made = Thumbs.make(file)) {
    const urls = [];
    let box = document.createElement("figure");
    box.className = "thumb thumb-pending";
    box.setAttribute("aria-busy", "true");
    let button = null;
    if (onRemove) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "thumb-remove";
      button.textContent = "×";
      button.setAttribute("aria-label", window.App ? App.t("remove_photo") : "Remove");
      button.addEventListener("click", () => {
        urls.forEach((url) => URL.revokeObjectURL(url));
        box.remove();
        onRemove();
      });
      box.appendChild(button);
    }
    made.then((blob) => {
      if (!box.isConnected) return;  // removed before its thumbnail was ready
      const done = Thumbs.figure(blob, file.name, urls);
      if (button) done.appendChild(button);
      box.replaceWith(done);
      box = done;
    });
    return box;
  }

  /** Plain forms (rectification): downscale the chosen files in place and show them. */
  function enhanceFileInput(input) {
    const thumbs = document.querySelector(`[data-thumbs-for="${input.id}"]`);
    let pending = null;
    input.addEventListener("change", () => {
      const files = Array.from(input.files || []);
      if (thumbs) thumbs.replaceChildren(...files.map((f) => thumb(f)));
      if (!("DataTransfer" in window) || !files.length) return;
      input.dataset.downscaled = "";
      pending = Promise.all(files.map((f) => downscale(f).catch(() => f))).then((smaller) => {
        const transfer = new DataTransfer();
        smaller.forEach((f) => transfer.items.add(f));
        input.files = transfer.files;
        input.dataset.downscaled = "1";
        pending = null;
      });
    });
    if (input.form) {
      // A tap on submit while photos are still being shrunk waits for them instead of sending the originals.
      input.form.addEventListener("submit", (event) => {
        if (!pending) return;
        event.preventDefault();
        const submitter = event.submitter;
        pending.then(() => input.form.requestSubmit(submitter || undefined));
      });
    }
  }

  window.Photos = {downscale, thumb, exifSegment};
  document.querySelectorAll("input[type=file][data-downscale]").forEach(enhanceFileInput);
})();
