// The legend: one chip per racer (its sample, its name, its learning-rate slider, its live
// loss and any flag), the map's key, and the chips' input - show/hide, and the learning rate
// dragged (the paths follow from the live route) and committed on release.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { escapeHtml, fmt, isNum, markHtml } from "./util.js";
import { statusOf } from "./paths.js";
import { svgSwatch } from "./symbols.js";
import { markerKey, markerStyles } from "./specs.js";
import { sendEvent } from "./bridge.js";
import { request as liveRequest } from "./live.js";
import { setPathVisible } from "./surf.js";

var chipEls = [];   // per chip, its elements and the text they show

function lrIndex(lr, g) {
  var best = 0;
  for (var i = 1; i < g.length; i++) {
    if (Math.abs(Math.log(g[i] / lr)) < Math.abs(Math.log(g[best] / lr))) best = i;
  }
  return best;
}

// The rate on a chip: "lr" is left out where chips are narrow (the slider's title says it).
function lrHtml(lr) {
  return '<span class="lr-word">lr </span>' + escapeHtml(String(Number(lr.toPrecision(3))));
}

// A chip's name shows whole, or at least its first NAME_MIN characters and an ellipsis:
// the least width of the chip's toggle (its sample and its name) is set to that.
var NAME_MIN = 8;
var measureCtx = null;
function fitNames() {
  if (!chipEls.length) return;
  measureCtx = measureCtx || document.createElement("canvas").getContext("2d");
  // Styles only, no layout: the legend is measured as it is built.
  var cs = getComputedStyle(chipEls[0].name);
  measureCtx.font = cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
  // What comes before the name in the toggle: the sample and the gap.
  var sample = chipEls[0].toggle.querySelector(".sample");
  var before = (sample ? parseFloat(getComputedStyle(sample).width) || 0 : 0) +
    (parseFloat(getComputedStyle(chipEls[0].toggle).columnGap) || 0);
  chipEls.forEach(function (c) {
    var text = c.name.textContent;
    var whole = measureCtx.measureText(text).width;
    var part = text.length <= NAME_MIN + 1 ? whole
      : measureCtx.measureText(text.slice(0, NAME_MIN) + "\u2026").width;
    c.toggle.style.minWidth = Math.ceil(before + Math.min(whole, part) + 2) + "px";
  });
}

export function buildLegend() {
  var html = "";
  var payload = state.payload, live = payload.live || {};
  store.setLrGrids(state.paths.map(function (p, i) { return (live.lr_grids || [])[i] || []; }));
  state.paths.forEach(function (p, i) {
    var lr = (live.lrs || [])[i], grid = state.lrGrids[i];
    // Name, then the learning rate, then the live value and any flag: a flag that appears
    // while the slider is dragged never moves the slider from under the pointer.
    var mark = (live.marks || [])[i];
    html += '<div class="chip' + (store.isVisible(p) ? "" : " off") + (mark ? " marked" : "") +
      '" data-i="' + i + '">' +
      '<button type="button" class="toggle" title="Show or hide this path">' +
      '<span class="swatch">' + svgSwatch(p) + "</span>" +
      '<span class="name" title="' + escapeHtml(p.label) + '">' + escapeHtml(p.label) + "</span></button>";
    if (isNum(lr) && grid.length > 1) {
      html += '<label class="lr" title="Learning rate of ' + escapeHtml(p.label) +
        ': drag sideways, or use the arrow keys">' +
        '<input type="range" class="lr-slider" min="0" max="' + (grid.length - 1) +
        '" step="1" value="' + lrIndex(lr, grid) + '" aria-label="learning rate of ' + escapeHtml(p.label) + '">' +
        '<span class="lr-text">' + lrHtml(lr) + "</span></label>";
    }
    html += markHtml(mark);
    html += '<span class="value" title="loss f at this step"><span class="value-word">f = </span>' +
      '<span class="value-num"></span></span>' +
      '<span class="flag" hidden><span class="flag-icon"></span><span class="flag-words"></span>' +
      '<span class="flag-step"></span></span></div>';
  });
  // A rebuilt legend keeps the keyboard focus on the chip slider that had it, so the arrow
  // keys go on stepping the learning rate after the scene takes the new value.
  var active = document.activeElement, refocus = -1;
  if (active && active.classList && active.classList.contains("lr-slider")) {
    refocus = +active.closest(".chip").getAttribute("data-i");
  }
  el.legend.innerHTML = html;
  // Many racers: narrower chips in even columns, so the legend leaves the map its height.
  el.legend.classList.toggle("crowded", state.paths.length > 6);
  if (refocus >= 0) {
    var again = el.legend.querySelector('.chip[data-i="' + refocus + '"] .lr-slider');
    if (again) again.focus();
  }
  el.mapKey.innerHTML = mapKeyHtml(payload);
  chipEls = Array.prototype.slice.call(el.legend.querySelectorAll(".chip")).map(function (c) {
    return { chip: c, name: c.querySelector(".name"), toggle: c.querySelector(".toggle"),
             value: c.querySelector(".value-num"),
             flag: c.querySelector(".flag"), icon: c.querySelector(".flag-icon"),
             words: c.querySelector(".flag-words"), step: c.querySelector(".flag-step"),
             text: "", flagText: "" };
  });
  Array.prototype.forEach.call(el.legend.querySelectorAll(".lr-slider"), lrPosition);
  fitNames();
}

