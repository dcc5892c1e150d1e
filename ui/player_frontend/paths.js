// Racers' paths (pure): a payload's path prepared for drawing, and where it is at a
// fractional step.
import { isNum } from "./util.js";

// `scene` is the payload's list of paths: the live route's paths take the marker shape and
// line dash of the scene's racers.
export function preparePath(p, i, scene) {
  var n = Math.min(p.x.length, p.y.length, p.loss.length);
  var lastFinite = -1;
  for (var k = 0; k < n; k++) {
    if (isFinite(p.x[k]) && isFinite(p.y[k])) lastFinite = k;
    else break;
  }
  var divergedAt = isNum(p.diverged_at) ? p.diverged_at : null;
  // "diverged": blew up; "left": left the map going downhill; "domain": reached a point
  // where the typed f is not defined. Each stops the path there.
  var diverged = p.status === "diverged" || p.status === "left" || p.status === "domain";
  if (diverged && divergedAt === null) divergedAt = Math.max(lastFinite, 0);
  var q = scene && scene[i];
  return {
    index: i,
    label: p.label || ("path " + (i + 1)),
    color: p.color || "#1f77b4",
    symbol: p.symbol || (q && q.symbol) || "circle",
    dash: p.dash || (q && q.dash) || "solid",
    x: p.x, y: p.y, loss: p.loss, lossY: p.loss_y || p.loss,
    lr: p.lr || null,
    grad: p.arrows ? p.arrows.grad : null,
    update: p.arrows ? p.arrows.update : null,
    n: n,
    last: lastFinite,
    diverged: diverged,
    left: p.status === "left",
    // The step from which the path stays off the drawn map (a run stops only far outside it).
    offMapAt: isNum(p.off_map_at) ? p.off_map_at : null,
    domain: p.status === "domain",
    divergedAt: divergedAt
  };
}

// Position of a path at fractional step t (clamped to its last finite point).
export function pointAt(path, t) {
  if (path.last < 0) return null;
  if (t >= path.last) return { x: path.x[path.last], y: path.y[path.last], i: path.last, f: 0, end: true };
  var i = Math.floor(t), f = t - i;
  var x = path.x[i], y = path.y[i];
  if (f > 0) {
    x += (path.x[i + 1] - x) * f;
    y += (path.y[i + 1] - y) * f;
  }
  return { x: x, y: y, i: i, f: f, end: false };
}

export function valueAt(arr, t, last, logScale) {
  var i = Math.floor(t);
  if (i >= last) return arr[last];
  var a = arr[i], b = arr[i + 1], f = t - i;
  if (!(f > 0) || !isFinite(b)) return a;
  if (logScale && a > 0 && b > 0) return Math.exp(Math.log(a) + (Math.log(b) - Math.log(a)) * f);
  return a + (b - a) * f;
}

// Bilinear interpolation on a regular grid {x, y, z} (NaN outside it).
export function gridValue(g, x, y) {
  var gx = g.x, gy = g.y, nx = gx.length, ny = gy.length;
  if (nx < 2 || ny < 2) return NaN;
  var fx = (x - gx[0]) / (gx[nx - 1] - gx[0]) * (nx - 1);
  var fy = (y - gy[0]) / (gy[ny - 1] - gy[0]) * (ny - 1);
  if (!(fx >= 0 && fy >= 0 && fx <= nx - 1 && fy <= ny - 1)) return NaN;
  var i = Math.min(nx - 2, Math.floor(fx)), j = Math.min(ny - 2, Math.floor(fy));
  var u = fx - i, v = fy - j, z = g.z;
  return (1 - u) * (1 - v) * z[j][i] + u * (1 - v) * z[j][i + 1] + (1 - u) * v * z[j + 1][i] + u * v * z[j + 1][i + 1];
}

// A racer's status at step t, or null: its icon, its words and the step they name.
export function statusOf(p, t) {
  if (p.diverged && t >= p.last) {
    if (p.left) return { icon: "\u2197", words: "left the map at step ", step: p.offMapAt !== null ? p.offMapAt : p.divergedAt };
    return { icon: "\u2715", words: p.domain ? "left the domain at step " : "diverged at step ", step: p.divergedAt };
  }
  if (p.offMapAt !== null && t >= p.offMapAt) return { icon: "\u2197", words: "off the map since step ", step: p.offMapAt };
  return null;
}
