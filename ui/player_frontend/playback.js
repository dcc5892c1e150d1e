// Playback and the animation frame: the step advances with the clock while playing (a whole
// run in RUN_SECONDS at 1x); each frame repaints the 2-D views when something moved, the
// legend's and the stage's numbers at most ten times a second while playing, and the 3-D view
// when its turn comes.
import { state, store, on } from "./store.js";
import { el } from "./dom.js";
import { cancelStep, sendStep } from "./bridge.js";
import { drawLoss, drawMap } from "./draw.js";
import { updateLegendValues } from "./legend.js";
import { updateReadouts } from "./stage.js";
import { surfBehind, surfDue, updateSurf } from "./surf.js";

var RUN_SECONDS = 8;          // a whole run at 1x

var raf = 0, prevFrame = 0, lastTime = null, legendAt = 0, lossAt = 0, lossLater = 0;

function schedule() {
  if (!raf) raf = requestAnimationFrame(frame);
}

function frame(now) {
  raf = 0;
  var frameDt = prevFrame ? now - prevFrame : 16.7;
  prevFrame = now;
  var due = surfDue(now, frameDt);
  if (state.playing) {
    var dt = lastTime === null ? 0 : Math.min(now - lastTime, 100);
    lastTime = now;
    var pos = state.pos + dt / 1000 * state.speed * Math.max(state.steps, 1) / RUN_SECONDS;
    if (pos >= state.steps) {
      store.setPos(state.steps);
      store.setPlaying(false);
      sendStep(0);
    } else {
      store.setPos(pos);
    }
    store.markDirty();
  }
  if (store.takeDirty()) {
    drawAll(now);
    store.countRedraw();
  }
  // The 3-D view waits while the pointer drags, and never shares a frame with a new map.
  var behind = surfBehind();
  if (behind && due && !state.mapJustPainted) updateSurf(now);
  store.setMapJustPainted(false);
  if (state.playing || behind) schedule();
}

// While the pointer drags, the map is repainted for every answer and the loss plot at most
// about ten times a second (the map is what the hand moves; the plot follows).
export function drawAll(now) {
  drawMap();
  var t = performance.now();
  if (!state.dragging || t - lossAt > 100) {
    drawLoss();
    lossAt = t;
  } else if (!lossLater) {
    lossLater = setTimeout(function () { lossLater = 0; store.requestDraw(); }, 110);
  }
  var k = Math.floor(state.pos);
  el.readout.textContent = "step " + k + " / " + state.steps;
  if (+el.scrub.value !== k) el.scrub.value = k;
  if (!state.playing || !now || now - legendAt > 100) {
    legendAt = now || 0;
    updateLegendValues();
    updateReadouts();
  }
}

function showPlaying(playing) {
  lastTime = null;
  el.play.classList.toggle("playing", playing);
  el.playLabel.textContent = playing ? "Pause" : (state.pos >= state.steps && state.steps > 0 ? "Replay" : "Play");
  if (playing) schedule();
}

export function togglePlay() {
  if (!state.payload || state.steps <= 0) return;
  if (state.playing) {
    store.setPos(Math.floor(state.pos));
    store.setPlaying(false);
    store.requestDraw();
    sendStep(0);
  } else {
    if (state.pos >= state.steps) store.setPos(0);
    cancelStep();
    store.setPlaying(true);
    store.requestDraw();
  }
}

// Frames run when the store says something moved; the Play button follows playback.
export function wirePlayback() {
  on("frame", schedule);
  on("playing", showPlaying);
}
