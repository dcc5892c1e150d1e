// Layout: which panes show (side by side from WIDE_MIN px, tabs below that), the tabs, the
// map's height (asked for, fitted to the window, or to its aspect once Plotly has placed the
// colour bar), the plots following their panes' widths, and presentation mode's stage.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { updateFrameHeight } from "./bridge.js";
import { COLORBAR_ROOM, MAP_MARGIN, PRESENT_MARGIN, mapMargin, mapRanges } from "./specs.js";
import { buildSurf, resizeSurf, surfBuilding, surfHeight, surfVisible } from "./surf.js";

var WIDE_MIN = 1100;          // px; side-by-side views from this width

export function markTab(tab) {
  store.setTab(tab);
  el.tabs.forEach(function (b) {
    var on = b.getAttribute("data-view") === tab;
    b.classList.toggle("active", on);
    b.setAttribute("aria-selected", on ? "true" : "false");
  });
}

export function setTab(tab) {
  markTab(tab);
  layoutViews();
}

export function applyLayoutClasses() {
  // Presentation mode gives the map the whole width (the 3-D view is a tab away).
  // A wide, flat map (a ravine drawn to scale) needs the whole width: the 3-D view is then
  // a tab away rather than beside it.
  // So is any map that beside the 3-D view would be less than 500 px tall.
  var payload = state.payload, flat = false;
  if (payload && payload.surface) {
    var R = mapRanges(payload.surface), ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
    var paneW = (el.views.clientWidth - 16) * 1.25 / 2.25;
    var plotW = paneW - MAP_MARGIN.l - MAP_MARGIN.r - COLORBAR_ROOM;
    var tall = plotW * (R.equal ? ratio : 2 * ratio) + MAP_MARGIN.t + MAP_MARGIN.b;
    flat = (R.equal && ratio < 0.6) || tall < Math.min(500, (state.panelHeight || 520) - 20);
  }
  store.setWide(el.views.clientWidth >= WIDE_MIN && !(payload && payload.present) && !flat);
  el.views.classList.toggle("wide", state.wide);
  el.panes.map.classList.toggle("visible", state.wide || state.tab === "map");
  el.panes.surf.classList.toggle("visible", state.wide || state.tab === "surf");
}

function needsResize(gd) {
  var fl = gd._fullLayout;
  return fl && Math.abs(fl.width - gd.clientWidth) > 1;
}

// Show the right panes, build the 3-D view when it first becomes visible,
// and let the plots follow the width of their panes.
export function layoutViews() {
  applyLayoutClasses();
  if (!state.payload) return;
  if (surfVisible()) {
    if ((!state.built.surf && !surfBuilding()) || state.surfStale) buildSurf(layoutViews);
    else if (needsResize(el.surf)) resizeSurf();
    store.setSurfPos(-1);
  }
  if (state.built.map) fitMap();
  if (state.built.loss && needsResize(el.loss)) window.Plotly.Plots.resize(el.loss);
  store.requestDraw();
  updateFrameHeight();
}

// The map's panel height: what the payload asks for, or with ``fit_viewport`` whatever keeps
// the toolbar, the legend and the whole map on the screen of the page around the player (the
// player's frame is on the page's origin, so it can measure where it sits).
export function panelHeight() {
  var p = state.payload || {};
  var asked = Math.max(240, p.panel_height | 0 || 520);
  if (p.present) return layoutStage();
  if (!p.fit_viewport) return asked;
  try {
    // In the app, the page around the player's frame; a page of its own (an exported file,
    // or one in another site's frame) fits its own window.
    var host = window.frameElement, top = host ? window.parent : window;
    var frameTop = host ? host.getBoundingClientRect().top + top.scrollY : 0;
    var mapTop = el.panes.map.getBoundingClientRect().top + (el.panes.map.querySelector(".pane-head") || el.map).offsetHeight;
    if (!(mapTop > 0)) mapTop = 140;
    // fit_below: room kept under the map (a slide shows the loss plot too).
    var h = top.innerHeight - frameTop - mapTop - 10 - Math.max(0, p.fit_below | 0);
    // Embedded in a small frame, the map takes what is left rather than run off its foot.
    return Math.round(Math.max(p.embed ? 160 : 300, Math.min(1400, h)));
  } catch (e) {
    return asked;
  }
}