// The key above the map: its marked points' kinds, the start, the test surface, where f is
// not defined.
function mapKeyHtml(payload) {
  var s = payload.surface || {};
  var key = [];
  var styles = markerStyles(s);
  markerKey(s).forEach(function (k) {
    if (styles[k.kind]) key.push("<span>" + svgMarker(styles[k.kind]) + " " + escapeHtml(k.label) + "</span>");
  });
  if (payload.start) key.push("<span>" + svgRing() + " start</span>");
  if (s.ray) key.push('<span><svg width="22" height="10" style="vertical-align:1px"><path d="M1,5H21" stroke="' +
    escapeHtml(s.ray.color) + '" stroke-width="2" stroke-dasharray="5 3"/></svg> ' + escapeHtml(s.ray.label) + "</span>");
  if (s.test_z) key.push('<span><svg width="22" height="10" style="vertical-align:1px"><path d="M1,5H21" stroke="rgba(150,30,60,0.8)" stroke-width="2" stroke-dasharray="4 3"/></svg> test surface</span>');
  if (s.undefined) {
    key.push('<span><svg width="16" height="12" style="vertical-align:-1px"><rect x="0.5" y="0.5" width="15" height="11" fill="' +
      escapeHtml(s.undefined_color || "#999") + '" stroke="rgba(40,52,80,0.35)"/></svg> ' +
      escapeHtml(s.undefined_text || "f is not defined here") + "</span>");
  }
  return key.join("");
}

// A marked point's symbol for the map key, drawn as its style says (star, ✕ or disc).
function svgMarker(style) {
  var px = Math.max(10, Math.round(14 * style.size)), k = 20 / px;
  var fill = style.fill ? escapeHtml(style.fill) : "none", line = escapeHtml(style.line);
  var lw = (style.line_width * k).toFixed(2), shape;
  if (/^star/.test(style.symbol)) {
    shape = '<path d="M0,-9 L2.6,-3 L9,-2.8 L4,1.4 L5.6,8 L0,4.4 L-5.6,8 L-4,1.4 L-9,-2.8 L-2.6,-3 Z" fill="' + fill + '" stroke="' + line + '" stroke-width="' + lw + '"/>';
  } else if (/^x/.test(style.symbol)) {
    shape = '<path d="M-6,-6L6,6M-6,6L6,-6" stroke="' + line + '" stroke-width="' + lw + '" stroke-linecap="round"/>';
  } else {
    shape = '<circle r="6.5" fill="' + fill + '" stroke="' + line + '" stroke-width="' + lw + '"/>';
  }
  return '<svg width="' + px + '" height="' + px + '" viewBox="-10 -10 20 20" style="vertical-align:' +
    (-Math.round(px / 6)) + 'px">' + shape + "</svg>";
}

function svgRing() {
  return '<svg width="18" height="18" viewBox="-9 -9 18 18" style="vertical-align:-3px"><circle r="6.5" fill="none" stroke="#111827" stroke-width="3"/></svg>';
}

// Each chip's loss at the step shown, and its flag (diverged, off the map): on a narrow chip
// only the icon and the step show; the whole sentence is the flag's title.
export function updateLegendValues() {
  if (!chipEls.length) return;
  var t = state.pos;
  for (var i = 0; i < state.paths.length; i++) {
    var p = state.paths[i], c = chipEls[i];
    if (!c || p.last < 0) continue;
    var ti = Math.min(Math.floor(t), p.last);
    var text = fmt(p.loss[ti]);
    var st = statusOf(p, t);
    var flag = st ? st.words + st.step : "";
    if (text !== c.text) { c.value.textContent = text; c.text = text; }
    if (flag !== c.flagText) {
      c.flagText = flag;
      c.flag.hidden = !st;
      c.flag.title = flag;
      c.flag.setAttribute("aria-label", flag);
      c.icon.textContent = st ? st.icon + " " : "";
      c.words.textContent = st ? st.words : "";
      c.step.textContent = st ? String(st.step) : "";
    }
  }
}

