// Canvas painters (no state): a clipped, chunked polyline pen, the overlay canvas laid over a
// Plotly plot, data-to-pixel maps read from Plotly's live axes, and the marks the map and the
// loss plot draw (cased lines, racers' markers, crosses, arrows, decimated series).
import { dashPattern, symbolShape } from "./symbols.js";
import { valueAt } from "./paths.js";

var SAFE = 1e5;               // px; segments are clipped to this box
// A polyline painter that clips segments to a safe box, so points far off
// the screen (a diverging run) never reach the canvas as huge numbers.
// A polyline built as a few short Path2D pieces: software rasterizers stroke one long,
// self-crossing path in time that grows much faster than its length (four 10,000-step
// zig-zags took ~450 ms a frame as one path each, ~40 ms as pieces of CHUNK segments).
var CHUNK = 64;
export function Pen(ctx) {
  this.ctx = ctx;
  this.has = false;
  this.lx = 0; this.ly = 0;
  this.down = false;
  this.pieces = [];
  this.path = new Path2D();
  this.n = 0;
  // Length drawn so far and where each piece starts along it: a dash pattern goes on
  // across the pieces instead of starting again at each.
  this.cx = 0; this.cy = 0;
  this.len = 0;
  this.starts = [0];
}
Pen.prototype.moveTo = function (x, y) { this.path.moveTo(x, y); this.cx = x; this.cy = y; };
Pen.prototype.lineTo = function (x, y) {
  this.path.lineTo(x, y);
  var dx = x - this.cx, dy = y - this.cy;
  this.len += Math.sqrt(dx * dx + dy * dy);
  this.cx = x; this.cy = y;
  if (++this.n >= CHUNK) {
    this.pieces.push(this.path);
    this.starts.push(this.len);
    this.path = new Path2D();
    this.path.moveTo(x, y);
    this.n = 0;
  }
};
Pen.prototype.all = function () { return this.n ? this.pieces.concat([this.path]) : this.pieces; };
Pen.prototype.point = function (x, y) {
  if (!(isFinite(x) && isFinite(y))) { this.has = false; this.down = false; return; }
  if (!this.has) { this.has = true; this.lx = x; this.ly = y; this.down = false; return; }
  var x0 = this.lx, y0 = this.ly, x1 = x, y1 = y;
  this.lx = x; this.ly = y;
  var inside0 = Math.abs(x0) < SAFE && Math.abs(y0) < SAFE;
  var inside1 = Math.abs(x1) < SAFE && Math.abs(y1) < SAFE;
  if (inside0 && inside1) {
    if (!this.down) { this.moveTo(x0, y0); this.down = true; }
    this.lineTo(x1, y1);
    return;
  }
  // Liang-Barsky clipping against [-SAFE, SAFE]^2.
  var dx = x1 - x0, dy = y1 - y0, t0 = 0, t1 = 1;
  var p = [-dx, dx, -dy, dy], q = [x0 + SAFE, SAFE - x0, y0 + SAFE, SAFE - y0];
  for (var k = 0; k < 4; k++) {
    if (p[k] === 0) { if (q[k] < 0) { this.down = false; return; } continue; }
    var r = q[k] / p[k];
    if (p[k] < 0) { if (r > t1) { this.down = false; return; } if (r > t0) t0 = r; }
    else { if (r < t0) { this.down = false; return; } if (r < t1) t1 = r; }
  }
  if (!this.down || t0 > 0) this.moveTo(x0 + t0 * dx, y0 + t0 * dy);
  this.lineTo(x0 + t1 * dx, y0 + t1 * dy);
  this.down = t1 === 1;
};

export function ensureOverlay(gd) {
  var container = gd.querySelector(".svg-container");
  if (!container) return null;
  var canvas = gd.__overlay;
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.className = "overlay";
    gd.__overlay = canvas;
  }
  if (canvas.parentNode !== container) {
    // Above the plot, below Plotly's hover labels and zoom box.
    var svgs = container.querySelectorAll(":scope > svg.main-svg");
    container.insertBefore(canvas, svgs.length > 1 ? svgs[1] : null);
  }
  var w = container.clientWidth, h = container.clientHeight;
  var dpr = window.devicePixelRatio || 1;
  if (canvas.__w !== w || canvas.__h !== h || canvas.__dpr !== dpr) {
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    canvas.__w = w; canvas.__h = h; canvas.__dpr = dpr;
  }
  var ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return ctx;
}

