// The player's state, in one place. Every field is declared here (the object is sealed: no
// field is added on the fly); other modules read `state` and change it only through the named
// changes below, which tell their subscribers. The page's own widgets (chips, read-outs, the
// 3-D geometry) keep their element caches in their modules; what is shared lives here.

export var state = Object.seal({
  // The scene Streamlit sent last.
  payload: null,        // the decoded payload (see ui/player.py)
  sig: null,            // its signature: a new one is a new scene
  paths: [],            // the racers' paths, prepared (paths.js); live answers replace them
  steps: 0,             // updates in the run: the scrubber's end
  stepArg: null,        // the step the payload asked for (a new value moves the scrubber)
  sentSteps: [],        // the steps last reported to the app (their echoes move nothing)
  tabArg: null,         // the tab the payload asked for (likewise)
  start: null,          // the start ring: the scene's start, or where the pointer drags it
  lrGrids: [],          // per racer, the learning rates its chip's slider steps through
  slideAsked: null,     // {to, title, sent, at}: the slide asked for by a key or a button
  nonce: Date.now(),    // grows with every event sent

  // Playback.
  pos: 0,               // the step shown (fractional while playing)
  playing: false,
  speed: 1,             // 1: a whole run in RUN_SECONDS

  // The user's choices.
  hidden: Object.create(null),  // racers hidden, by label (no inherited keys: a racer "toString")
  tab: "map",           // "map" or "surf": the view shown when they do not fit side by side
  dragging: false,      // the start point or a learning rate is being dragged

  // Layout.
  wide: false,          // the map and the 3-D view side by side
  panelHeight: 0,       // the map's panel height asked for (or fitted to the window)
  viewHeight: 0,        // the map's and the 3-D view's figure height
  fontSize: 16,
  colorbarRoom: 0,      // px the map's colour bar takes (0: not measured yet)

  // Drawing.
  built: { map: false, surf: false, loss: false },  // the Plotly figures made
  mapKey: null,         // what the map's Plotly figure was last built from
  surfKey: null,        // what the 3-D figure was last built from (paths aside)
  surfStale: true,      // the 3-D figure must be rebuilt before it is shown
  surfPos: -1,          // the step the 3-D view's paths show (-1: behind)
  dirty: false,         // the 2-D views need a repaint on the next animation frame
  mapJustPainted: false,  // the map got new paths this frame (the 3-D view waits a frame)
  drawnSig: null,       // the scene whose paths the map canvas shows
  mapMarks: [],         // where each racer's marker was last drawn on the map, in pixels
  liveDrawn: 0,         // live answers painted
  stats: { redraws: 0, surfUpdates: 0, renders: 0, renderMs: [] }
});

var listeners = Object.create(null);

// Subscribe to a change by name; returns a function that unsubscribes.
export function on(name, fn) {
  (listeners[name] = listeners[name] || []).push(fn);
  return function () { listeners[name] = listeners[name].filter(function (f) { return f !== fn; }); };
}

function tell(name, detail) {
  var fns = listeners[name];
  if (!fns) return;
  for (var i = 0; i < fns.length; i++) fns[i](detail);
}

// Names of the changes subscribers hear:
//   "frame"   something moved: an animation frame should run (dirty says whether 2-D repaints)
//   "playing" playback started or stopped
//   "scene"   a new scene was taken
//   "hidden"  a racer was shown or hidden ({path})
export var store = {
  // ------------------------------------------------------------------ scene
  setScene: function (s) {
    state.sig = s.sig;
    state.payload = s.payload;
    state.steps = s.steps;
    state.paths = s.paths;
    state.pos = s.pos;
    state.stepArg = s.stepArg;
    tell("scene", s);
  },
  // Paths computed by the live route for the scene shown: painted at once, the 3-D view
  // catching up once the pointer is released.
  setLivePaths: function (paths) {
    state.paths = paths;
    state.surfPos = -1;
    state.mapJustPainted = true;
    state.liveDrawn++;
    store.requestDraw();
  },
  setTabArg: function (tab) { state.tabArg = tab; },
  setStart: function (pt) { state.start = pt; },
  setLrGrids: function (grids) { state.lrGrids = grids; },
  // A slide asked for (`sent`: the one last sent for this ask, `at`: when); null: none.
  askSlide: function (asked) { state.slideAsked = asked; },
  slideSent: function (to) {
    state.slideAsked.sent = to;
    state.slideAsked.at = Date.now();
  },
  addSentStep: function (step) {
    state.sentSteps = state.sentSteps.concat([step]).slice(-4);
  },
  nextNonce: function () {
    state.nonce = Math.max(state.nonce + 1, Date.now());
    return state.nonce;
  },

  // --------------------------------------------------------------- playback
  setPos: function (pos) { state.pos = pos; },
  setPlaying: function (on) {
    state.playing = on;
    tell("playing", on);
  },
  setSpeed: function (v) { state.speed = v; },

  // ------------------------------------------------------------ user choices
  toggleHidden: function (path) {
    state.hidden[path.label] = !state.hidden[path.label];
    tell("hidden", { path: path });
  },
  isVisible: function (path) { return !state.hidden[path.label]; },
  setTab: function (tab) { state.tab = tab; },
  setDragging: function (on) {
    state.dragging = on;
    if (!on) store.schedule();   // the 3-D view catches up now
  },

  // ------------------------------------------------------------------ layout
  setWide: function (on) { state.wide = on; },
  setPanelHeight: function (h) { state.panelHeight = h; },
  setViewHeight: function (h) { state.viewHeight = h; },
  setFontSize: function (px) { state.fontSize = px; },
  setColorbarRoom: function (px) { state.colorbarRoom = px; },

  // ----------------------------------------------------------------- drawing
  setBuilt: function (view) { state.built[view] = true; },
  setFigureKeys: function (mapKey, surfKey) {
    if (mapKey !== undefined) state.mapKey = mapKey;
    if (surfKey !== undefined && surfKey !== state.surfKey) {
      state.surfKey = surfKey;
      state.surfStale = true;
    }
  },
  setSurfStale: function (on) { state.surfStale = on; },
  // The 3-D view's paths show step `pos` (-1: they must be redrawn).
  setSurfPos: function (pos) { state.surfPos = pos; },
  setMapJustPainted: function (on) { state.mapJustPainted = on; },
  mapPainted: function (marks) {
    state.mapMarks = marks;
    state.drawnSig = state.sig;
  },
  // Repaint the 2-D views on the next animation frame.
  requestDraw: function () {
    state.dirty = true;
    tell("frame");
  },
  // The same, from within an animation frame (which then draws).
  markDirty: function () { state.dirty = true; },
  // Run an animation frame (the 3-D view may be behind) without a 2-D repaint.
  schedule: function () { tell("frame"); },
  takeDirty: function () {
    var was = state.dirty;
    state.dirty = false;
    return was;
  },
  countRedraw: function () { state.stats.redraws++; },
  countSurfUpdate: function () { state.stats.surfUpdates++; },
  rendered: function (ms) {
    state.stats.renders++;
    state.stats.renderMs.push(ms);
    if (state.stats.renderMs.length > 50) state.stats.renderMs.shift();
  }
};
