// The debug view: what automated checks (the browser tests, the benchmarks) read of the
// player, as window.__racePlayer. Read-only: each field is a getter over the store, read when
// asked; nothing here changes the player. The fields are documented in README.md (this
// folder); a check that needs something else adds a field here rather than reading internals.
import { state } from "./store.js";
import { live } from "./live.js";

function copyStats() {
  var s = state.stats;
  return { renders: s.renders, redraws: s.redraws, surfUpdates: s.surfUpdates,
           renderMs: s.renderMs.slice() };
}

export function debugView() {
  return Object.freeze(Object.create(null, {
    sig: { get: function () { return state.sig; }, enumerable: true },
    drawnSig: { get: function () { return state.drawnSig; }, enumerable: true },
    payload: { get: function () { return state.payload; }, enumerable: true },
    paths: { get: function () { return state.paths; }, enumerable: true },
    steps: { get: function () { return state.steps; }, enumerable: true },
    pos: { get: function () { return state.pos; }, enumerable: true },
    playing: { get: function () { return state.playing; }, enumerable: true },
    tab: { get: function () { return state.tab; }, enumerable: true },
    wide: { get: function () { return state.wide; }, enumerable: true },
    panelHeight: { get: function () { return state.panelHeight; }, enumerable: true },
    start: { get: function () { return state.start && state.start.slice(); }, enumerable: true },
    dragging: { get: function () { return state.dragging; }, enumerable: true },
    hidden: { get: function () { return Object.keys(state.hidden).filter(function (k) { return state.hidden[k]; }); }, enumerable: true },
    built: { get: function () { return { map: state.built.map, surf: state.built.surf, loss: state.built.loss }; }, enumerable: true },
    mapMarks: { get: function () { return state.mapMarks.slice(); }, enumerable: true },
    liveDrawn: { get: function () { return state.liveDrawn; }, enumerable: true },
    liveToken: { get: function () { return live.token; }, enumerable: true },
    stats: { get: copyStats, enumerable: true }
  }));
}