// Follow the page: a resized window, or a header line opened or closed above the player.
function refit() {
  if (!state.payload || !state.payload.fit_viewport) return;
  var h = panelHeight();
  if (Math.abs(h - state.panelHeight) < 4) return;
  store.setPanelHeight(h);
  store.setViewHeight(viewHeight());
  layoutViews();
}

export function wireLayout() {
  try { window.parent.addEventListener("resize", refit); } catch (e) { /* another origin */ }
  setInterval(refit, 600);
  window.addEventListener("resize", function () { refit(); });
}

// With equal axis scales the map is as tall as its width allows, up to
// the requested panel height.
export function viewHeight() {
  var R = mapRanges(state.payload.surface);
  var width = el.panes.map.clientWidth || el.views.clientWidth;
  var M = mapMargin(state.payload);
  var plotW = width - M.l - M.r - (state.payload.present ? 0 : state.colorbarRoom || COLORBAR_ROOM);
  // Unequal scales stretch y at most twice as much as x: a ravine keeps looking like one.
  var stretch = R.equal ? 1 : 2;
  var h = plotW * stretch * (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]) + M.t + M.b;
  return Math.round(Math.max(260, Math.min(state.panelHeight, h)));
}

// Once Plotly has placed the colour bar, size the map so that an
// equal-scale plot fills it: as tall as the width allows (up to the panel
// height), or narrower and centred when the height is the limit.
var fitting = 0;
export function fitMap() {
  var gd = el.map, fl = gd._fullLayout;
  if (!state.built.map || !fl || !fl._size || !state.payload) return;
  var avail = el.panes.map.clientWidth;
  if (!avail) return;
  var R = mapRanges(state.payload.surface);
  var side = fl._size.l + fl._size.r, vert = fl._size.t + fl._size.b;
  store.setColorbarRoom(side - MAP_MARGIN.l - MAP_MARGIN.r);
  var w = avail, h = state.panelHeight;
  if (!R.equal) {
    var most = (avail - side) * 2 * (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]) + vert;
    h = Math.max(260, Math.min(h, Math.round(most)));
  } else {
    var ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
    var plotH = (avail - side) * ratio;
    if (plotH + vert <= state.panelHeight) h = Math.max(260, Math.round(plotH + vert));
    else w = Math.min(avail, Math.round((h - vert) / ratio + side));
  }
  if ((Math.abs(h - fl.height) <= 2 && Math.abs(w - fl.width) <= 2) || fitting > 3) {
    fitting = 0;
    return;
  }
  fitting++;
  gd.style.width = w >= avail - 2 ? "" : w + "px";
  store.setViewHeight(h);
  window.Plotly.relayout(gd, { width: w, height: h });
  surfHeight(h);
}

// The map's figure height in presentation mode; sets the grid and the map column's width.
// Four layouts are measured and the one giving the largest map is kept: the text column
// beside the map with Play in it ("side"), beside the map with Play under the map
// ("under"), the text over the whole width with the map under it ("stack"), or the map
// over the whole width with the text in two columns under it ("below").
var stageKey = null, stagePanel = 0;
var NARROW_STAGE = 700;  // px: below this width the stage is one column that scrolls
export function forgetStageLayout() { stageKey = null; }

