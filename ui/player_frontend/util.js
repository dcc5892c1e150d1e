// Small pure helpers shared by the player's modules: numbers, text for HTML and Plotly, and
// plain copies of typed arrays. No DOM, no state.

export function isNum(v) { return typeof v === "number" && isFinite(v); }

// A loss as a chip shows it: three significant digits, exponents outside [1e-3, 1e5).
export function fmt(v) {
  if (!isNum(v)) return "–";
  var a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace("e+", "e");
  return Number(v.toPrecision(3)).toString();
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

// Text for Plotly (trace names, hover templates): Plotly reads a subset of HTML (<a href>,
// <b>, <br>, entities) and %{...} variables in them, and decodes numeric character
// references only (not &quot;), so a label becomes references for & < > { }.
export function plotText(s) {
  return String(s).replace(/[&<>{}]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

export function plain(arr) { return arr ? Array.prototype.slice.call(arr) : []; }
export function plainGrid(rows) { return rows ? rows.map(plain) : []; }

// Memoise a value derived from a (reused) payload object under a hidden key.
export function cached(obj, key, make) {
  if (!Object.prototype.hasOwnProperty.call(obj, "__" + key)) {
    Object.defineProperty(obj, "__" + key, { value: make(), enumerable: false });
  }
  return obj["__" + key];
}

export function rangeOf(arr) {
  var lo = Infinity, hi = -Infinity;
  for (var i = 0; i < arr.length; i++) {
    var v = arr[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function gridRange(rows) {
  var lo = Infinity, hi = -Infinity;
  for (var r = 0; r < rows.length; r++) {
    var row = rows[r];
    for (var i = 0; i < row.length; i++) {
      var v = row[i];
      if (!isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

// A racer's tuning mark: "tuned", or "PyTorch default, untuned" (the first word left out
// where chips are narrow); its title says how it was tuned or why it was not.
export function markHtml(mark) {
  if (!mark) return "";
  var words = mark.kind === "tuned" ? "tuned"
    : '<span class="mark-long">PyTorch </span>default, untuned';
  return '<span class="mark ' + (mark.kind === "tuned" ? "tuned" : "untuned") + '" title="' +
    escapeHtml(mark.title || "") + '">' + words + "</span>";
}
