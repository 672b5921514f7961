/* A signature pad on a canvas, driven by Pointer Events: a finger, a pen or a mouse draws the same way.
   The canvas backing store follows the device pixel ratio (sharp on a high-density tablet) within what the
   server takes (inspections/signatures.py: at most 2000 x 1000 pixels); strokes are kept in CSS pixels so a
   resize or a turn of the tablet redraws them instead of losing them. Exported as a PNG data URL. */
(function () {
  "use strict";
  const MAX_WIDTH = 2000;
  const MAX_HEIGHT = 1000;
  const INK = "#000";

  class SignPad {
    /** ``onChange(pad)`` runs after every stroke and every clear. */
    constructor(canvas, onChange) {
      this.canvas = canvas;
      this.onChange = onChange || (() => {});
      this.strokes = [];  // [{width, points: [[x, y], ...]}] in CSS pixels
      this.current = null;  // {pointerId, stroke}
      this.signedAt = null;  // when the last stroke ended
      this.disabled = false;
      this.scale = 1;
      canvas.addEventListener("pointerdown", (event) => this.down(event));
      canvas.addEventListener("pointermove", (event) => this.move(event));
      for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
        canvas.addEventListener(type, (event) => this.up(event));
      }
      if (window.ResizeObserver) new ResizeObserver(() => this.resize()).observe(canvas);
      window.addEventListener("resize", () => this.resize());
      this.resize();
    }

    get empty() {
      return this.strokes.length === 0;
    }

    resize() {
      const box = this.canvas.getBoundingClientRect();
      if (!box.width || !box.height) return;  // hidden: sized when shown
      const scale = Math.min(window.devicePixelRatio || 1, MAX_WIDTH / box.width, MAX_HEIGHT / box.height);
      const width = Math.round(box.width * scale);
      const height = Math.round(box.height * scale);
      if (width === this.canvas.width && height === this.canvas.height && scale === this.scale) return;
      this.canvas.width = width;
      this.canvas.height = height;
      this.scale = scale;
      this.redraw();
    }

    context() {
      const ctx = this.canvas.getContext("2d");
      ctx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = INK;
      ctx.fillStyle = INK;
      return ctx;
    }

    point(event) {
      const box = this.canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }

    segment(ctx, stroke, from, to) {
      ctx.lineWidth = stroke.width;
      if (from === to) {  // a tap is a dot
        ctx.beginPath();
        ctx.arc(to[0], to[1], stroke.width / 2, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(from[0], from[1]);
      ctx.lineTo(to[0], to[1]);
      ctx.stroke();
    }

    redraw() {
      const ctx = this.context();
      ctx.clearRect(0, 0, this.canvas.width / this.scale, this.canvas.height / this.scale);
      for (const stroke of this.strokes) {
        stroke.points.forEach((p, i) => this.segment(ctx, stroke, stroke.points[Math.max(i - 1, 0)], p));
      }
    }

    down(event) {
      if (this.disabled || (event.pointerType === "mouse" && event.button !== 0) || this.current) return;
      event.preventDefault();
      try {
        this.canvas.setPointerCapture(event.pointerId);
      } catch (e) { /* a synthetic pointer cannot be captured; the stroke still works */ }
      // A pen draws thinner or thicker with pressure; a finger or a mouse reports none worth using.
      const width = event.pointerType === "pen" && event.pressure > 0 ? 1.5 + 3 * event.pressure : 3;
      const stroke = {width, points: [this.point(event)]};
      this.strokes.push(stroke);
      this.current = {pointerId: event.pointerId, stroke};
      this.segment(this.context(), stroke, stroke.points[0], stroke.points[0]);
    }

    move(event) {
      if (!this.current || event.pointerId !== this.current.pointerId) return;
      event.preventDefault();
      const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      const ctx = this.context();
      const stroke = this.current.stroke;
      for (const e of coalesced.length ? coalesced : [event]) {
        const p = this.point(e);
        this.segment(ctx, stroke, stroke.points[stroke.points.length - 1], p);
        stroke.points.push(p);
      }
    }

    up(event) {
      if (!this.current || event.pointerId !== this.current.pointerId) return;
      this.current = null;
      this.signedAt = new Date();
      this.onChange(this);
    }

    clear() {
      this.strokes = [];
      this.current = null;
      this.signedAt = null;
      this.redraw();
      this.onChange(this);
    }

    /** The drawing as ``data:image/png;base64,...`` (transparent around the ink; the server puts it on white). */
    toDataURL() {
      return this.canvas.toDataURL("image/png");
    }
  }

  window.SignPad = SignPad;
})();
