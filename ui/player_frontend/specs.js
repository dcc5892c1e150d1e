// Figure specifications (pure): the Plotly figures of the map, the loss plot and the 3-D view
// as {data, layout, config}, built from the payload, the prepared paths and a few sizes, with
// no DOM and no state - so they can be checked on their own. The map's colour scale, marker
// styles and 3-D z scale come with the payload (the map's specification, figures/mapspec.py,
// shared with the exported figures); the constants here are the fallbacks for payloads
// without it.
import { cached, gridRange, plain, plainGrid, plotText, rangeOf } from "./util.js";
import { gridValue, pointAt } from "./paths.js";

export var FONT = '"Source Sans Pro", "Source Sans 3", "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif';
export var MAX_3D_POINTS = 1500;     // per path and 3-D update
export var COLORSCALE = [
  [0.0, "#fffbe8"], [0.2, "#f5f2da"], [0.4, "#e3eedc"],
  [0.6, "#d0e3ea"], [0.8, "#c0d0ea"], [1.0, "#b4bde3"]
];
export var MAP_MARGIN = { l: 64, r: 16, t: 12, b: 56 };
export var PRESENT_MARGIN = { l: 56, r: 8, t: 4, b: 62 };  // presentation mode: no colour bar
export var COLORBAR_ROOM = 110;
export function mapMargin(payload) { return payload && payload.present ? PRESENT_MARGIN : MAP_MARGIN; }

export var CONFIG = {
  displaylogo: false,
  responsive: true,
  doubleClickDelay: 300,
  showSendToCloud: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toImage", "sendDataToCloud"]
};