// Data-to-pixel mapping for one Plotly axis, read from its live range (so
// it follows pans while the user drags).
export function axisMap(ax, vertical) {
  var log = ax.type === "log";
  var r0 = ax.range[0], r1 = ax.range[1];
  var off = ax._offset, len = ax._length;
  var s = len / (r1 - r0);
  if (vertical) {
    return {
      log: log, off: off, len: len,
      map: log ? function (v) { return off + len - (Math.log10(v) - r0) * s; }
               : function (v) { return off + len - (v - r0) * s; },
      inv: function (p) { var l = r0 + (off + len - p) / s; return log ? Math.pow(10, l) : l; }
    };
  }
  return {
    log: log, off: off, len: len,
    map: log ? function (v) { return off + (Math.log10(v) - r0) * s; }
             : function (v) { return off + (v - r0) * s; },
    inv: function (p) { var l = r0 + (p - off) / s; return log ? Math.pow(10, l) : l; }
  };
}

// The pen's pieces with a light casing under the colour (all casing first, so the pieces
// join without seams).
// A dash (Plotly's name, optional) is drawn on a solid casing.
export function strokeCased(ctx, color, width, pen, dash) {
  var pieces = pen.all();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  ctx.strokeStyle = "rgba(255,255,255,0.85)";
  ctx.lineWidth = width + 2.5;
  for (var i = 0; i < pieces.length; i++) ctx.stroke(pieces[i]);
  var pattern = dashPattern(dash, width);
  if (pattern.length) {
    ctx.setLineDash(pattern);
    ctx.lineCap = "butt";
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  for (var j = 0; j < pieces.length; j++) {
    if (pattern.length) ctx.lineDashOffset = pen.starts[j];
    ctx.stroke(pieces[j]);
  }
  if (pattern.length) { ctx.setLineDash([]); ctx.lineDashOffset = 0; }
}

export function drawDot(ctx, x, y, r, color) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(0,0,0,0.45)";
  ctx.beginPath();
  ctx.arc(x, y, r + 1.5, 0, 2 * Math.PI);
  ctx.stroke();
}

export function traceSymbol(ctx, shape, x, y, r) {
  ctx.beginPath();
  if (!shape) { ctx.arc(x, y, r, 0, 2 * Math.PI); return; }
  for (var k = 0; k < shape.length; k++) {
    var px = x + shape[k][0] * r, py = y + shape[k][1] * r;
    if (k) ctx.lineTo(px, py); else ctx.moveTo(px, py);
  }
  ctx.closePath();
}

// A racer's marker: its shape in its colour, with a white rim and a faint dark outline, so
// it stands out on the map and on other paths.
export function drawMarker(ctx, x, y, r, color, symbol) {
  var shape = symbolShape(symbol);
  if (!shape) { drawDot(ctx, x, y, r, color); return; }
  traceSymbol(ctx, shape, x, y, r - 0.5);
  ctx.lineJoin = "round";
  ctx.lineWidth = 5;
  ctx.strokeStyle = "rgba(0,0,0,0.45)";
  ctx.stroke();
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.fillStyle = color;
  ctx.fill();
}

export function drawCross(ctx, x, y, r, color) {
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
  ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 7;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 4;
  ctx.stroke();
}

export function drawArrow(ctx, x0, y0, x1, y1, color, dashed) {
  var dx = x1 - x0, dy = y1 - y0, len = Math.sqrt(dx * dx + dy * dy);
  if (!(len > 1)) return;
  var ux = dx / len, uy = dy / len, head = Math.min(14, len * 0.45);
  var bx = x1 - ux * head, by = y1 - uy * head;
  ctx.save();
  ctx.lineCap = "round";
  ctx.setLineDash(dashed ? [7, 5] : []);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(bx, by);
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 6;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 3;
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(bx - uy * head * 0.5, by + ux * head * 0.5);
  ctx.lineTo(bx + uy * head * 0.5, by - ux * head * 0.5);
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.fill();
  ctx.restore();
}

