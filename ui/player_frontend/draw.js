// The 2-D views' moving parts: every path up to the current step, painted on a canvas over
// the map's and the loss plot's Plotly figures on each animation frame (a frame costs a few
// milliseconds even for 10,000-step runs), and the PNG download of a view with its paths.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { pointAt, valueAt } from "./paths.js";
import {
  Pen, axisMap, drawArrow, drawCross, drawMarker, drawSeries, ensureOverlay, markerPoint,
  strokeCased, traceSymbol
} from "./paint.js";
import { POINT, mapMarkers, markerStyles } from "./specs.js";
import { symbolShape } from "./symbols.js";

// The minima (stars) again over the paths: a path that runs through one never hides it. The
// map's own markers stay under the canvas for their hover read-outs.
function drawMinima(ctx, X, Y) {
  var s = state.payload && state.payload.surface;
  if (!s) return;
  var styles = markerStyles(s), star = symbolShape("star");
  mapMarkers(s).forEach(function (m) {
    var st = styles[m.kind];
    if (!st || st.symbol !== "star" || !star) return;
    // Plotly's star of size d reaches about d / 2 from its centre; the shape's tips sit at
    // 1.35 of its radius.
    traceSymbol(ctx, star, X.map(m.x), Y.map(m.y), st.size * POINT / 2 / 1.35);
    ctx.lineJoin = "round";
    ctx.lineWidth = st.line_width || 1;
    ctx.strokeStyle = st.line || "#1a1a1a";
    ctx.fillStyle = st.fill || "#F5C518";
    ctx.fill();
    ctx.stroke();
  });
}