function layoutStage() {
  var W = window.innerWidth, H = window.innerHeight;
  var key = [W, H, state.sig, state.tab].join(":");
  if (key === stageKey) return stagePanel;
  var pl = el.player, PAD_X = 12, PAD_Y = 6, GAP = 18, ROW = 6;  // as #player.present's padding and gaps
  var R = mapRanges(state.payload.surface), ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
  var r = R.equal ? ratio : (ratio < 1 ? 2 * ratio : 1);   // plot height / plot width at most
  var mH = PRESENT_MARGIN.l + PRESENT_MARGIN.r, mV = PRESENT_MARGIN.t + PRESENT_MARGIN.b;
  var toolbar = el.play.parentNode, nav = el.keyHint.parentNode;
  // Whether the text column shows everything: nothing below the window, over the slide
  // controls or cut at the side.
  function fits() {
    var n = nav.getBoundingClientRect();
    var above = Math.max(el.stageText.getBoundingClientRect().bottom, el.readouts.getBoundingClientRect().bottom);
    return n.bottom <= H - PAD_Y && above <= n.top + 1 &&
      el.readouts.scrollWidth <= el.readouts.clientWidth + 1 &&
      el.stageText.scrollWidth <= el.stageText.clientWidth + 1;
  }
  function use(cls, font) {
    pl.classList.remove("side", "under", "stack", "below");
    pl.classList.add(cls);
    pl.style.setProperty("--stage-font", font + "px");
  }
  // The text's size: large on a large screen, down to 20 px where that lets the map grow.
  var big = Math.max(20, Math.min(30, Math.round(H / 36)));
  var fonts = big > 24 ? [big, Math.round((big + 20) / 2), 20] : big > 20 ? [big, 20] : [20];
  // Stacked: the text over the whole width, the map under it.
  use("stack", big);
  var fig = H - el.views.getBoundingClientRect().top - PAD_Y;
  var best = { cls: "stack", font: big, plot: Math.min(fig - mV, (W - 2 * PAD_X - mH) * r), fig: fig, w: 0 };
  // Beside: the text column as narrow as its content allows; the map gets the rest, up to
  // what its aspect can use.
  fonts.forEach(function (font) {
    ["side", "under"].forEach(function (cls) {
      use(cls, font);
      var plot = 0, figW = 0, figH = 0;
      for (var side = Math.max(240, Math.round(W * 0.16)); ; side += 12) {
        figW = W - 2 * PAD_X - GAP - side;
        pl.style.setProperty("--map-w", figW + "px");
        figH = H - 2 * PAD_Y - (cls === "under" ? toolbar.offsetHeight + ROW : 0);
        plot = Math.min(figH - mV, (figW - mH) * r);
        figW = Math.min(figW, Math.ceil(plot / r + mH));
        pl.style.setProperty("--map-w", figW + "px");
        if (fits()) break;
        if (side > W * 0.55) { plot = 0; break; }  // the text does not fit beside the map
        side = Math.max(side, W - 2 * PAD_X - GAP - figW);
      }
      if (plot > best.plot + 2) best = { cls: cls, font: font, plot: plot, fig: figH, w: figW };
    });
  });
  // Below: the map over the whole width and the text in two columns under it (a wide map
  // whose text beside it would leave it a strip); on a narrow screen, one column that scrolls
  // under a map as wide as the screen.
  var narrow = W < NARROW_STAGE;
  fonts.forEach(function (font) {
    use("below", font);
    var textH = narrow ? 0 : Math.max(el.stageText.offsetHeight,
      el.readouts.offsetHeight + toolbar.offsetHeight + nav.offsetHeight + 2 * ROW);
    var figH = narrow ? Math.min(Math.round(H * 0.6), Math.round((W - 2 * PAD_X - mH) * r + mV))
      : H - 2 * PAD_Y - ROW - textH;
    var plot = Math.min(figH - mV, (W - 2 * PAD_X - mH) * r);
    if (figH > 0 && (narrow || plot > best.plot + 2)) {
      best = { cls: "below", font: font, plot: plot, fig: figH, w: 0 };
    }
  });
  use(best.cls, best.font);
  if (best.w) pl.style.setProperty("--map-w", best.w + "px");
  stageKey = key;
  stagePanel = Math.round(Math.max(200, best.fig));
  return stagePanel;
}