// Where a path's marker goes, in pixels: its current point when that is on the map, else the
// point where the path's line last leaves the map (the last step that crosses the map,
// clipped to the map's rectangle), as the exported figures place it. A path whose line never
// crosses the map is held at the nearest point of the edge.
export function markerPoint(path, cur, X, Y) {
  var ax = [X.inv(X.off), X.inv(X.off + X.len)], ay = [Y.inv(Y.off + Y.len), Y.inv(Y.off)];
  var x0 = Math.min(ax[0], ax[1]), x1 = Math.max(ax[0], ax[1]);
  var y0 = Math.min(ay[0], ay[1]), y1 = Math.max(ay[0], ay[1]);
  var bx = cur.x, by = cur.y;
  if (bx >= x0 && bx <= x1 && by >= y0 && by <= y1) return [X.map(bx), Y.map(by)];
  // Back from the last step drawn (from point k to the current position).
  for (var k = cur.end || !(cur.f > 0) ? cur.i - 1 : cur.i; k >= 0; k--) {
    var px = path.x[k], py = path.y[k];
    var s = exitOf(px, py, bx, by, x0, x1, y0, y1);
    if (s >= 0) return [X.map(px + s * (bx - px)), Y.map(py + s * (by - py))];
    bx = px; by = py;
  }
  return [Math.max(X.off, Math.min(X.off + X.len, X.map(cur.x))),
          Math.max(Y.off, Math.min(Y.off + Y.len, Y.map(cur.y)))];
}

// The fraction of the step from a to b at which it last is on the rectangle (Liang-Barsky
// clipping), or -1 when the step misses the rectangle.
export function exitOf(ax, ay, bx, by, x0, x1, y0, y1) {
  var dx = bx - ax, dy = by - ay, t0 = 0, t1 = 1;
  var ps = [-dx, dx, -dy, dy], qs = [ax - x0, x1 - ax, ay - y0, y1 - ay];
  for (var i = 0; i < 4; i++) {
    var p = ps[i], q = qs[i];
    if (p === 0) { if (q < 0) return -1; continue; }
    var r = q / p;
    if (p < 0) { if (r > t1) return -1; if (r > t0) t0 = r; }
    else { if (r < t0) return -1; if (r < t1) t1 = r; }
  }
  return t1;
}

// A series of the loss plot (or the learning-rate panel) as a pen.
export function drawSeries(ctx, X, Y, arr, xOffset, kEnd, tEnd, logScale) {
  // Plot arr[k] at step k + xOffset for k <= kEnd, then up to tEnd.
  var pen = new Pen(ctx);
  var perPixel = X.len > 0 ? (kEnd + 1) / X.len : 1;
  ctx.beginPath();
  if (perPixel <= 2) {
    for (var k = 0; k <= kEnd; k++) {
      var v = arr[k];
      if (logScale && !(v > 0)) { pen.point(NaN, NaN); continue; }
      pen.point(X.map(k + xOffset), Y.map(v));
    }
  } else {
    // Several steps per pixel column: keep first, min, max and last.
    var col = null, first = 0, last = 0, lo = 0, hi = 0, loK = 0, hiK = 0, firstK = 0, lastK = 0;
    var flush = function () {
      if (col === null) return;
      var pts = [[firstK, first]];
      if (loK < hiK) { pts.push([loK, lo]); pts.push([hiK, hi]); }
      else { pts.push([hiK, hi]); pts.push([loK, lo]); }
      pts.push([lastK, last]);
      for (var q = 0; q < pts.length; q++) pen.point(X.map(pts[q][0] + xOffset), pts[q][1]);
    };
    for (var i = 0; i <= kEnd; i++) {
      var val = arr[i];
      if (logScale && !(val > 0)) { flush(); col = null; pen.point(NaN, NaN); continue; }
      var py = Y.map(val);
      if (!isFinite(py)) { flush(); col = null; pen.point(NaN, NaN); continue; }
      var c = Math.floor(X.map(i + xOffset));
      if (c !== col) {
        flush();
        col = c; first = last = lo = hi = py; firstK = lastK = loK = hiK = i;
      } else {
        last = py; lastK = i;
        if (py < lo) { lo = py; loK = i; }
        if (py > hi) { hi = py; hiK = i; }
      }
    }
    flush();
  }
  if (tEnd > kEnd) {
    var tv = valueAt(arr, tEnd, arr.length - 1, logScale);
    if (!logScale || tv > 0) pen.point(X.map(tEnd + xOffset), Y.map(tv));
  }
  return pen;
}

