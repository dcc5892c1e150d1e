// The Streamlit bridge: the plain component protocol (postMessage) - the player's events, its
// frame height and the first "ready" - and errors said on the page.
import { state, store } from "./store.js";
import { el } from "./dom.js";

export function post(type, extra) {
  var msg = { isStreamlitMessage: true, type: type };
  for (var k in extra) msg[k] = extra[k];
  window.parent.postMessage(msg, "*");
}

var stepTimer = 0;

// Streamlit keeps only the player's latest value, so every event also carries the step
// shown (a pending step report is folded into it rather than sent after and winning).
export function sendEvent(ev) {
  clearTimeout(stepTimer);
  ev.nonce = store.nextNonce();
  if (ev.step === undefined && state.paths.length) ev.step = Math.floor(state.pos);
  if (ev.step !== undefined) store.addSentStep(ev.step);
  post("streamlit:setComponentValue", { value: ev, dataType: "json" });
}

// Report the step shown after `delay` ms (a newer report or event replaces it).
export function sendStep(delay) {
  clearTimeout(stepTimer);
  stepTimer = setTimeout(function () {
    sendEvent({ event: "step", step: Math.floor(state.pos) });
  }, delay || 0);
}

export function cancelStep() { clearTimeout(stepTimer); }

var lastHeight = 0;
export function updateFrameHeight() {
  var h = Math.ceil(el.player.getBoundingClientRect().height) + 4;
  if (Math.abs(h - lastHeight) > 1) {
    lastHeight = h;
    post("streamlit:setFrameHeight", { height: h });
  }
}

export function showError(err) {
  var box = document.createElement("div");
  box.className = "error";
  box.textContent = "The race player could not draw this scene: " + (err && err.message ? err.message : err);
  el.player.insertBefore(box, el.player.firstChild);
  updateFrameHeight();
  if (window.console) console.error(err);
}

// Listen for Streamlit's renders and announce the page; the announcement is repeated until
// Streamlit answers with the first render.
export function connect(render) {
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    render(data.args || {});
  });
  var tries = 0;
  (function announce() {
    if (state.payload || tries++ > 20) return;
    post("streamlit:componentReady", { apiVersion: 1 });
    setTimeout(announce, 1000);
  })();
}
