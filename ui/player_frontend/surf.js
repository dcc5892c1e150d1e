// The 3-D view: built with Plotly (WebGL) when it is first shown, its path traces restyled at
// the rate the browser can sustain, and only while it is visible. It gets at most a third of
// the time: its script and rendering cost are both measured.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { showError, updateFrameHeight } from "./bridge.js";
import { surfFigure, surfPaths } from "./specs.js";

var geom = null;          // where the path traces start, how points are lifted (specs.js)
var building = null;      // the build under way
var rebuild = false;      // a newer scene arrived while building
var cost = 20;            // ms of script per update (smoothed)
var render = 0;           // ms of rendering per update (smoothed)
var next = 0;             // the time of the next update
var justUpdated = false;

export function surfVisible() { return state.wide || state.tab === "surf"; }
export function surfBuilding() { return !!building; }

// Whether the 3-D view's paths lag behind the step shown.
export function surfBehind() {
  return state.built.surf && surfVisible() && state.surfPos !== state.pos && !state.dragging;
}

// An animation frame: measures what the last update cost to render; true when an update is due.
export function surfDue(now, frameDt) {
  if (justUpdated) {
    justUpdated = false;
    if (frameDt < 1000) render = 0.7 * render + 0.3 * Math.max(0, frameDt - 17);
  }
  return now >= next;
}

export function updateSurf(now) {
  if (!state.built.surf || !surfVisible()) return;
  var t0 = performance.now();
  var d = surfPaths(state.paths, state.pos, store.isVisible, geom);
  var n = state.paths.length;
  var idx = [];
  for (var i = 0; i < n; i++) idx.push(geom.firstPath + i);
  idx.push(geom.firstPath + n);
  var none = idx.slice(1).map(function () { return undefined; });
  // One restyle call: every call redraws the whole WebGL scene.
  window.Plotly.restyle(el.surf, {
    x: d.xs.concat([d.mx]), y: d.ys.concat([d.my]), z: d.zs.concat([d.mz]),
    "marker.color": none.concat([d.mc]), "marker.symbol": none.concat([d.ms])
  }, idx);
  var spent = performance.now() - t0;
  cost = 0.7 * cost + 0.3 * spent;
  store.setSurfPos(state.pos);
  justUpdated = true;
  // Leave most frames to the 2-D views.
  next = (now || performance.now()) + Math.max(40, 3 * (cost + render));
  store.countSurfUpdate();
}

// Show or hide a racer's path in 3-D.
export function setPathVisible(path) {
  if (!state.built.surf) return;
  window.Plotly.restyle(el.surf, { visible: store.isVisible(path) }, [geom.firstPath + path.index]);
  store.setSurfPos(-1);
}

// Build (or rebuild) the figure; `relayout` is called when a newer scene arrived meanwhile.
export function buildSurf(relayout) {
  store.setSurfStale(false);
  if (building) {  // a newer scene arrived while the first build was loading
    rebuild = true;
    return;
  }
  var P3 = window.Plotly;
  building = new Promise(function (resolve) {
    // Built after the map has been painted: a WebGL build never holds up the map.
    requestAnimationFrame(function () { setTimeout(function () { resolve(P3); }, 0); });
  }).then(function () {
    var fig = surfFigure(state.payload, state.paths, {
      height: state.viewHeight, fontSize: state.fontSize, t: state.pos, visible: store.isVisible
    });
    geom = fig.geom;
    var first = !state.built.surf;
    return P3.react(el.surf, fig.data, fig.layout, fig.config).then(function () {
      store.setBuilt("surf");
      building = null;
      store.setSurfPos(-1);
      if (first) updateFrameHeight();
      if (rebuild) {
        rebuild = false;
        store.setSurfStale(true);
        relayout();
      }
      store.requestDraw();
    });
  }).catch(function (err) {
    building = null;
    showError(err);
  });
}

export function resizeSurf() { window.Plotly.Plots.resize(el.surf); }
export function surfHeight(h) {
  if (state.built.surf && !state.surfStale && el.surf._fullLayout && el.surf._fullLayout.height !== h) {
    window.Plotly.relayout(el.surf, { height: h });
  }
}
