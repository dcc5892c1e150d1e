// Input: the toolbar (Play, speed, scrubber), the tabs, the keys (inside the player, and on
// the whole page in presentation mode) and the pointer on the map - a press and a drag move
// the start and every path with it (from the live route); on release the start is sent to the
// scene. A click (press and release without moving) sets the start too, after a short wait in
// case it is the first half of a double-click, which resets the zoom.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { sendEvent, sendStep } from "./bridge.js";
import { request as liveRequest } from "./live.js";
import { axisMap } from "./paint.js";
import { setTab } from "./layout.js";
import { stageKey } from "./stage.js";
import { togglePlay } from "./playback.js";

var down = null;          // the press on the map being followed
var pendingClick = 0;     // a click waiting to be sure it is not half of a double-click

// Whether the pointer is dragging the start (a new scene then keeps the dragged start).
export function draggingStart() { return !!(down && down.moved); }

function onKey(ev) {
  var payload = state.payload;
  if (!payload) return;
  var tag = ev.target && ev.target.tagName;
  if (ev.key === "Escape" && payload.present) {
    ev.preventDefault();
    sendEvent({ event: "present", on: false });
  } else if (payload.present && tag !== "INPUT" && tag !== "SELECT" && stageKey(ev)) {
    ev.preventDefault();
  } else if (ev.key === " " || ev.code === "Space") {
    if (tag === "BUTTON" || tag === "SELECT") return;  // native activation
    ev.preventDefault();
    togglePlay();
  } else if ((ev.key === "ArrowRight" || ev.key === "ArrowLeft" || ev.key === "," || ev.key === ".") &&
             tag !== "INPUT" && tag !== "SELECT") {
    // ← → (and , . as the key hint says): one step; with Shift a hundredth of the run.
    ev.preventDefault();
    var forward = ev.key === "ArrowRight" || ev.key === ".";
    var delta = (forward ? 1 : -1) * (ev.shiftKey ? Math.max(1, Math.round(state.steps / 100)) : 1);
    if (state.playing) store.setPlaying(false);
    store.setPos(Math.max(0, Math.min(state.steps, Math.floor(state.pos) + delta)));
    store.requestDraw();
    sendStep(400);
  }
}

// In presentation mode the keys work wherever the focus is on the page, not only inside
// the player.
var parentKeys = false;
export function listenOnPage() {
  if (parentKeys || !state.payload || !state.payload.present) return;
  try {
    window.parent.document.addEventListener("keydown", function (ev) {
      if (!state.payload || !state.payload.present) return;
      var tag = ev.target && ev.target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
      if ((ev.key === " " || ev.code === "Space") && tag === "BUTTON") {
        // Space plays even right after a click on Next: it does not press that button again.
        ev.preventDefault();
        ev.target.blur();
        togglePlay();
        return;
      }
      onKey(ev);
    });
    parentKeys = true;
  } catch (e) { /* another origin: keys work inside the player only */ }
}

// The map's data coordinates under the pointer; null outside the plot area, unless clamped.
function mapPoint(ev, clamp) {
  var gd = el.map;
  if (!state.built.map || !gd._fullLayout || !gd._fullLayout.xaxis) return null;
  var rect = gd.getBoundingClientRect();
  var X = axisMap(gd._fullLayout.xaxis, false), Y = axisMap(gd._fullLayout.yaxis, true);
  var px = ev.clientX - rect.left, py = ev.clientY - rect.top;
  var inside = px >= X.off && px <= X.off + X.len && py >= Y.off && py <= Y.off + Y.len;
  if (!inside && !clamp) return null;
  px = Math.max(X.off, Math.min(X.off + X.len, px));
  py = Math.max(Y.off, Math.min(Y.off + Y.len, py));
  return [X.inv(px), Y.inv(py)];
}

function endDrag(ev, cancelled) {
  var d = down;
  down = null;
  if (!d) return;
  el.map.classList.remove("dragging");
  if (d.moved) {
    store.setSurfPos(-1);
    store.setDragging(false);   // the 3-D view catches up now
    if (!cancelled && state.start) sendEvent({ event: "click", x: state.start[0], y: state.start[1] });
    return;
  }
  if (cancelled || performance.now() - d.t > 700) return;
  var pt = d.point;
  pendingClick = setTimeout(function () {
    pendingClick = 0;
    store.setStart(pt);
    liveRequest({ start: pt });
    store.requestDraw();
    sendEvent({ event: "click", x: pt[0], y: pt[1] });
  }, 320);
}

export function wireInput() {
  el.play.addEventListener("click", togglePlay);
  el.speed.addEventListener("change", function () { store.setSpeed(+el.speed.value || 1); });
  el.scrub.addEventListener("input", function () {
    if (state.playing) store.setPlaying(false);
    store.setPos(+el.scrub.value);
    el.playLabel.textContent = state.pos >= state.steps ? "Replay" : "Play";
    store.requestDraw();
  });
  el.scrub.addEventListener("change", function () { sendStep(150); });
  document.addEventListener("keydown", onKey);

  el.tabs.forEach(function (b) {
    b.addEventListener("click", function () {
      var tab = b.getAttribute("data-view");
      if (tab === state.tab) return;
      setTab(tab);
      sendEvent({ event: "tab", tab: tab === "surf" ? "3d" : "map" });  // kept in the link
    });
  });

  el.map.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || (ev.target.closest && ev.target.closest(".modebar"))) return;
    if (state.payload && state.payload.static) return;  // a file's race: no server to run another
    var pt = mapPoint(ev, false);
    if (!pt) return;
    if (pendingClick) {             // second click of a double-click: zoom reset
      clearTimeout(pendingClick);
      pendingClick = 0;
      return;
    }
    down = { x: ev.clientX, y: ev.clientY, t: performance.now(), point: pt, moved: false };
    try { el.map.setPointerCapture(ev.pointerId); } catch (e) { /* not capturable */ }
  }, true);
  window.addEventListener("pointermove", function (ev) {
    if (!down) return;
    if (!down.moved && Math.abs(ev.clientX - down.x) + Math.abs(ev.clientY - down.y) <= 4) return;
    var pt = mapPoint(ev, true);
    if (!pt) return;
    down.moved = true;
    store.setDragging(true);
    el.map.classList.add("dragging");
    store.setStart(pt);
    liveRequest({ start: pt });
    store.requestDraw();
  }, true);
  window.addEventListener("pointerup", function (ev) { endDrag(ev, false); }, true);
  window.addEventListener("pointercancel", function (ev) { endDrag(ev, true); }, true);
}
