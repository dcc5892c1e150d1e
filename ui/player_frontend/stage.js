// Presentation mode's stage: the claim and the lesson beside the map in large type, one
// read-out row per racer (its loss now, the step it reaches the minimum, its test loss), the
// slide controls and the stage's keys.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { escapeHtml, fmt, isNum, markHtml } from "./util.js";
import { sendEvent, sendStep } from "./bridge.js";
import { forgetStageLayout, setTab } from "./layout.js";
import { svgSwatch } from "./symbols.js";

var KEY_HINT_LESSON = "Keys: Space play · , . step · ← → PgUp PgDn Home End slides";  // D and Esc: on their buttons
var KEY_HINT = "Keys: Space play · ← → or , . step";

var readoutEls = null;   // per racer, its read-out's elements and the text they show

function stageInfo() { return (state.payload && state.payload.stage) || {}; }
function lessonOn() { return !!(state.payload && state.payload.present && stageInfo().lesson); }

export function buildStage() {
  var present = !!(state.payload && state.payload.present);
  // The map's key (minimum, saddle, start) sits in the text column, leaving the map the
  // whole height; back over the map outside presentation mode.
  var keyHome = present ? el.keyHint.parentNode : el.panes.map.querySelector(".pane-head");
  if (el.mapKey.parentNode !== keyHome) keyHome.insertBefore(el.mapKey, present ? el.keyHint : null);
  if (!present) {
    el.player.classList.remove("side", "stack");
    forgetStageLayout();
    el.play.title = "Play / pause (space)";
    return;
  }
  el.play.removeAttribute("title");  // no tooltip over the stage's text
  var st = stageInfo(), html = "";
  if (st.title || st.caption) {
    html += '<p class="claim">' + (st.title ? "<b>" + escapeHtml(st.title) + "</b>" : "") +
      (st.title && st.caption ? " — " : "") + escapeHtml(st.caption || "") + "</p>";
  }
  if (st.lesson) {
    html += '<p class="lesson"><b>' + escapeHtml(st.lesson.title) + ":</b> " + escapeHtml(st.lesson.text) + "</p>";
  }
  el.stageText.innerHTML = html;
  // One row per racer: its name, its loss now, and what the claim counts (the step it
  // reaches the minimum, its loss on the test surface), as the race on the map is now.
  var rows = "", marks = ((state.payload.live || {}).marks) || [];
  state.paths.forEach(function (p, i) {
    rows += '<span class="name" data-i="' + i + '"><span class="swatch">' + svgSwatch(p) +
      '</span>' + escapeHtml(p.label) + markHtml(marks[i]) +
      '</span><span class="val"></span><span class="num"></span>';
  });
  el.readouts.innerHTML = rows;
  readoutEls = Array.prototype.slice.call(el.readouts.querySelectorAll(".name")).map(function (n) {
    return { val: n.nextSibling, num: n.nextSibling.nextSibling, text: "", numText: "" };
  });
  var lesson = st.lesson;
  el.slidePrev.hidden = el.slideNext.hidden = el.slideCount.hidden = !lesson;
  if (lesson) {
    var shown = shownSlide(lesson);  // the slide asked for, while it is on its way
    el.slideCount.textContent = (shown + 1) + " / " + lesson.slides;
    el.slidePrev.disabled = shown <= 0;
    el.slideNext.disabled = shown >= lesson.slides - 1;
  }
  el.keyHint.textContent = lesson ? KEY_HINT_LESSON : KEY_HINT;
  el.viewToggle.textContent = state.tab === "surf" ? "Map (D)" : "3-D (D)";
  updateReadouts();  // with their text, so the layout measures what will be shown
  forgetStageLayout();
}

function readoutNumber(v) {
  return isNum(v) ? String(Number(v.toPrecision(2))) : "–";
}

export function updateReadouts() {
  if (!state.payload || !state.payload.present || !readoutEls) return;
  var k = Math.floor(state.pos), raw = state.payload.paths || [];
  for (var i = 0; i < readoutEls.length; i++) {
    var r = readoutEls[i], p = state.paths[i], q = raw[i] || {};
    if (!p || p.last < 0) continue;
    var t = Math.min(k, p.last);
    var text = "f = " + fmt(p.loss[t]), parts = [];
    if (q.reach !== undefined) {
      parts.push(isNum(q.reach) && k >= q.reach ? "minimum at step " + q.reach
                 : k >= state.steps ? "no minimum in " + state.steps + " steps" : "not at the minimum");
    }
    if (q.test_loss && q.test_loss.length) {
      parts.push("test loss " + readoutNumber(q.test_loss[Math.min(t, q.test_loss.length - 1)]));
    }
    var num = parts.join(" · ");
    if (text !== r.text) { r.val.textContent = text; r.text = text; }
    if (num !== r.numText) { r.num.textContent = num; r.numText = num; }
  }
}

