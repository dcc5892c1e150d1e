// The race player's entry point: optimizer paths animated on a loss surface. It takes each
// render Streamlit sends (bridge.js), decodes it (decode.js, grids.js), hands the scene to the
// store (store.js), builds the figures (specs.js) and wires the page's input; the rest is
// drawn on animation frames (playback.js). Plotly (plotly-race.min.js) is a global the page
// loads beside the modules. See README.md for the modules and the debug view.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { connect, showError, updateFrameHeight } from "./bridge.js";
import { decode, toBuffer } from "./decode.js";
import { fillGrids, withGrids } from "./grids.js";
import { isNum } from "./util.js";
import { preparePath } from "./paths.js";
import { lossFigure, mapFigure } from "./specs.js";
import { newScene, setToken } from "./live.js";
import { downloadButton, drawMap } from "./draw.js";
import { buildLegend, wireLegend } from "./legend.js";
import { applyLayoutClasses, fitMap, layoutViews, markTab, panelHeight, viewHeight, wireLayout } from "./layout.js";
import { buildStage, sendSlideAsked, wireStage } from "./stage.js";
import { drawAll, wirePlayback } from "./playback.js";
import { draggingStart, listenOnPage, wireInput } from "./input.js";
import { debugView } from "./debug.js";

var lossWired = false;  // the loss plot's Plotly events are listened to

// Resolves once the browser has painted the next frame (a task queued from the frame's
// callback runs after its paint).
function afterPaint() {
  return new Promise(function (resolve) {
    requestAnimationFrame(function () { setTimeout(resolve, 0); });
  });
}

// Embedded in another site's frame: a link to the same scene on the app's full page (the
// page's address without Streamlit's embed parameters), read when it is followed.
function fullPageAddress() {
  var url = new URL(window.parent.location.href);
  url.searchParams.delete("embed");
  url.searchParams.delete("embed_options");
  return url.href;
}

function showFullPageLink(on) {
  el.fullPage.hidden = !on;
  if (on) setTimeout(function () { el.fullPage.href = fullPageAddress(); }, 1500);  // written by then
  if (!on || el.fullPage.dataset.wired) return;
  el.fullPage.dataset.wired = "1";
  el.fullPage.href = fullPageAddress();
  ["pointerenter", "pointerdown", "focus", "contextmenu"].forEach(function (type) {
    el.fullPage.addEventListener(type, function () { el.fullPage.href = fullPageAddress(); });
  });
}

function render(args) {
  try {
    if (withGrids(args, render, showError)) onRender(args);
  } catch (err) {
    showError(err);
  }
}

// The scene Streamlit sent: the store takes it, the figures follow.
function takeScene(args) {
  var meta = args.meta;
  var payload = decode(meta, toBuffer(args.blob));
  fillGrids(payload.surface);
  var first = !state.payload;
  // Same surface as before: keep the decoded grids (and the plain copies made for Plotly), so
  // Plotly.react sees unchanged arrays and does not recompute the contours or the 3-D mesh.
  if (!first && payload.surface && state.payload.surface &&
      payload.surface._sig === state.payload.surface._sig) {
    payload.surface = state.payload.surface;
  }
  var steps = Math.max(0, payload.steps | 0);
  var stepArg = isNum(payload.step) ? Math.max(0, Math.min(steps, Math.round(payload.step))) : null;
  var pos;
  if (first || steps !== state.steps) pos = stepArg === null ? steps : stepArg;
  // A new step asked for moves the scrubber, unless it is the echo of the step this page
  // reported itself: the reader may have moved on since (paused, then scrubbed back).
  else if (stepArg !== null && stepArg !== state.stepArg &&
           state.sentSteps.indexOf(stepArg) < 0) pos = stepArg;
  else pos = Math.max(0, Math.min(steps, state.pos));
  store.setScene({
    sig: meta._sig, payload: payload, steps: steps, stepArg: stepArg, pos: pos,
    paths: (payload.paths || []).map(function (p, i) { return preparePath(p, i, payload.paths); })
  });
  return first;
}

