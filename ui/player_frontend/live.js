// The live client: while the pointer drags (the start on the map, a learning rate on a chip)
// the paths come from the app's live route, not from a Streamlit rerun: one request in flight
// at a time and only the latest wish queued behind it, so the newest position always wins and
// answers never arrive out of order. A new scene from Streamlit drops any answer still on its
// way. Each request carries the token the server gave this page (the route answers no one
// else); a refusal (server busy, token expired) is said in the map's hint, as text, and the
// drag then takes effect on release.
import { state, store } from "./store.js";
import { el } from "./dom.js";
import { readFrame } from "./decode.js";
import { preparePath } from "./paths.js";

// The route's address beside the page's (none on a page without one, a data: URL say).
function routeUrl() {
  try { return new URL("../../live/race", location.href).href; } catch (e) { return null; }
}

export var live = {
  url: routeUrl(),
  token: null,
  inflight: false,
  pending: null,
  gen: 0,           // the scene's generation: answers for an older one are dropped
  broken: false,    // no route here: drags commit on release only
  hint: el.mapHint ? el.mapHint.textContent : ""
};

export function say(text) {
  if (!el.mapHint) return;
  el.mapHint.textContent = text || live.hint;
}

// The token Streamlit sent with the scene (renewed every ten minutes).
export function setToken(token) {
  if ((token || null) === live.token) return;
  live.token = token || null;
  say(null);
}

// A new scene: answers to requests about the previous one are dropped.
export function newScene() { live.gen++; }

function available() {
  return !live.broken && live.url && live.token && state.payload && state.payload.live &&
    state.payload.live.scene && window.fetch;
}

// Ask for the paths with `extra` ({start: [x, y]} or {racer, lr}) changed in the scene.
export function request(extra) {
  if (!available()) return;
  var req = { scene: state.payload.live.scene };
  for (var k in extra) req[k] = extra[k];
  live.pending = { body: JSON.stringify(req), gen: live.gen };
  pump();
}

function pump() {
  if (live.inflight || !live.pending) return;
  var job = live.pending;
  live.pending = null;
  live.inflight = true;
  fetch(live.url, { method: "POST", body: job.body,
                    headers: { "Content-Type": "application/json", "X-Race-Token": live.token } })
    .then(function (r) {
      var kind = r.headers.get("Content-Type") || "";
      if (r.ok && kind.indexOf("octet-stream") >= 0) return r.arrayBuffer();
      // Served without the route (the player on its own): drags then commit on release only.
      if (r.status === 404 || r.status === 405 || r.ok) live.broken = true;
      if (r.status === 409) return null;  // replaced by this page's newer request
      if (kind.indexOf("json") < 0) return null;
      return r.json().then(function (err) {
        say(String(err && err.error || "the server refused") +
            " (the paths follow when you let go)");
        return null;
      });
    })
    .then(function (buf) {
      live.inflight = false;
      if (buf) say(null);
      if (buf && job.gen === live.gen) apply(readFrame(buf));
      pump();
    })
    .catch(function () {
      live.inflight = false;
      pump();
    });
}

function apply(res) {
  if (!res || !res.paths || res.paths.length !== state.paths.length) return;
  var scene = state.payload && state.payload.paths;
  store.setLivePaths(res.paths.map(function (p, i) { return preparePath(p, i, scene); }));
}