export function drawMap() {
  var gd = el.map;
  if (!state.built.map || !gd._fullLayout || !gd._fullLayout.xaxis) return;
  var ctx = ensureOverlay(gd);
  if (!ctx) return;
  var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  var X = axisMap(xa, false), Y = axisMap(ya, true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(X.off, Y.off, X.len, Y.len);
  ctx.clip();

  if (state.start) {
    ctx.beginPath();
    ctx.arc(X.map(state.start[0]), Y.map(state.start[1]), 10, 0, 2 * Math.PI);
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = "#111827";
    if (state.dragging) ctx.setLineDash([5, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  var t = state.pos, paths = state.paths, markers = [];
  for (var pi = 0; pi < paths.length; pi++) {
    var path = paths[pi];
    if (!store.isVisible(path) || path.last < 0) continue;
    var cur = pointAt(path, t);
    var kEnd = cur.end ? path.last : cur.i;
    var pen = new Pen(ctx), lastPx = NaN, lastPy = NaN;
    ctx.beginPath();
    for (var k = 0; k <= kEnd; k++) {
      var px = X.map(path.x[k]), py = Y.map(path.y[k]);
      // Skip points closer than a pixel to the last one drawn.
      if (k > 0 && k < kEnd && Math.abs(px - lastPx) + Math.abs(py - lastPy) < 1.2) continue;
      pen.point(px, py);
      lastPx = px; lastPy = py;
    }
    if (!cur.end && cur.f > 0) pen.point(X.map(cur.x), Y.map(cur.y));
    strokeCased(ctx, path.color, 3, pen, path.dash);  // the racer's dash, as elsewhere
    markers.push({ path: path, cur: cur, px: X.map(cur.x), py: Y.map(cur.y) });
  }

  drawMinima(ctx, X, Y);

  // Arrows for the next update while paused.
  var showArrows = false;
  if (!state.playing && Math.floor(t) === t) {
    for (var mi = 0; mi < markers.length; mi++) {
      var m = markers[mi], p = m.path, i = Math.floor(t);
      if (!p.update || !p.grad || i >= p.last || i >= p.update.length) continue;
      var u = p.update[i], g = p.grad[i];
      var ux = X.map(p.x[i] + u[0]) - m.px, uy = Y.map(p.y[i] + u[1]) - m.py;
      var ulen = Math.sqrt(ux * ux + uy * uy);
      var gx = X.map(p.x[i] - g[0]) - m.px, gy = Y.map(p.y[i] - g[1]) - m.py;
      var glen = Math.sqrt(gx * gx + gy * gy);
      // Converged runs (steps under a few pixels) get no arrows; short
      // steps are drawn long enough to show their direction.
      if (!(isFinite(ulen) && isFinite(glen)) || ulen < 3) continue;
      var shown = Math.min(220, Math.max(32, ulen));
      if (ulen > 0) drawArrow(ctx, m.px, m.py, m.px + ux / ulen * shown, m.py + uy / ulen * shown, p.color, false);
      if (glen > 0) drawArrow(ctx, m.px, m.py, m.px + gx / glen * shown, m.py + gy / glen * shown, "#3a3f4b", true);
      showArrows = true;
    }
  }
  el.arrowKey.hidden = !showArrows || !(state.wide || state.tab === "map");

  // The markers are drawn unclipped: one on the map's edge shows whole.
  ctx.restore();
  var marks = [];
  for (var j = 0; j < markers.length; j++) {
    var mk = markers[j], mp = mk.path;
    var at = markerPoint(mp, mk.cur, X, Y);
    var crossed = mk.cur.end && mp.diverged && t >= mp.last && !mp.left;
    marks.push({ racer: mp.index, x: at[0], y: at[1], cross: crossed });
    if (crossed) {
      // A run that blew up (or left the domain of a typed f): a cross at its last finite
      // point, or where its last step left the map.
      drawCross(ctx, at[0], at[1], 9, mp.color);
    } else {
      // The current point; a run off the map (or one that left it going downhill, which its
      // chip says) waits on the map's edge where its path went off.
      drawMarker(ctx, at[0], at[1], 9, mp.color, mp.symbol);
    }
  }

  store.mapPainted(marks);
}

export function drawLoss() {
  var gd = el.loss;
  if (!state.built.loss || !gd._fullLayout || !gd._fullLayout.xaxis) return;
  var ctx = ensureOverlay(gd);
  if (!ctx) return;
  var fl = gd._fullLayout;
  var X = axisMap(fl.xaxis, false);
  var panels = [{ Y: axisMap(fl.yaxis, true), key: "lossY", offset: 0, log: fl.yaxis.type === "log" }];
  if (fl.yaxis2 && state.payload.show_lr) {
    panels.push({ Y: axisMap(fl.yaxis2, true), key: "lr", offset: 1, log: fl.yaxis2.type === "log" });
  }
  var t = state.pos;
  for (var pn = 0; pn < panels.length; pn++) {
    var P = panels[pn], Y = P.Y;
    ctx.save();
    ctx.beginPath();
    ctx.rect(X.off, Y.off, X.len, Y.len);
    ctx.clip();
    var dots = [];
    for (var i = 0; i < state.paths.length; i++) {
      var path = state.paths[i];
      if (!store.isVisible(path) || path.last < 0) continue;
      var arr = path[P.key];
      if (!arr || !arr.length) continue;
      // lr[k] belongs to update k, which ends at step k + 1.
      var lastIdx = Math.min(arr.length - 1, path.last - P.offset);
      if (lastIdx < 0) continue;
      var tt = Math.min(t - P.offset, lastIdx);
      if (tt < 0) continue;
      var kEnd = Math.floor(tt);
      var seriesPen = drawSeries(ctx, X, Y, arr, P.offset, kEnd, tt, P.log);
      strokeCased(ctx, path.color, 3, seriesPen, path.dash);
      var v = valueAt(arr, tt, lastIdx, P.log);
      if (isFinite(v) && (!P.log || v > 0)) {
        dots.push({ x: X.map(tt + P.offset), y: Y.map(v), path: path, end: tt >= lastIdx && path.diverged && !path.left && t >= path.last });
      }
    }
    // Cursor at the current step.
    var cx = X.map(t);
    ctx.beginPath();
    ctx.moveTo(cx, Y.off);
    ctx.lineTo(cx, Y.off + Y.len);
    ctx.lineWidth = 2;
    ctx.strokeStyle = "rgba(29,36,51,0.55)";
    ctx.setLineDash([6, 4]);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.restore();
    for (var d = 0; d < dots.length; d++) {
      var dot = dots[d];
      var dy = Math.max(Y.off - 20, Math.min(Y.off + Y.len + 20, dot.y));
      if (dot.end) drawCross(ctx, dot.x, dy, 7, dot.path.color);
      else drawMarker(ctx, dot.x, dy, 7, dot.path.color, dot.path.symbol);
    }
  }
}

// A view as a PNG at twice its size, with the paths painted over it.
export function downloadPng(gd, name) {
  var overlay = gd.__overlay;
  var scale = 2;
  window.Plotly.toImage(gd, { format: "png", scale: scale }).then(function (url) {
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = img.width; c.height = img.height;
      var ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      if (overlay) ctx.drawImage(overlay, 0, 0, c.width, c.height);
      var a = document.createElement("a");
      a.href = c.toDataURL("image/png");
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
    };
    img.src = url;
  });
}

// The download button of a 2-D view's mode bar.
export function downloadButton(title, name) {
  return {
    name: title,
    icon: window.Plotly.Icons.camera,
    click: function (gd) { downloadPng(gd, name); }
  };
}