function onRender(args) {
  setToken(args.token);       // a new token (renewed every ten minutes)
  var meta = args.meta;
  if (!meta || meta._sig === state.sig) return;
  var t0 = performance.now();
  var first = takeScene(args);
  var payload = state.payload;
  store.setPanelHeight(panelHeight());
  store.setFontSize((payload.theme && payload.theme.font_size) || 16);
  newScene();                 // answers to requests about the previous scene are dropped
  if (!draggingStart()) store.setStart(payload.start || null);
  document.documentElement.style.setProperty("--font-size", state.fontSize + "px");

  // The tab a link asks for (a new value only: the user's own choice is not overridden).
  if (payload.tab && payload.tab !== state.tabArg) {
    store.setTabArg(payload.tab);
    markTab(payload.tab === "3d" ? "surf" : "map");
  }

  el.scrub.max = String(state.steps);
  el.scrub.value = String(Math.floor(state.pos));
  if (!state.playing) store.setPlaying(false);
  el.title.textContent = payload.show_title === false ? "" : (payload.surface && payload.surface.title) || "";
  buildLegend();
  el.player.classList.toggle("present", !!payload.present);
  el.player.classList.toggle("static", !!payload.static);  // a race written into a file
  el.player.classList.toggle("embed", !!payload.embed);  // in another site's frame
  showFullPageLink(!!payload.embed);
  buildStage();
  sendSlideAsked();

  applyLayoutClasses();
  store.setPanelHeight(panelHeight());  // now that the legend above the map has its rows
  listenOnPage();
  el.player.classList.toggle("present", !!payload.present);
  store.setViewHeight(viewHeight());
  // The map's figure (contours, markers, axes) depends on the surface, the start and the
  // size only. When just the paths changed (a new learning rate, say), the new paths are
  // painted on the map at once and only the loss plot goes through Plotly.
  var mapKey = JSON.stringify([payload.surface && payload.surface._sig,
                               state.viewHeight, state.fontSize, payload.revision]);
  var jobs = [];
  if (!first && mapKey === state.mapKey && state.built.map) {
    drawMap();
  } else {
    var mapFig = mapFigure(payload, {
      height: state.viewHeight, fontSize: state.fontSize,
      button: downloadButton("Download the map as a PNG", "race-map.png")
    });
    var mapJob = window.Plotly.react(el.map, mapFig.data, mapFig.layout, mapFig.config);
    // The paths over the new contours at once, in the task that drew them: not after the
    // loss plot and the 3-D view, which come next.
    mapJob.then(function () { drawMap(); });
    jobs.push(mapJob);
    store.setFigureKeys(mapKey);
  }
  var lossFig = lossFigure(payload, state.paths, {
    steps: state.steps, fontSize: state.fontSize,
    button: downloadButton("Download the loss plot as a PNG", "race-loss.png")
  });
  // The loss plot goes through Plotly after the map's new paths are on screen: its work would
  // otherwise hold back the frame that shows them. An explicit height: Plotly's responsive
  // resize reads the div's height, which is 0 for a moment while the page around the player
  // reflows (the sidebar closing, say).
  jobs.push(afterPaint().then(function () {
    el.loss.style.height = lossFig.layout.height + "px";
    return window.Plotly.react(el.loss, lossFig.data, lossFig.layout, lossFig.config);
  }).then(function () {
    if (lossWired) return;
    lossWired = true;  // Plotly's events exist once it has drawn the div
    el.loss.on("plotly_afterplot", store.requestDraw);
    el.loss.on("plotly_relayout", store.requestDraw);
    el.loss.on("plotly_relayouting", store.requestDraw);
  }));
  store.setBuilt("map");
  store.setBuilt("loss");
  store.setMapJustPainted(true);
  // The 3-D figure is rebuilt only for a new surface, new racers or a new size; new paths
  // on the same surface only restyle its path traces, a frame after the map is painted.
  store.setFigureKeys(undefined, JSON.stringify([
    payload.surface && payload.surface._sig, state.viewHeight, state.fontSize, payload.revision,
    state.paths.map(function (q) { return [q.label, q.color]; })]));
  store.setSurfPos(-1);
  if (first) {
    el.map.on("plotly_afterplot", fitMap);
    el.map.on("plotly_afterplot", store.requestDraw);
    el.map.on("plotly_relayout", store.requestDraw);
    el.map.on("plotly_relayouting", store.requestDraw);
  }
  layoutViews();  // builds the 3-D view too when it is shown; the map does not wait for it
  Promise.all(jobs).then(function () {
    layoutViews();
    drawAll(performance.now());
    store.rendered(performance.now() - t0);
    updateFrameHeight();
  }).catch(showError);
}

function watchSizes() {
  if (!window.ResizeObserver) return;
  new ResizeObserver(function () {
    updateFrameHeight();
  }).observe(el.player);
  var lastWidth = 0;
  new ResizeObserver(function () {
    var w = el.views.clientWidth;
    if (w !== lastWidth) { lastWidth = w; layoutViews(); }
  }).observe(el.views);
}

// Read by automated checks of the page (debug.js documents what it holds).
window.__racePlayer = debugView();
wireLegend();
wireInput();
wireStage();
wireLayout();
wirePlayback();
watchSizes();
// Plotly is a classic script the page loads beside the modules: renders are taken once it is
// there.
if (window.Plotly) connect(render);
else window.addEventListener("plotly-ready", function () { connect(render); }, { once: true });
