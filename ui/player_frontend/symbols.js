// Racers' marker shapes and line dashes by Plotly's names (pure), as the payload's paths carry
// them (figures/mapspec.py, as the exported figures draw them): the canvas painters and the
// legend's samples draw from the same tables.

import { escapeHtml } from "./util.js";

// A polygon around a unit radius, or null for a circle. Shapes are sized to look as large as
// a circle of the same radius.
function regular(n, turn, r) {
  var v = [];
  for (var k = 0; k < n; k++) {
    var a = turn + 2 * Math.PI * k / n;
    v.push([r * Math.sin(a), -r * Math.cos(a)]);
  }
  return v;
}
function starShape(n, inner, r) {
  var v = [];
  for (var k = 0; k < 2 * n; k++) {
    var a = Math.PI * k / n, rr = k % 2 ? r * inner : r;
    v.push([rr * Math.sin(a), -rr * Math.cos(a)]);
  }
  return v;
}
var PLUS = [[-0.4, -1.15], [0.4, -1.15], [0.4, -0.4], [1.15, -0.4], [1.15, 0.4], [0.4, 0.4],
            [0.4, 1.15], [-0.4, 1.15], [-0.4, 0.4], [-1.15, 0.4], [-1.15, -0.4], [-0.4, -0.4]];
var SYMBOLS = {
  square: [[-0.88, -0.88], [0.88, -0.88], [0.88, 0.88], [-0.88, 0.88]],
  diamond: [[0, -1.22], [1.22, 0], [0, 1.22], [-1.22, 0]],
  "diamond-tall": [[0, -1.4], [0.8, 0], [0, 1.4], [-0.8, 0]],
  "diamond-wide": [[0, -0.8], [1.4, 0], [0, 0.8], [-1.4, 0]],
  "triangle-up": regular(3, 0, 1.35),
  "triangle-down": regular(3, Math.PI, 1.35),
  "triangle-left": regular(3, -Math.PI / 2, 1.35),
  "triangle-right": regular(3, Math.PI / 2, 1.35),
  pentagon: regular(5, 0, 1.1),
  hexagon: regular(6, 0, 1.05),
  hexagon2: regular(6, Math.PI / 6, 1.05),
  octagon: regular(8, Math.PI / 8, 1.02),
  cross: PLUS,
  x: PLUS.map(function (v) { return [(v[0] - v[1]) * Math.SQRT1_2, (v[0] + v[1]) * Math.SQRT1_2]; }),
  star: starShape(5, 0.45, 1.35),
  hexagram: starShape(6, 0.58, 1.2),
  hourglass: [[-1, -1.05], [1, -1.05], [-1, 1.05], [1, 1.05]],
  bowtie: [[-1.05, -1], [1.05, 1], [1.05, -1], [-1.05, 1]]
};

export function symbolShape(name) {
  var base = String(name || "circle").replace(/-(open-dot|open|dot)$/, "");
  return Object.prototype.hasOwnProperty.call(SYMBOLS, base) ? SYMBOLS[base] : null;
}

// Plotly's dash names as a canvas dash pattern for a line of width lw (as Plotly sizes them).
export function dashPattern(dash, lw) {
  var d = Math.max(lw || 1, 3);
  switch (dash) {
    case "dot": return [d, d];
    case "dash": return [3 * d, 3 * d];
    case "longdash": return [5 * d, 5 * d];
    case "dashdot": return [3 * d, d, d, d];
    case "longdashdot": return [5 * d, 2 * d, d, 2 * d];
    default: return [];
  }
}

// A racer's sample for its chip and the stage's read-outs: a stroke in its colour and dash ending in its marker, as
// the loss plot and the map draw it.
export function svgSwatch(p) {
  var shape = symbolShape(p.symbol), r = 4.4, cx = 21, marker;
  var dash = dashPattern(p.dash, 1.6).join(" ");
  var fill = escapeHtml(p.color);
  if (shape) {
    marker = '<path d="M' + shape.map(function (v) {
      return (cx + v[0] * r).toFixed(2) + "," + (7 + v[1] * r).toFixed(2);
    }).join("L") + 'Z" fill="' + fill + '" stroke="#fff" stroke-width="1.2" stroke-linejoin="round"/>';
  } else {
    marker = '<circle cx="' + cx + '" cy="7" r="' + r + '" fill="' + fill + '" stroke="#fff" stroke-width="1.2"/>';
  }
  return '<svg class="sample" width="27" height="14" viewBox="0 0 27 14" aria-hidden="true">' +
    '<path d="M1,7H' + (cx - 2) + '" stroke="' + fill + '" stroke-width="2.4"' +
    (dash ? ' stroke-dasharray="' + dash + '"' : "") + "/>" + marker + "</svg>";
}