// Handles a stage key (true) or not (false). Without a lesson the arrows step.
export function stageKey(ev) {
  var key = ev.key;
  if (key === "d" || key === "D") { toggleView(); return true; }
  if (key === "," || key === ".") { stepBy(key === "." ? 1 : -1); return true; }
  var lesson = lessonOn() && stageInfo().lesson;
  if (!lesson) return false;
  var to = null, now = shownSlide(lesson);
  if (key === "PageDown" || key === "ArrowRight") to = now + 1;
  else if (key === "PageUp" || key === "ArrowLeft") to = now - 1;
  else if (key === "Home") to = 0;
  else if (key === "End") to = lesson.slides - 1;
  if (to === null) return false;
  goToSlide(to);
  return true;
}

// The slide asked for while its scene is on its way, else the one shown: a second key
// press before the page answers moves on from the slide asked for (a clicker pressed three
// times goes three slides on). One ask is with the page at a time: presses before it
// answers only move the slide asked for, which is sent when the page has answered the ask
// before. (An event sent while the page is still drawing the previous answer would carry
// the sidebar's values from before it, which the page would read as a choice of preset.)
// The ask ends when its slide arrives, when another lesson is shown, or after SLIDE_WAIT_MS.
var SLIDE_WAIT_MS = 15000;
var slideTimer = 0;       // a slide asked for, waiting for the page to finish its run

function askedSlide(lesson) {
  var a = state.slideAsked;
  if (a && a.title === lesson.title && a.to !== lesson.slide &&
      Date.now() - a.at < SLIDE_WAIT_MS) return a;
  store.askSlide(null);
  return null;
}

function shownSlide(lesson) {
  var a = askedSlide(lesson);
  return a ? a.to : lesson.slide;
}

function goToSlide(to) {
  var lesson = stageInfo().lesson;
  if (!lesson) return;
  to = Math.max(0, Math.min(lesson.slides - 1, to));
  if (to === shownSlide(lesson)) return;
  var a = askedSlide(lesson);
  store.askSlide({ to: to, title: lesson.title, sent: a ? a.sent : null,
                   at: a ? a.at : Date.now() });
  if (state.playing) store.setPlaying(false);
  el.slideCount.textContent = (to + 1) + " / " + lesson.slides;
  sendSlideAsked();
}

// Whether the page has finished its run (its widgets show their values). The player's
// frame is the page's own, so this is read from it; elsewhere the page counts as idle.
function pageIdle() {
  try {
    var app = window.parent.document.querySelector("[data-test-script-state]");
    return !app || app.getAttribute("data-test-script-state") !== "running";
  } catch (err) {
    return true;
  }
}

// Send the slide asked for once the page has answered the ask before and finished its run
// (called again by each new scene from the page).
export function sendSlideAsked() {
  clearTimeout(slideTimer);
  var lesson = stageInfo().lesson;
  var a = lesson && askedSlide(lesson);
  if (!a || a.sent === a.to) return;
  if (a.sent !== null && a.sent !== lesson.slide) return;  // its answer is on its way
  if (!pageIdle()) {
    slideTimer = setTimeout(sendSlideAsked, 50);
    return;
  }
  store.slideSent(a.to);
  sendEvent({ event: "slide", slide: a.to });
}

// Step the scrubber by `delta` (paused), reporting the step shortly after.
export function stepBy(delta) {
  if (state.playing) store.setPlaying(false);
  store.setPos(Math.max(0, Math.min(state.steps, Math.floor(state.pos) + delta)));
  store.requestDraw();
  sendStep(400);
}

export function toggleView() {
  var tab = state.tab === "surf" ? "map" : "surf";
  setTab(tab);
  el.viewToggle.textContent = tab === "surf" ? "Map (D)" : "3-D (D)";
  sendEvent({ event: "tab", tab: tab === "surf" ? "3d" : "map" });
}

// A click on a stage button leaves the focus on the player, so Space then plays.
function stageButton(button, action) {
  button.addEventListener("click", function () {
    action();
    button.blur();
    el.player.focus({ preventScroll: true });
  });
}

export function wireStage() {
  stageButton(el.slidePrev, function () { goToSlide(shownSlide(stageInfo().lesson) - 1); });
  stageButton(el.slideNext, function () { goToSlide(shownSlide(stageInfo().lesson) + 1); });
  stageButton(el.viewToggle, toggleView);
  stageButton(el.leave, function () { sendEvent({ event: "present", on: false }); });
}
