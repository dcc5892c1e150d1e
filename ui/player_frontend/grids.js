// Grids by address: the app sends the surface's grids by address (meta.surface.grid); they are
// fetched once per surface and kept here, so a rerun that only changes the paths carries the
// paths alone. When the surface changes under a page already drawn, the render carries the
// new grids itself (args.grids, what the address would answer): no request to wait for.
import { readFrame, toBuffer } from "./decode.js";

var byKey = {}, order = [], waiting = null, loading = null;

function keyOf(g) { return g.sig + " " + g.url; }

// True when the arguments' grids are here (or none are needed); otherwise they are fetched
// and `render` is called again with the newest arguments once they arrive.
export function withGrids(args, render, onError) {
  var g = args.meta && args.meta.surface && args.meta.surface.grid;
  if (g && !byKey[keyOf(g)] && args.grids) keep(keyOf(g), readFrame(toBuffer(args.grids)));
  if (!g || byKey[keyOf(g)]) {
    waiting = null;   // older arguments still waiting for their grids are outdated
    return true;
  }
  waiting = args;     // the newest arguments are drawn once their grids arrive
  var key = keyOf(g);
  if (loading === key) return false;
  loading = key;
  fetch(new URL("../../" + g.url, location.href).href,
        { headers: args.token ? { "X-Race-Token": args.token } : {} })
    .then(function (r) {
      if (!r.ok) throw new Error("the map's grids could not be loaded (" + r.status + ")");
      return r.arrayBuffer();
    })
    .then(function (buf) {
      keep(key, readFrame(buf));
      loading = null;
      var next = waiting;
      waiting = null;
      if (next) render(next);
    })
    .catch(function (err) {
      loading = null;
      onError(err);
    });
  return false;
}

// A surface's decoded grids, kept under their address (the last four surfaces).
function keep(key, frame) {
  if (byKey[key]) return;
  byKey[key] = frame.grids;
  order.push(key);
  while (order.length > 4) delete byKey[order.shift()];
}

// The grids of a decoded surface that names them, put in place.
export function fillGrids(surface) {
  var grid = surface && surface.grid;
  if (!grid) return;
  var arrays = byKey[keyOf(grid)];
  for (var k in arrays) surface[k] = arrays[k];
}