// ------------------------------------------------------------------ input
// A chip's learning rate: the paths follow while it moves, the scene takes it on release
// (or shortly after the last arrow key).
var lrCommit = 0;
function lrFromSlider(slider) {
  var chip = slider.closest(".chip");
  var i = +chip.getAttribute("data-i");
  var lr = state.lrGrids[i][+slider.value];
  chip.querySelector(".lr-text").innerHTML = lrHtml(lr);
  lrPosition(slider);
  return { racer: i, lr: lr };
}
// Where the rate sits in its range, for the narrow chips' underline.
function lrPosition(slider) {
  var max = +slider.max;
  slider.parentNode.style.setProperty("--pos", (max > 0 ? 100 * slider.value / max : 0).toFixed(1) + "%");
}
function commitLr(slider, delay) {
  var v = lrFromSlider(slider);
  clearTimeout(lrCommit);
  lrCommit = setTimeout(function () {
    store.setDragging(false);
    sendEvent({ event: "lr", racer: v.racer, lr: v.lr });
  }, delay);
}

// Dragging a chip's rate, with a mouse, a pen or a finger: one round step for every LR_PX
// pixels of sideways travel, however narrow the slider (a native range input of 80 px moved
// 30 steps for a 30 px drag). A press without a drag only gives the slider the focus, for
// the arrow keys.
var LR_PX = 8;
var lrDrag = null;
function chipSlider(i) { return el.legend.querySelector('.chip[data-i="' + i + '"] .lr-slider'); }

function endLrDrag(ev) {
  if (!lrDrag || ev.pointerId !== lrDrag.id) return;
  var d = lrDrag;
  lrDrag = null;
  var slider = chipSlider(d.racer);
  if (d.moved && slider) commitLr(slider, 0);
}

export function wireLegend() {
  el.legend.addEventListener("click", function (ev) {
    if (!ev.target.closest(".toggle")) return;
    var chip = ev.target.closest(".chip");
    if (!chip) return;
    var p = state.paths[+chip.getAttribute("data-i")];
    if (!p) return;
    store.toggleHidden(p);
    chip.classList.toggle("off", !store.isVisible(p));
    setPathVisible(p);
    store.requestDraw();
  });
  el.legend.addEventListener("input", function (ev) {
    if (!ev.target.classList.contains("lr-slider")) return;
    var v = lrFromSlider(ev.target);
    store.setDragging(true);
    clearTimeout(lrCommit);
    liveRequest(v);
  });
  el.legend.addEventListener("change", function (ev) {
    if (!ev.target.classList.contains("lr-slider")) return;
    commitLr(ev.target, 350);
  });
  el.legend.addEventListener("pointerdown", function (ev) {
    var box = ev.target.closest && ev.target.closest(".lr");
    if (!box || ev.button !== 0 || lrDrag) return;
    var slider = box.querySelector(".lr-slider");
    if (!slider) return;
    ev.preventDefault();
    slider.focus({ preventScroll: true });
    lrDrag = { id: ev.pointerId, racer: +box.closest(".chip").getAttribute("data-i"),
               x0: ev.clientX, v0: +slider.value, v: +slider.value, moved: false };
    try { box.setPointerCapture(ev.pointerId); } catch (e) { /* not capturable */ }
  });
  window.addEventListener("pointermove", function (ev) {
    if (!lrDrag || ev.pointerId !== lrDrag.id) return;
    var slider = chipSlider(lrDrag.racer);
    if (!slider) return;
    var travel = ev.clientX - lrDrag.x0;
    var steps = (travel < 0 ? -1 : 1) * Math.floor(Math.abs(travel) / LR_PX);
    var v = Math.max(0, Math.min(+slider.max, lrDrag.v0 + steps));
    if (v === lrDrag.v) return;
    lrDrag.v = v;
    lrDrag.moved = true;
    slider.value = String(v);
    var got = lrFromSlider(slider);
    store.setDragging(true);
    clearTimeout(lrCommit);
    liveRequest(got);
  });
  window.addEventListener("pointerup", endLrDrag);
  window.addEventListener("pointercancel", endLrDrag);
}