export function baseLayout(payload, height, fontSize) {
  var fs = fontSize;
  return {
    height: height,
    font: { family: FONT, size: fs, color: "#1d2433" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    showlegend: false,
    hoverlabel: { font: { family: FONT, size: fs } },
    uirevision: payload.revision === undefined || payload.revision === null ? "race" : String(payload.revision)
  };
}

// The map's ranges and whether x and y are drawn at the same scale.
export function mapRanges(s) {
  var xr = s.xrange || rangeOf(s.x), yr = s.yrange || rangeOf(s.y);
  var ratio = (xr[1] - xr[0]) / (yr[1] - yr[0]);
  var equal = s.equal_aspect !== undefined && s.equal_aspect !== null ? !!s.equal_aspect : (ratio >= 0.25 && ratio <= 4);
  return { xr: xr, yr: yr, equal: equal };
}

// ------------------------------------------------------------ marked points
// The surface's marked points, their kinds and styles: the payload's specification
// (surface.markers, surface.marker_styles, surface.map_key), or for payloads without one
// the minima and saddles as the player drew them before.
export var POINT = 18;  // px: a style's size is a multiple of it
var LEGACY_STYLES = {
  minimum: { label: "minimum", symbol: "star", symbol3d: "diamond", size: 24 / 18, fill: "#f5c518", line: "#6b5200", line_width: 1.5 },
  saddle: { label: "saddle point", symbol: "x-thin", symbol3d: "cross", size: 16 / 18, fill: null, line: "#2b2f38", line_width: 4 }
};
export function markerStyles(s) { return s.marker_styles || LEGACY_STYLES; }
export function mapMarkers(s) {
  if (s.markers) return s.markers;
  var out = [];
  (s.minima || []).forEach(function (m) { out.push({ kind: "minimum", x: m[0], y: m[1], f: m[2], z: m[2] }); });
  (s.saddles || []).forEach(function (m) { out.push({ kind: "saddle", x: m[0], y: m[1], f: m[2], z: m[2] }); });
  return out;
}
function axisName(s, i) {  // what the map's coordinates are called ("w", "b" on a data surface)
  return (s.axes && s.axes[i]) || (i ? "y" : "x");
}
function markerKinds(s) {  // in the order of the list: global, local, saddle
  var kinds = [];
  mapMarkers(s).forEach(function (m) { if (kinds.indexOf(m.kind) < 0) kinds.push(m.kind); });
  return kinds;
}
export function markerKey(s) {
  if (s.map_key) return s.map_key;
  return markerKinds(s).map(function (k) { return { kind: k, label: k === "saddle" ? "saddle" : "minimum" }; });
}
// One Plotly trace per kind, the most important drawn last (on top).
export function markerTraces(s, is3d, zOfMarker) {
  var styles = markerStyles(s), all = mapMarkers(s), out = [];
  markerKinds(s).reverse().forEach(function (kind) {
    var style = styles[kind];
    var pts = all.filter(function (m) { return m.kind === kind; });
    if (!style || !pts.length) return;
    var tr = {
      type: is3d ? "scatter3d" : "scatter", mode: "markers", name: style.label,
      x: pts.map(function (m) { return m.x; }),
      y: pts.map(function (m) { return m.y; }),
      customdata: pts.map(function (m) { return m.f; }),
      marker: {
        symbol: is3d ? style.symbol3d : style.symbol,
        size: style.size * POINT * (is3d ? 0.3 : 1),
        color: style.fill || style.line,
        line: { width: is3d ? 1 : style.line_width, color: style.line }
      },
      hovertemplate: plotText(style.label) + "<br>(%{x:.3f}, %{y:.3f})<br>f = %{customdata:.4g}<extra></extra>"
    };
    if (is3d) tr.z = pts.map(zOfMarker);
    out.push(tr);
  });
  return out;
}

// A mode-bar button (a download, say) added to a figure's config, when given.
function withButton(config, button) {
  return button ? Object.assign({}, config, { modeBarButtonsToAdd: [button] }) : config;
}

// ------------------------------------------------------------------- map
// o: {height, fontSize, button}
export function mapFigure(payload, o) {
  var p = payload, s = p.surface;
  var R = mapRanges(s), xr = R.xr, yr = R.yr, equal = R.equal;
  var zlabel = s.zlabel || (s.log ? "log₁₀ loss" : "loss");
  var fs = o.fontSize;
  var traces = [{
    type: "contour",
    x: cached(s, "px", function () { return plain(s.x); }),
    y: cached(s, "py", function () { return plain(s.y); }),
    z: cached(s, "pz", function () { return plainGrid(s.z); }),
    colorscale: s.colorscale || COLORSCALE,
    showscale: !p.present,  // presentation mode: the map's width for the paths
    ncontours: 24,
    contours: { coloring: "fill", showlines: true },
    // No smoothing: on the 140×140 grid the lines look the same, and Plotly draws the filled
    // bands about four times faster without it (a new surface is on screen that much sooner).
    line: { color: s.contour_line || "rgba(40,52,80,0.30)", width: 1, smoothing: 0 },
    colorbar: {
      title: { text: zlabel, side: "right", font: { size: Math.round(fs * 0.9) } },
      thickness: 14, len: 0.92, outlinewidth: 0,
      tickfont: { size: Math.round(fs * 0.8) }
    },
    hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(zlabel) + " = %{z:.3g}<extra></extra>"
  }];
  if (s.undefined) {
    // A typed formula: shade where f is not defined (1 there, NaN elsewhere).
    traces.push({
      type: "heatmap", x: traces[0].x, y: traces[0].y,
      z: cached(s, "pund", function () { return plainGrid(s.undefined); }),
      zmin: 0, zmax: 1, showscale: false,
      colorscale: [[0, s.undefined_color], [1, s.undefined_color]],
      hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(s.undefined_text || "") + "<extra></extra>"
    });
  }
  if (s.test_z) {
    // The test surface (the training surface shifted): its contours dashed over the map.
    traces.push({
      type: "contour", name: "test surface",
      x: traces[0].x, y: traces[0].y,
      z: cached(s, "ptz", function () { return plainGrid(s.test_z); }),
      ncontours: 24, showscale: false, hoverinfo: "skip",
      contours: { coloring: "none", showlines: true },
      line: { color: "rgba(150,30,60,0.55)", width: 1.3, dash: "dash", smoothing: 0 }
    });
  }
  if (s.ray) {
    // Separable data: the max-margin direction, which gradient descent's weights turn to.
    traces.push({
      type: "scatter", mode: "lines", name: s.ray.label, x: s.ray.x, y: s.ray.y,
      line: { color: s.ray.color, width: 1.6, dash: "dash" }, hoverinfo: "skip", showlegend: false
    });
  }
  traces = traces.concat(markerTraces(s, false));
  var layout = baseLayout(p, o.height, fs);
  layout.margin = Object.assign({}, mapMargin(p));
  layout.hovermode = "closest";
  layout.dragmode = false;  // a drag on the map moves the start; the buttons zoom
  layout.xaxis = {
    range: xr.slice(), title: { text: axisName(s, 0), standoff: 8 }, showgrid: false, zeroline: false,
    ticks: "outside", ticklen: 5, mirror: true, showline: true, linecolor: "#8a93a3", constrain: "domain"
  };
  layout.yaxis = {
    range: yr.slice(), title: { text: axisName(s, 1), standoff: 8 }, showgrid: false, zeroline: false,
    ticks: "outside", ticklen: 5, mirror: true, showline: true, linecolor: "#8a93a3", constrain: "domain"
  };
  if (equal) { layout.yaxis.scaleanchor = "x"; layout.yaxis.scaleratio = 1; }
  var config = withButton(Object.assign({}, CONFIG, {
    // No zoom-box or pan tool: a drag on the map moves the start point.
    modeBarButtonsToRemove: CONFIG.modeBarButtonsToRemove.concat(["zoom2d", "pan2d"])
  }), o.button);
  return { data: traces, layout: layout, config: config };
}

// ------------------------------------------------------------------- loss
// Round values (1-2-5 per decade, or finer when the range is narrow) inside a log10 range.
export function logTicks(range) {
  var steps = [[1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]];
  var best = [];
  for (var s = 0; s < steps.length; s++) {
    var vals = [];
    for (var d = Math.floor(range[0]) - 1; d <= Math.ceil(range[1]); d++) {
      steps[s].forEach(function (m) {
        var v = m * Math.pow(10, d), l = Math.log10(v);
        if (l >= range[0] && l <= range[1]) vals.push(v);
      });
    }
    best = vals;
    if (vals.length >= 3) break;
  }
  return best.length ? best : undefined;
}

// o: {steps, fontSize, button}
export function lossFigure(payload, paths, o) {
  var p = payload, steps = Math.max(1, o.steps);
  var logY = !!p.loss_log;
  var lo = Infinity, hi = -Infinity, lrLo = Infinity, lrHi = -Infinity, anyLr = false;
  paths.forEach(function (path) {
    var a = path.lossY, end = Math.min(a.length - 1, path.last);
    // A diverging run should not squash the others: only its start counts
    // towards the top of the axis.
    var topEnd = path.diverged ? Math.min(end, 0) : end;
    for (var i = 0; i <= end; i++) {
      var v = a[i];
      if (!isFinite(v) || (logY && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (i <= topEnd && v > hi) hi = v;
    }
    if (path.lr) {
      for (var j = 0; j < path.lr.length; j++) {
        var r = path.lr[j];
        if (!isFinite(r)) continue;
        anyLr = true;
        if (r < lrLo) lrLo = r;
        if (r > lrHi) lrHi = r;
      }
    }
  });
  if (!(hi >= lo)) { lo = logY ? 1e-3 : 0; hi = 1; }
  var yRange, yDtick, yTicks;
  if (logY) {
    var l0 = Math.log10(lo), l1 = Math.log10(hi);
    if (l1 - l0 > 30) l0 = l1 - 30;
    var pad = Math.max(0.15, (l1 - l0) * 0.06);
    yRange = [l0 - pad, l1 + pad];
    // Whole decades only, unless the axis spans just a few.
    if (yRange[1] - yRange[0] > 2.5) yDtick = Math.max(1, Math.ceil((yRange[1] - yRange[0]) / 7));
    // Within a few decades: a handful of round values, written out in full.
    else yTicks = logTicks(yRange);
  } else {
    var span = hi - lo || Math.abs(hi) || 1;
    yRange = [lo - span * 0.05, hi + span * 0.08];
  }
  var showLr = !!p.show_lr;
  var fs = o.fontSize;
  var layout = baseLayout(p, showLr ? 440 : 290, fs);
  // Room for the tick labels and the axis title at any type size (22 px on a slide).
  layout.margin = { l: Math.round(84 * Math.max(1, fs / 16)), r: 16, t: 10, b: 52 };
  layout.hovermode = false;
  layout.dragmode = "zoom";
  var axisStyle = {
    showline: true, linecolor: "#8a93a3", mirror: true, ticks: "outside", ticklen: 5,
    gridcolor: "#e6e9ef", zeroline: false
  };
  layout.xaxis = Object.assign({}, axisStyle, {
    range: [-0.01 * steps, 1.02 * steps], title: { text: "step", standoff: 6 },
    anchor: showLr ? "y2" : "y"
  });
  layout.yaxis = Object.assign({}, axisStyle, {
    type: logY ? "log" : "linear", range: yRange,
    title: { text: plotText(p.loss_label || "loss"), font: { size: Math.round(fs * 0.95) } },
    domain: showLr ? [0.42, 1] : [0, 1],
    exponentformat: "power"
  });
  if (yDtick) layout.yaxis.dtick = yDtick;
  if (yTicks) {
    layout.yaxis.tickmode = "array";
    layout.yaxis.tickvals = yTicks;
    layout.yaxis.ticktext = yTicks.map(function (v) { return Number(v.toPrecision(3)).toString(); });
  }
  var data = [{ type: "scatter", x: [], y: [], hoverinfo: "skip" }];
  if (showLr) {
    var lrLog = anyLr && lrLo > 0 && lrHi / lrLo > 20;
    var lrRange;
    if (!anyLr) lrRange = [0, 1];
    else if (lrLog) lrRange = [Math.log10(lrLo) - 0.15, Math.log10(lrHi) + 0.15];
    else {
      var sp = lrHi - lrLo || Math.abs(lrHi) || 1;
      lrRange = [Math.min(0, lrLo - sp * 0.05), lrHi + sp * 0.12];
    }
    layout.yaxis2 = Object.assign({}, axisStyle, {
      type: lrLog ? "log" : "linear", range: lrRange, domain: [0, 0.3], anchor: "x",
      title: { text: "learning rate", font: { size: Math.round(fs * 0.95) } },
      exponentformat: "power"
    });
    layout.xaxis.showticklabels = true;
    data.push({ type: "scatter", x: [], y: [], yaxis: "y2", hoverinfo: "skip" });
  }
  return { data: data, layout: layout, config: withButton(CONFIG, o.button) };
}

// -------------------------------------------------------------------- 3-D
// The height in 3-D of path point k: its loss (on the 3-D view's z scale), never below the
// sampled surface; or the surface's own height when no 3-D grid was sent.
export function zOf(geom, path, k) {
  if (geom.fromGrid) return gridValue(geom.grid, path.x[k], path.y[k]);
  if (!geom.zScale) return path.loss[k];
  // As in the exported 3-D figure: never below the sampled surface, which is coarser than
  // the narrowest valleys (a log scale makes their floors deep and sharp).
  var z = geom.zScale(path.loss[k]), g = gridValue(geom.grid, path.x[k], path.y[k]);
  return g > z ? g : z;
}

function zOfFrac(geom, path, t) {
  var i = Math.floor(t), f = t - i;
  var a = zOf(geom, path, i);
  if (!(f > 0) || i + 1 > path.last) return a;
  return a + (zOf(geom, path, i + 1) - a) * f;
}

// The 3-D view's path traces at step t: one line per path (at most MAX_3D_POINTS points) and
// the visible racers' current points.
export function surfPaths(paths, t, visible, geom) {
  var xs = [], ys = [], zs = [], mx = [], my = [], mz = [], mc = [], ms = [];
  var lift = geom.lift || 0;
  for (var i = 0; i < paths.length; i++) {
    var path = paths[i];
    var px = [], py = [], pz = [];
    if (path.last >= 0) {
      var cur = pointAt(path, t);
      var kEnd = cur.end ? path.last : cur.i;
      var stride = Math.max(1, Math.ceil((kEnd + 1) / MAX_3D_POINTS));
      for (var k = 0; k <= kEnd; k += stride) {
        px.push(path.x[k]); py.push(path.y[k]); pz.push(zOf(geom, path, k) + lift);
      }
      if ((kEnd % stride) !== 0) { px.push(path.x[kEnd]); py.push(path.y[kEnd]); pz.push(zOf(geom, path, kEnd) + lift); }
      var cz = cur.end ? zOf(geom, path, path.last) : zOfFrac(geom, path, t);
      if (!cur.end && cur.f > 0) { px.push(cur.x); py.push(cur.y); pz.push(cz + lift); }
      if (visible(path)) {
        mx.push(cur.x); my.push(cur.y); mz.push(cz + lift);
        mc.push(path.color);
        ms.push(cur.end && path.diverged && !path.left && t >= path.last ? "x" : "circle");
      }
    }
    xs.push(px); ys.push(py); zs.push(pz);
  }
  return { xs: xs, ys: ys, zs: zs, mx: mx, my: my, mz: mz, mc: mc, ms: ms };
}

// o: {height, fontSize, t, visible(path)}. Returns the figure and its geometry: where the
// path traces start (firstPath) and how a path's points are lifted onto the surface.
export function surfFigure(payload, paths, o) {
  var p = payload, s = p.surface;
  var has3d = s.x3d && s.y3d && s.z3d;
  var gx = has3d ? s.x3d : s.x, gy = has3d ? s.y3d : s.y, gz = has3d ? s.z3d : s.z;
  var zr = gridRange(gz);
  if (!(zr[1] >= zr[0])) zr = [0, 1];
  var span = zr[1] - zr[0] || 1;
  // The 3-D grid is on the specification's z scale (log10(f − f*) where the map is) when it
  // says so; the paths' losses are put on the same scale.
  var zs = has3d && s.zscale && s.zscale.log ? s.zscale : null;
  var geom = {
    fromGrid: !has3d,
    grid: { x: gx, y: gy, z: gz },
    lift: span * 0.012,
    zScale: zs ? function (f) { return Math.log10(Math.max(f - zs.f_star, 0) + zs.floor); } : null,
    firstPath: 0
  };
  var xr = s.xrange || rangeOf(s.x), yr = s.yrange || rangeOf(s.y);
  var ratio = (yr[1] - yr[0]) / (xr[1] - xr[0]);
  if (!(ratio > 0.25 && ratio < 4)) ratio = 1;
  var zlabel = has3d && !s.zscale ? "f" : (s.zlabel || "f");
  var traces = [{
    type: "surface", x: cached(s, "p3x", function () { return plain(gx); }),
    y: cached(s, "p3y", function () { return plain(gy); }),
    z: cached(s, "p3z", function () { return plainGrid(gz); }),
    colorscale: s.colorscale || COLORSCALE, showscale: false, opacity: 0.82,
    lighting: { ambient: 0.75, diffuse: 0.6, specular: 0.05, roughness: 0.9 },
    hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(zlabel) + " = %{z:.4g}<extra></extra>"
  }];
  traces = traces.concat(markerTraces(s, true, function (m) {
    var z = has3d ? (m.z == null ? NaN : m.z) : gridValue(geom.grid, m.x, m.y);
    return z + geom.lift;
  }));
  geom.firstPath = traces.length;
  var d = surfPaths(paths, o.t, o.visible, geom);
  paths.forEach(function (path, i) {
    traces.push({
      type: "scatter3d", mode: "lines", name: plotText(path.label),
      visible: o.visible(path),
      x: d.xs[i], y: d.ys[i], z: d.zs[i],
      line: { width: 7, color: path.color },
      hovertemplate: plotText(path.label) + "<br>(%{x:.3f}, %{y:.3f})<br>" + plotText(zlabel) + " = %{z:.4g}<extra></extra>"
    });
  });
  traces.push({
    type: "scatter3d", mode: "markers", name: "now",
    x: d.mx, y: d.my, z: d.mz,
    marker: { size: 10, color: d.mc, symbol: d.ms, line: { width: 2, color: "#ffffff" } },
    hoverinfo: "skip"
  });
  var layout = baseLayout(p, o.height, o.fontSize);
  layout.margin = { l: 0, r: 0, t: 0, b: 0 };
  var axis = function (title, range) {
    return {
      title: { text: title }, range: range, backgroundcolor: "#f5f7fa", showbackground: true,
      gridcolor: "#d8dde6", zerolinecolor: "#b8bfcc", tickfont: { size: Math.round(o.fontSize * 0.75) }
    };
  };
  layout.scene = {
    xaxis: axis(axisName(s, 0), xr.slice()),
    yaxis: axis(axisName(s, 1), yr.slice()),
    zaxis: axis(zlabel, [zr[0], zr[1] + span * 0.05]),
    aspectmode: "manual",
    aspectratio: { x: 1, y: ratio, z: 0.7 },
    camera: { eye: { x: 0.7, y: -1.1, z: 1.35 } },
    uirevision: layout.uirevision
  };
  return { data: traces, layout: layout, config: Object.assign({}, CONFIG, { modeBarButtonsToRemove: [] }),
           geom: geom };
}
