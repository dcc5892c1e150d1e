/* Race player: optimizer paths animated on a loss surface.
 *
 * The page talks to Streamlit with the plain component protocol (postMessage).
 * Plotly draws the static parts of each view (contours, axes, the 3-D
 * surface); the moving parts of the 2-D views are painted on a canvas laid
 * over the Plotly plot area, so a frame costs a few milliseconds even for
 * 10,000-step runs. The 3-D view is updated with Plotly.restyle at the rate
 * the browser can sustain, and only while it is visible.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ setup
  var FONT = '"Source Sans Pro", "Source Sans 3", "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif';
  var RUN_SECONDS = 8;          // a whole run at 1x
  var MAX_3D_POINTS = 1500;     // per path and 3-D update
  var WIDE_MIN = 1100;          // px; side-by-side views from this width
  var SAFE = 1e5;               // px; segments are clipped to this box
  // The map's colour scale, marker styles and 3-D z scale come with the payload (the map's
  // specification, figures/mapspec.py, shared with the exported figures); these are the
  // fallbacks for payloads without it.
  var COLORSCALE = [
    [0.0, "#fffbe8"], [0.2, "#f5f2da"], [0.4, "#e3eedc"],
    [0.6, "#d0e3ea"], [0.8, "#c0d0ea"], [1.0, "#b4bde3"]
  ];

  var el = {
    player: document.getElementById("player"),
    play: document.getElementById("play"),
    playLabel: document.querySelector("#play .label"),
    speed: document.getElementById("speed"),
    scrub: document.getElementById("scrub"),
    readout: document.getElementById("readout"),
    legend: document.getElementById("legend"),
    views: document.getElementById("views"),
    title: document.getElementById("title"),
    map: document.getElementById("map"),
    surf: document.getElementById("surf"),
    loss: document.getElementById("loss"),
    arrowKey: document.getElementById("arrow-key"),
    mapKey: document.getElementById("map-key"),
    panes: {
      map: document.getElementById("pane-map"),
      surf: document.getElementById("pane-surf")
    },
    tabs: Array.prototype.slice.call(document.querySelectorAll(".tab")),
    stageText: document.getElementById("stage-text"),
    readouts: document.getElementById("readouts"),
    slidePrev: document.getElementById("slide-prev"),
    slideNext: document.getElementById("slide-next"),
    slideCount: document.getElementById("slide-count"),
    viewToggle: document.getElementById("view-toggle"),
    leave: document.getElementById("leave"),
    keyHint: document.getElementById("key-hint")
  };

  var S = {
    payload: null,
    sig: null,
    paths: [],
    steps: 0,
    stepArg: null,
    pos: 0,
    playing: false,
    speed: 1,
    lastTime: null,
    hidden: Object.create(null),  // by label: no inherited keys (a racer called "toString")
    tab: "map",
    wide: false,
    built: { map: false, surf: false, loss: false },
    surfStale: true,
    surfPos: -1,
    surfNext: 0,
    surfCost: 20,
    surfRender: 0,
    prevFrame: 0,
    raf: 0,
    dirty: false,
    legendAt: 0,
    nonce: Date.now(),
    pendingClick: null,
    stepTimer: 0,
    slideTimer: 0,     // a slide asked for, waiting for the page to finish its run
    slideAsked: null,  // {to, title, sent, at}: the slide asked for by a key or a button
    stats: { redraws: 0, surfUpdates: 0, renders: 0, renderMs: [] },
    drawnSig: null,   // the payload whose paths the map canvas shows
    mapKey: null,     // what the map's Plotly figure was last built from
    surfKey: null,    // what the 3-D figure was last built from (paths aside)
    start: null,      // the start ring: the scene's start, or where the pointer drags it
    dragging: false,  // a start point or a learning rate is being dragged
    lrGrids: [],      // the learning rates each chip's slider steps through
    liveDrawn: 0,     // live answers painted (read by automated checks)
    mapMarks: []      // where each path's marker was last drawn on the map, in pixels (likewise)
  };
  // Read by automated checks of the page.
  window.__racePlayer = S;

  // ------------------------------------------------------ Streamlit bridge
  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra) msg[k] = extra[k];
    window.parent.postMessage(msg, "*");
  }

  // Streamlit keeps only the player's latest value, so every event also carries the step
  // shown (a pending step report is folded into it rather than sent after and winning).
  function sendEvent(ev) {
    clearTimeout(S.stepTimer);
    S.nonce = Math.max(S.nonce + 1, Date.now());
    ev.nonce = S.nonce;
    if (ev.step === undefined && S.paths.length) ev.step = Math.floor(S.pos);
    post("streamlit:setComponentValue", { value: ev, dataType: "json" });
  }

  function sendStep(delay) {
    clearTimeout(S.stepTimer);
    S.stepTimer = setTimeout(function () {
      sendEvent({ event: "step", step: Math.floor(S.pos) });
    }, delay || 0);
  }

  // ------------------------------------------------------------ live paths
  // While the pointer drags (the start on the map, a learning rate on a chip) the paths come
  // from the app's live route, not from a Streamlit rerun: one request in flight at a time and
  // only the latest wish queued behind it, so the newest position always wins and answers
  // never arrive out of order. A new scene from Streamlit drops any answer still on its way.
  // Each request carries the token the server gave this page (the route answers no one else);
  // a refusal (server busy, token expired) is said in the map's hint, as text, and the drag
  // then takes effect on release.
  var Live = {
    url: new URL("../../live/race", location.href).href,
    token: null,
    inflight: false,
    pending: null,
    gen: 0,
    broken: false,
    note: document.querySelector("#pane-map .hint"),
    hint: null
  };
  Live.hint = Live.note ? Live.note.textContent : "";
  window.__raceLive = Live;  // read by automated checks

  function liveSay(text) {
    if (!Live.note) return;
    Live.note.textContent = text || Live.hint;
  }

  function liveAvailable() {
    return !Live.broken && Live.token && S.payload && S.payload.live && S.payload.live.scene &&
      window.fetch;
  }

  function liveRequest(extra) {
    if (!liveAvailable()) return;
    var req = { scene: S.payload.live.scene };
    for (var k in extra) req[k] = extra[k];
    Live.pending = { body: JSON.stringify(req), gen: Live.gen };
    livePump();
  }

  function livePump() {
    if (Live.inflight || !Live.pending) return;
    var job = Live.pending;
    Live.pending = null;
    Live.inflight = true;
    fetch(Live.url, { method: "POST", body: job.body,
                      headers: { "Content-Type": "application/json", "X-Race-Token": Live.token } })
      .then(function (r) {
        var kind = r.headers.get("Content-Type") || "";
        if (r.ok && kind.indexOf("octet-stream") >= 0) return r.arrayBuffer();
        // Served without the route (the player on its own): drags then commit on release only.
        if (r.status === 404 || r.status === 405 || r.ok) Live.broken = true;
        if (r.status === 409) return null;  // replaced by this page's newer request
        if (kind.indexOf("json") < 0) return null;
        return r.json().then(function (err) {
          liveSay(String(err && err.error || "the server refused") +
                  " (the paths follow when you let go)");
          return null;
        });
      })
      .then(function (buf) {
        Live.inflight = false;
        if (buf) liveSay(null);
        if (buf && job.gen === Live.gen) applyLive(readLive(buf));
        livePump();
      })
      .catch(function () {
        Live.inflight = false;
        livePump();
      });
  }

  function readLive(buf) {
    var n = new DataView(buf).getUint32(0, true);
    var head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
    var start = 4 + n + ((8 - ((4 + n) % 8)) % 8);
    return decode(head, buf.slice(start));
  }

  function applyLive(res) {
    if (!res || !res.paths || res.paths.length !== S.paths.length) return;
    S.paths = res.paths.map(preparePath);
    S.surfPos = -1;            // the 3-D view catches up once the pointer is released
    S.mapJustPainted = true;
    S.liveDrawn++;
    requestDraw();
  }

  var lastHeight = 0;
  function updateFrameHeight() {
    var h = Math.ceil(el.player.getBoundingClientRect().height) + 4;
    if (Math.abs(h - lastHeight) > 1) {
      lastHeight = h;
      post("streamlit:setFrameHeight", { height: h });
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    render(data.args || {});
  });

  function showError(err) {
    var box = document.createElement("div");
    box.className = "error";
    box.textContent = "The race player could not draw this scene: " + (err && err.message ? err.message : err);
    el.player.insertBefore(box, el.player.firstChild);
    updateFrameHeight();
    if (window.console) console.error(err);
  }

  // ---------------------------------------------------------------- decode
  function decode(value, buffer) {
    if (Array.isArray(value)) return value.map(function (v) { return decode(v, buffer); });
    if (value && typeof value === "object") {
      if (value.__buf__) {
        var d = value.__buf__, off = d[0], n = d[1], shape = d[3];
        var flat = d[2] === "f8" ? new Float64Array(buffer, off, n) :
          d[2] === "x4" ? unXor4(buffer, off, n) :
          d[2] === "d2" ? unDelta2(buffer, off, n, d[4], d[5]) : new Float32Array(buffer, off, n);
        if (shape.length === 2) {
          var rows = [], w = shape[1];
          for (var r = 0; r < shape[0]; r++) rows.push(flat.subarray(r * w, (r + 1) * w));
          return rows;
        }
        return flat;
      }
      var out = {};
      for (var k in value) out[k] = decode(value[k], buffer);
      return out;
    }
    return value;
  }

  // float32 packed for compression (ui/packing.py): bytes grouped by position, each value's
  // bits XOR the previous value's.
  function unXor4(buffer, off, n) {
    var src = new Uint8Array(buffer, off, 4 * n), out = new Uint8Array(4 * n);
    for (var b = 0; b < 4; b++) {
      for (var i = 0, at = b * n; i < n; i++) out[4 * i + b] = src[at + i];
    }
    var bits = new Uint32Array(out.buffer);
    for (var k = 1; k < n; k++) bits[k] ^= bits[k - 1];
    return new Float32Array(out.buffer);
  }

  // A grid in 16 bits (ui/packing.py): steps of `step` above `lo`, each stored as its
  // difference to the one before, bytes grouped by position; 65535 is a value not defined.
  function unDelta2(buffer, off, n, lo, step) {
    var src = new Uint8Array(buffer, off, 2 * n), out = new Float32Array(n), q = 0;
    for (var i = 0; i < n; i++) {
      q = (q + (src[i] | (src[n + i] << 8))) & 0xffff;
      out[i] = q === 65535 ? NaN : lo + q * step;
    }
    return out;
  }

  function toBuffer(bytes) {
    if (!bytes) return new ArrayBuffer(0);
    if (bytes instanceof ArrayBuffer) return bytes;
    // Copy so that typed-array views start at an aligned offset.
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  function plain(arr) { return arr ? Array.prototype.slice.call(arr) : []; }
  function plainGrid(rows) { return rows ? rows.map(plain) : []; }
  // Memoise a value derived from a (reused) payload object under a hidden key.
  function cached(obj, key, make) {
    if (!Object.prototype.hasOwnProperty.call(obj, "__" + key)) {
      Object.defineProperty(obj, "__" + key, { value: make(), enumerable: false });
    }
    return obj["__" + key];
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  // ------------------------------------------------------------ formatting
  function fmt(v) {
    if (!isNum(v)) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace("e+", "e");
    return Number(v.toPrecision(3)).toString();
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Text for Plotly (trace names, hover templates): Plotly reads a subset of HTML (<a href>,
  // <b>, <br>, entities) and %{...} variables in them, and decodes numeric character
  // references only (not &quot;), so a label becomes references for & < > { }.
  function plotText(s) {
    return String(s).replace(/[&<>{}]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  // ----------------------------------------------------------------- paths
  function preparePath(p, i) {
    var n = Math.min(p.x.length, p.y.length, p.loss.length);
    var lastFinite = -1;
    for (var k = 0; k < n; k++) {
      if (isFinite(p.x[k]) && isFinite(p.y[k])) lastFinite = k;
      else break;
    }
    var divergedAt = isNum(p.diverged_at) ? p.diverged_at : null;
    // "diverged": blew up; "left": left the map going downhill; "domain": reached a point
    // where the typed f is not defined. Each stops the path there.
    var diverged = p.status === "diverged" || p.status === "left" || p.status === "domain";
    if (diverged && divergedAt === null) divergedAt = Math.max(lastFinite, 0);
    return {
      index: i,
      label: p.label || ("path " + (i + 1)),
      color: p.color || "#1f77b4",
      // Marker shape and line dash (the live route's paths take those of the scene's racers).
      symbol: p.symbol || livePathStyle(i, "symbol") || "circle",
      dash: p.dash || livePathStyle(i, "dash") || "solid",
      x: p.x, y: p.y, loss: p.loss, lossY: p.loss_y || p.loss,
      lr: p.lr || null,
      grad: p.arrows ? p.arrows.grad : null,
      update: p.arrows ? p.arrows.update : null,
      n: n,
      last: lastFinite,
      diverged: diverged,
      left: p.status === "left",
      // The step from which the path stays off the drawn map (a run stops only far outside it).
      offMapAt: isNum(p.off_map_at) ? p.off_map_at : null,
      domain: p.status === "domain",
      divergedAt: divergedAt
    };
  }

  function livePathStyle(i, key) {
    var q = S.payload && S.payload.paths && S.payload.paths[i];
    return q ? q[key] : null;
  }

  function isVisible(path) { return !S.hidden[path.label]; }

  // Position of a path at fractional step t (clamped to its last finite point).
  function pointAt(path, t) {
    if (path.last < 0) return null;
    if (t >= path.last) return { x: path.x[path.last], y: path.y[path.last], i: path.last, f: 0, end: true };
    var i = Math.floor(t), f = t - i;
    var x = path.x[i], y = path.y[i];
    if (f > 0) {
      x += (path.x[i + 1] - x) * f;
      y += (path.y[i + 1] - y) * f;
    }
    return { x: x, y: y, i: i, f: f, end: false };
  }

  function valueAt(arr, t, last, logScale) {
    var i = Math.floor(t);
    if (i >= last) return arr[last];
    var a = arr[i], b = arr[i + 1], f = t - i;
    if (!(f > 0) || !isFinite(b)) return a;
    if (logScale && a > 0 && b > 0) return Math.exp(Math.log(a) + (Math.log(b) - Math.log(a)) * f);
    return a + (b - a) * f;
  }

  // ---------------------------------------------------------- canvas tools
  // A polyline painter that clips segments to a safe box, so points far off
  // the screen (a diverging run) never reach the canvas as huge numbers.
  // A polyline built as a few short Path2D pieces: software rasterizers stroke one long,
  // self-crossing path in time that grows much faster than its length (four 10,000-step
  // zig-zags took ~450 ms a frame as one path each, ~40 ms as pieces of CHUNK segments).
  var CHUNK = 64;
  function Pen(ctx) {
    this.ctx = ctx;
    this.has = false;
    this.lx = 0; this.ly = 0;
    this.down = false;
    this.pieces = [];
    this.path = new Path2D();
    this.n = 0;
    // Length drawn so far and where each piece starts along it: a dash pattern goes on
    // across the pieces instead of starting again at each.
    this.cx = 0; this.cy = 0;
    this.len = 0;
    this.starts = [0];
  }
  Pen.prototype.moveTo = function (x, y) { this.path.moveTo(x, y); this.cx = x; this.cy = y; };
  Pen.prototype.lineTo = function (x, y) {
    this.path.lineTo(x, y);
    var dx = x - this.cx, dy = y - this.cy;
    this.len += Math.sqrt(dx * dx + dy * dy);
    this.cx = x; this.cy = y;
    if (++this.n >= CHUNK) {
      this.pieces.push(this.path);
      this.starts.push(this.len);
      this.path = new Path2D();
      this.path.moveTo(x, y);
      this.n = 0;
    }
  };
  Pen.prototype.all = function () { return this.n ? this.pieces.concat([this.path]) : this.pieces; };
  Pen.prototype.point = function (x, y) {
    if (!(isFinite(x) && isFinite(y))) { this.has = false; this.down = false; return; }
    if (!this.has) { this.has = true; this.lx = x; this.ly = y; this.down = false; return; }
    var x0 = this.lx, y0 = this.ly, x1 = x, y1 = y;
    this.lx = x; this.ly = y;
    var inside0 = Math.abs(x0) < SAFE && Math.abs(y0) < SAFE;
    var inside1 = Math.abs(x1) < SAFE && Math.abs(y1) < SAFE;
    if (inside0 && inside1) {
      if (!this.down) { this.moveTo(x0, y0); this.down = true; }
      this.lineTo(x1, y1);
      return;
    }
    // Liang-Barsky clipping against [-SAFE, SAFE]^2.
    var dx = x1 - x0, dy = y1 - y0, t0 = 0, t1 = 1;
    var p = [-dx, dx, -dy, dy], q = [x0 + SAFE, SAFE - x0, y0 + SAFE, SAFE - y0];
    for (var k = 0; k < 4; k++) {
      if (p[k] === 0) { if (q[k] < 0) { this.down = false; return; } continue; }
      var r = q[k] / p[k];
      if (p[k] < 0) { if (r > t1) { this.down = false; return; } if (r > t0) t0 = r; }
      else { if (r < t0) { this.down = false; return; } if (r < t1) t1 = r; }
    }
    if (!this.down || t0 > 0) this.moveTo(x0 + t0 * dx, y0 + t0 * dy);
    this.lineTo(x0 + t1 * dx, y0 + t1 * dy);
    this.down = t1 === 1;
  };

  function ensureOverlay(gd) {
    var container = gd.querySelector(".svg-container");
    if (!container) return null;
    var canvas = gd.__overlay;
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.className = "overlay";
      gd.__overlay = canvas;
    }
    if (canvas.parentNode !== container) {
      // Above the plot, below Plotly's hover labels and zoom box.
      var svgs = container.querySelectorAll(":scope > svg.main-svg");
      container.insertBefore(canvas, svgs.length > 1 ? svgs[1] : null);
    }
    var w = container.clientWidth, h = container.clientHeight;
    var dpr = window.devicePixelRatio || 1;
    if (canvas.__w !== w || canvas.__h !== h || canvas.__dpr !== dpr) {
      canvas.width = Math.max(1, Math.round(w * dpr));
      canvas.height = Math.max(1, Math.round(h * dpr));
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      canvas.__w = w; canvas.__h = h; canvas.__dpr = dpr;
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return ctx;
  }

  // Data-to-pixel mapping for one Plotly axis, read from its live range (so
  // it follows pans while the user drags).
  function axisMap(ax, vertical) {
    var log = ax.type === "log";
    var r0 = ax.range[0], r1 = ax.range[1];
    var off = ax._offset, len = ax._length;
    var s = len / (r1 - r0);
    if (vertical) {
      return {
        log: log, off: off, len: len,
        map: log ? function (v) { return off + len - (Math.log10(v) - r0) * s; }
                 : function (v) { return off + len - (v - r0) * s; },
        inv: function (p) { var l = r0 + (off + len - p) / s; return log ? Math.pow(10, l) : l; }
      };
    }
    return {
      log: log, off: off, len: len,
      map: log ? function (v) { return off + (Math.log10(v) - r0) * s; }
               : function (v) { return off + (v - r0) * s; },
      inv: function (p) { var l = r0 + (p - off) / s; return log ? Math.pow(10, l) : l; }
    };
  }

  // The pen's pieces with a light casing under the colour (all casing first, so the pieces
  // join without seams).
  // A dash (Plotly's name, optional) is drawn on a solid casing.
  function strokeCased(ctx, color, width, pen, dash) {
    var pieces = pen.all();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.lineWidth = width + 2.5;
    for (var i = 0; i < pieces.length; i++) ctx.stroke(pieces[i]);
    var pattern = dashPattern(dash, width);
    if (pattern.length) {
      ctx.setLineDash(pattern);
      ctx.lineCap = "butt";
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    for (var j = 0; j < pieces.length; j++) {
      if (pattern.length) ctx.lineDashOffset = pen.starts[j];
      ctx.stroke(pieces[j]);
    }
    if (pattern.length) { ctx.setLineDash([]); ctx.lineDashOffset = 0; }
  }

  function drawDot(ctx, x, y, r, color) {
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = color;
    ctx.fill();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0,0,0,0.45)";
    ctx.beginPath();
    ctx.arc(x, y, r + 1.5, 0, 2 * Math.PI);
    ctx.stroke();
  }

  // Each racer's marker shape, by Plotly's symbol name (the payload's paths carry them, from
  // figures/mapspec.py, as the exported figures draw them): a polygon around a unit radius,
  // or null for a circle. Shapes are sized to look as large as a circle of the same radius.
  function regular(n, turn, r) {
    var v = [];
    for (var k = 0; k < n; k++) {
      var a = turn + 2 * Math.PI * k / n;
      v.push([r * Math.sin(a), -r * Math.cos(a)]);
    }
    return v;
  }
  function starShape(n, inner, r) {
    var v = [];
    for (var k = 0; k < 2 * n; k++) {
      var a = Math.PI * k / n, rr = k % 2 ? r * inner : r;
      v.push([rr * Math.sin(a), -rr * Math.cos(a)]);
    }
    return v;
  }
  var PLUS = [[-0.4, -1.15], [0.4, -1.15], [0.4, -0.4], [1.15, -0.4], [1.15, 0.4], [0.4, 0.4],
              [0.4, 1.15], [-0.4, 1.15], [-0.4, 0.4], [-1.15, 0.4], [-1.15, -0.4], [-0.4, -0.4]];
  var SYMBOLS = {
    square: [[-0.88, -0.88], [0.88, -0.88], [0.88, 0.88], [-0.88, 0.88]],
    diamond: [[0, -1.22], [1.22, 0], [0, 1.22], [-1.22, 0]],
    "diamond-tall": [[0, -1.4], [0.8, 0], [0, 1.4], [-0.8, 0]],
    "diamond-wide": [[0, -0.8], [1.4, 0], [0, 0.8], [-1.4, 0]],
    "triangle-up": regular(3, 0, 1.35),
    "triangle-down": regular(3, Math.PI, 1.35),
    "triangle-left": regular(3, -Math.PI / 2, 1.35),
    "triangle-right": regular(3, Math.PI / 2, 1.35),
    pentagon: regular(5, 0, 1.1),
    hexagon: regular(6, 0, 1.05),
    hexagon2: regular(6, Math.PI / 6, 1.05),
    octagon: regular(8, Math.PI / 8, 1.02),
    cross: PLUS,
    x: PLUS.map(function (v) { return [(v[0] - v[1]) * Math.SQRT1_2, (v[0] + v[1]) * Math.SQRT1_2]; }),
    star: starShape(5, 0.45, 1.35),
    hexagram: starShape(6, 0.58, 1.2),
    hourglass: [[-1, -1.05], [1, -1.05], [-1, 1.05], [1, 1.05]],
    bowtie: [[-1.05, -1], [1.05, 1], [1.05, -1], [-1.05, 1]]
  };
  function symbolShape(name) {
    var base = String(name || "circle").replace(/-(open-dot|open|dot)$/, "");
    return Object.prototype.hasOwnProperty.call(SYMBOLS, base) ? SYMBOLS[base] : null;
  }

  function traceSymbol(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (!shape) { ctx.arc(x, y, r, 0, 2 * Math.PI); return; }
    for (var k = 0; k < shape.length; k++) {
      var px = x + shape[k][0] * r, py = y + shape[k][1] * r;
      if (k) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    }
    ctx.closePath();
  }

  // A racer's marker: its shape in its colour, with a white rim and a faint dark outline, so
  // it stands out on the map and on other paths.
  function drawMarker(ctx, x, y, r, color, symbol) {
    var shape = symbolShape(symbol);
    if (!shape) { drawDot(ctx, x, y, r, color); return; }
    traceSymbol(ctx, shape, x, y, r - 0.5);
    ctx.lineJoin = "round";
    ctx.lineWidth = 5;
    ctx.strokeStyle = "rgba(0,0,0,0.45)";
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fill();
  }

  // Plotly's dash names as a canvas dash pattern for a line of width lw (as Plotly sizes them).
  function dashPattern(dash, lw) {
    var d = Math.max(lw || 1, 3);
    switch (dash) {
      case "dot": return [d, d];
      case "dash": return [3 * d, 3 * d];
      case "longdash": return [5 * d, 5 * d];
      case "dashdot": return [3 * d, d, d, d];
      case "longdashdot": return [5 * d, 2 * d, d, 2 * d];
      default: return [];
    }
  }

  function drawCross(ctx, x, y, r, color) {
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
    ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 7;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 4;
    ctx.stroke();
  }

  function drawArrow(ctx, x0, y0, x1, y1, color, dashed) {
    var dx = x1 - x0, dy = y1 - y0, len = Math.sqrt(dx * dx + dy * dy);
    if (!(len > 1)) return;
    var ux = dx / len, uy = dy / len, head = Math.min(14, len * 0.45);
    var bx = x1 - ux * head, by = y1 - uy * head;
    ctx.save();
    ctx.lineCap = "round";
    ctx.setLineDash(dashed ? [7, 5] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(bx, by);
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 6;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 3;
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(bx - uy * head * 0.5, by + ux * head * 0.5);
    ctx.lineTo(bx + uy * head * 0.5, by - ux * head * 0.5);
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.fill();
    ctx.restore();
  }

  // ------------------------------------------------------------- 2-D map
  // Where a path's marker goes, in pixels: its current point when that is on the map, else the
  // point where the path's line last leaves the map (the last step that crosses the map,
  // clipped to the map's rectangle), as the exported figures place it. A path whose line never
  // crosses the map is held at the nearest point of the edge.
  function markerPoint(path, cur, X, Y) {
    var ax = [X.inv(X.off), X.inv(X.off + X.len)], ay = [Y.inv(Y.off + Y.len), Y.inv(Y.off)];
    var x0 = Math.min(ax[0], ax[1]), x1 = Math.max(ax[0], ax[1]);
    var y0 = Math.min(ay[0], ay[1]), y1 = Math.max(ay[0], ay[1]);
    var bx = cur.x, by = cur.y;
    if (bx >= x0 && bx <= x1 && by >= y0 && by <= y1) return [X.map(bx), Y.map(by)];
    // Back from the last step drawn (from point k to the current position).
    for (var k = cur.end || !(cur.f > 0) ? cur.i - 1 : cur.i; k >= 0; k--) {
      var px = path.x[k], py = path.y[k];
      var s = exitOf(px, py, bx, by, x0, x1, y0, y1);
      if (s >= 0) return [X.map(px + s * (bx - px)), Y.map(py + s * (by - py))];
      bx = px; by = py;
    }
    return [Math.max(X.off, Math.min(X.off + X.len, X.map(cur.x))),
            Math.max(Y.off, Math.min(Y.off + Y.len, Y.map(cur.y)))];
  }

  // The fraction of the step from a to b at which it last is on the rectangle (Liang-Barsky
  // clipping), or -1 when the step misses the rectangle.
  function exitOf(ax, ay, bx, by, x0, x1, y0, y1) {
    var dx = bx - ax, dy = by - ay, t0 = 0, t1 = 1;
    var ps = [-dx, dx, -dy, dy], qs = [ax - x0, x1 - ax, ay - y0, y1 - ay];
    for (var i = 0; i < 4; i++) {
      var p = ps[i], q = qs[i];
      if (p === 0) { if (q < 0) return -1; continue; }
      var r = q / p;
      if (p < 0) { if (r > t1) return -1; if (r > t0) t0 = r; }
      else { if (r < t0) return -1; if (r < t1) t1 = r; }
    }
    return t1;
  }

  function drawMap() {
    var gd = el.map;
    if (!S.built.map || !gd._fullLayout || !gd._fullLayout.xaxis) return;
    var ctx = ensureOverlay(gd);
    if (!ctx) return;
    var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    var X = axisMap(xa, false), Y = axisMap(ya, true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(X.off, Y.off, X.len, Y.len);
    ctx.clip();

    if (S.start) {
      ctx.beginPath();
      ctx.arc(X.map(S.start[0]), Y.map(S.start[1]), 10, 0, 2 * Math.PI);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = "#111827";
      if (S.dragging) ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    var t = S.pos, paths = S.paths, markers = [];
    for (var pi = 0; pi < paths.length; pi++) {
      var path = paths[pi];
      if (!isVisible(path) || path.last < 0) continue;
      var cur = pointAt(path, t);
      var kEnd = cur.end ? path.last : cur.i;
      var pen = new Pen(ctx), lastPx = NaN, lastPy = NaN;
      ctx.beginPath();
      for (var k = 0; k <= kEnd; k++) {
        var px = X.map(path.x[k]), py = Y.map(path.y[k]);
        // Skip points closer than a pixel to the last one drawn.
        if (k > 0 && k < kEnd && Math.abs(px - lastPx) + Math.abs(py - lastPy) < 1.2) continue;
        pen.point(px, py);
        lastPx = px; lastPy = py;
      }
      if (!cur.end && cur.f > 0) pen.point(X.map(cur.x), Y.map(cur.y));
      strokeCased(ctx, path.color, 3, pen);
      markers.push({ path: path, cur: cur, px: X.map(cur.x), py: Y.map(cur.y) });
    }

    // Arrows for the next update while paused.
    var showArrows = false;
    if (!S.playing && Math.floor(t) === t) {
      for (var mi = 0; mi < markers.length; mi++) {
        var m = markers[mi], p = m.path, i = Math.floor(t);
        if (!p.update || !p.grad || i >= p.last || i >= p.update.length) continue;
        var u = p.update[i], g = p.grad[i];
        var ux = X.map(p.x[i] + u[0]) - m.px, uy = Y.map(p.y[i] + u[1]) - m.py;
        var ulen = Math.sqrt(ux * ux + uy * uy);
        var gx = X.map(p.x[i] - g[0]) - m.px, gy = Y.map(p.y[i] - g[1]) - m.py;
        var glen = Math.sqrt(gx * gx + gy * gy);
        // Converged runs (steps under a few pixels) get no arrows; short
        // steps are drawn long enough to show their direction.
        if (!(isFinite(ulen) && isFinite(glen)) || ulen < 3) continue;
        var shown = Math.min(220, Math.max(32, ulen));
        if (ulen > 0) drawArrow(ctx, m.px, m.py, m.px + ux / ulen * shown, m.py + uy / ulen * shown, p.color, false);
        if (glen > 0) drawArrow(ctx, m.px, m.py, m.px + gx / glen * shown, m.py + gy / glen * shown, "#3a3f4b", true);
        showArrows = true;
      }
    }
    el.arrowKey.hidden = !showArrows || !(S.wide || S.tab === "map");

    // The markers are drawn unclipped: one on the map's edge shows whole.
    ctx.restore();
    var marks = [];
    for (var j = 0; j < markers.length; j++) {
      var mk = markers[j], mp = mk.path;
      var at = markerPoint(mp, mk.cur, X, Y);
      var crossed = mk.cur.end && mp.diverged && t >= mp.last && !mp.left;
      marks.push({ racer: mp.index, x: at[0], y: at[1], cross: crossed });
      if (crossed) {
        // A run that blew up (or left the domain of a typed f): a cross at its last finite
        // point, or where its last step left the map.
        drawCross(ctx, at[0], at[1], 9, mp.color);
      } else {
        // The current point; a run off the map (or one that left it going downhill, which its
        // chip says) waits on the map's edge where its path went off.
        drawMarker(ctx, at[0], at[1], 9, mp.color, mp.symbol);
      }
    }

    S.mapMarks = marks;
    S.drawnSig = S.sig;
  }

  // ------------------------------------------------------ loss / lr plot
  function drawSeries(ctx, X, Y, arr, xOffset, kEnd, tEnd, logScale) {
    // Plot arr[k] at step k + xOffset for k <= kEnd, then up to tEnd.
    var pen = new Pen(ctx);
    var perPixel = X.len > 0 ? (kEnd + 1) / X.len : 1;
    ctx.beginPath();
    if (perPixel <= 2) {
      for (var k = 0; k <= kEnd; k++) {
        var v = arr[k];
        if (logScale && !(v > 0)) { pen.point(NaN, NaN); continue; }
        pen.point(X.map(k + xOffset), Y.map(v));
      }
    } else {
      // Several steps per pixel column: keep first, min, max and last.
      var col = null, first = 0, last = 0, lo = 0, hi = 0, loK = 0, hiK = 0, firstK = 0, lastK = 0;
      var flush = function () {
        if (col === null) return;
        var pts = [[firstK, first]];
        if (loK < hiK) { pts.push([loK, lo]); pts.push([hiK, hi]); }
        else { pts.push([hiK, hi]); pts.push([loK, lo]); }
        pts.push([lastK, last]);
        for (var q = 0; q < pts.length; q++) pen.point(X.map(pts[q][0] + xOffset), pts[q][1]);
      };
      for (var i = 0; i <= kEnd; i++) {
        var val = arr[i];
        if (logScale && !(val > 0)) { flush(); col = null; pen.point(NaN, NaN); continue; }
        var py = Y.map(val);
        if (!isFinite(py)) { flush(); col = null; pen.point(NaN, NaN); continue; }
        var c = Math.floor(X.map(i + xOffset));
        if (c !== col) {
          flush();
          col = c; first = last = lo = hi = py; firstK = lastK = loK = hiK = i;
        } else {
          last = py; lastK = i;
          if (py < lo) { lo = py; loK = i; }
          if (py > hi) { hi = py; hiK = i; }
        }
      }
      flush();
    }
    if (tEnd > kEnd) {
      var tv = valueAt(arr, tEnd, arr.length - 1, logScale);
      if (!logScale || tv > 0) pen.point(X.map(tEnd + xOffset), Y.map(tv));
    }
    return pen;
  }

  function drawLoss() {
    var gd = el.loss;
    if (!S.built.loss || !gd._fullLayout || !gd._fullLayout.xaxis) return;
    var ctx = ensureOverlay(gd);
    if (!ctx) return;
    var fl = gd._fullLayout;
    var X = axisMap(fl.xaxis, false);
    var panels = [{ Y: axisMap(fl.yaxis, true), key: "lossY", offset: 0, log: fl.yaxis.type === "log" }];
    if (fl.yaxis2 && S.payload.show_lr) {
      panels.push({ Y: axisMap(fl.yaxis2, true), key: "lr", offset: 1, log: fl.yaxis2.type === "log" });
    }
    var t = S.pos;
    for (var pn = 0; pn < panels.length; pn++) {
      var P = panels[pn], Y = P.Y;
      ctx.save();
      ctx.beginPath();
      ctx.rect(X.off, Y.off, X.len, Y.len);
      ctx.clip();
      var dots = [];
      for (var i = 0; i < S.paths.length; i++) {
        var path = S.paths[i];
        if (!isVisible(path) || path.last < 0) continue;
        var arr = path[P.key];
        if (!arr || !arr.length) continue;
        // lr[k] belongs to update k, which ends at step k + 1.
        var lastIdx = Math.min(arr.length - 1, path.last - P.offset);
        if (lastIdx < 0) continue;
        var tt = Math.min(t - P.offset, lastIdx);
        if (tt < 0) continue;
        var kEnd = Math.floor(tt);
        var seriesPen = drawSeries(ctx, X, Y, arr, P.offset, kEnd, tt, P.log);
        strokeCased(ctx, path.color, 3, seriesPen, path.dash);
        var v = valueAt(arr, tt, lastIdx, P.log);
        if (isFinite(v) && (!P.log || v > 0)) {
          dots.push({ x: X.map(tt + P.offset), y: Y.map(v), path: path, end: tt >= lastIdx && path.diverged && !path.left && t >= path.last });
        }
      }
      // Cursor at the current step.
      var cx = X.map(t);
      ctx.beginPath();
      ctx.moveTo(cx, Y.off);
      ctx.lineTo(cx, Y.off + Y.len);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(29,36,51,0.55)";
      ctx.setLineDash([6, 4]);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.restore();
      for (var d = 0; d < dots.length; d++) {
        var dot = dots[d];
        var dy = Math.max(Y.off - 20, Math.min(Y.off + Y.len + 20, dot.y));
        if (dot.end) drawCross(ctx, dot.x, dy, 7, dot.path.color);
        else drawMarker(ctx, dot.x, dy, 7, dot.path.color, dot.path.symbol);
      }
    }
  }

  // ------------------------------------------------------------- 3-D view
  // One Plotly with just the traces the player draws (ui/plotly_bundle): the map and the loss
  // plot (contour, heatmap, scatter) and the 3-D view (surface, scatter3d). Two of Plotly's
  // own bundles, one for each, carried Plotly's core twice: 1.05 MB compressed against 0.59.
  var Plotly2D = window.Plotly;
  var Plotly3D = window.Plotly;

  function load3D() { return Promise.resolve(Plotly3D); }

  function plotlyFor(gd) { return gd === el.surf ? Plotly3D : Plotly2D; }

  function surfVisible() {
    return S.wide || S.tab === "surf";
  }

  function surfData() {
    var xs = [], ys = [], zs = [], mx = [], my = [], mz = [], mc = [], ms = [];
    var t = S.pos, lift = S.surfLift || 0;
    for (var i = 0; i < S.paths.length; i++) {
      var path = S.paths[i];
      var px = [], py = [], pz = [];
      if (path.last >= 0) {
        var cur = pointAt(path, t);
        var kEnd = cur.end ? path.last : cur.i;
        var stride = Math.max(1, Math.ceil((kEnd + 1) / MAX_3D_POINTS));
        for (var k = 0; k <= kEnd; k += stride) {
          px.push(path.x[k]); py.push(path.y[k]); pz.push(zOf(path, k) + lift);
        }
        if ((kEnd % stride) !== 0) { px.push(path.x[kEnd]); py.push(path.y[kEnd]); pz.push(zOf(path, kEnd) + lift); }
        var cz = cur.end ? zOf(path, path.last) : zOfFrac(path, t);
        if (!cur.end && cur.f > 0) { px.push(cur.x); py.push(cur.y); pz.push(cz + lift); }
        if (isVisible(path)) {
          mx.push(cur.x); my.push(cur.y); mz.push(cz + lift);
          mc.push(path.color);
          ms.push(cur.end && path.diverged && !path.left && t >= path.last ? "x" : "circle");
        }
      }
      xs.push(px); ys.push(py); zs.push(pz);
    }
    return { xs: xs, ys: ys, zs: zs, mx: mx, my: my, mz: mz, mc: mc, ms: ms };
  }

  function zOf(path, k) {
    if (S.surfFromGrid) return gridValue(S.surfGrid, path.x[k], path.y[k]);
    if (!S.surfZ) return path.loss[k];
    // As in the exported 3-D figure: never below the sampled surface, which is coarser than
    // the narrowest valleys (a log scale makes their floors deep and sharp).
    var z = S.surfZ(path.loss[k]), g = gridValue(S.surfGrid, path.x[k], path.y[k]);
    return g > z ? g : z;
  }

  function zOfFrac(path, t) {
    var i = Math.floor(t), f = t - i;
    var a = zOf(path, i);
    if (!(f > 0) || i + 1 > path.last) return a;
    return a + (zOf(path, i + 1) - a) * f;
  }

  // Bilinear interpolation on a regular grid (used when no 3-D grid is sent).
  function gridValue(g, x, y) {
    var gx = g.x, gy = g.y, nx = gx.length, ny = gy.length;
    if (nx < 2 || ny < 2) return NaN;
    var fx = (x - gx[0]) / (gx[nx - 1] - gx[0]) * (nx - 1);
    var fy = (y - gy[0]) / (gy[ny - 1] - gy[0]) * (ny - 1);
    if (!(fx >= 0 && fy >= 0 && fx <= nx - 1 && fy <= ny - 1)) return NaN;
    var i = Math.min(nx - 2, Math.floor(fx)), j = Math.min(ny - 2, Math.floor(fy));
    var u = fx - i, v = fy - j, z = g.z;
    return (1 - u) * (1 - v) * z[j][i] + u * (1 - v) * z[j][i + 1] + (1 - u) * v * z[j + 1][i] + u * v * z[j + 1][i + 1];
  }

  function updateSurf(now) {
    if (!S.built.surf || !surfVisible()) return;
    var t0 = performance.now();
    var d = surfData();
    var n = S.paths.length;
    var idx = [];
    for (var i = 0; i < n; i++) idx.push(S.surfFirstPath + i);
    idx.push(S.surfFirstPath + n);
    var none = idx.slice(1).map(function () { return undefined; });
    // One restyle call: every call redraws the whole WebGL scene.
    Plotly3D.restyle(el.surf, {
      x: d.xs.concat([d.mx]), y: d.ys.concat([d.my]), z: d.zs.concat([d.mz]),
      "marker.color": none.concat([d.mc]), "marker.symbol": none.concat([d.ms])
    }, idx);
    var cost = performance.now() - t0;
    S.surfCost = 0.7 * S.surfCost + 0.3 * cost;
    S.surfPos = S.pos;
    S.surfJustUpdated = true;
    // Leave most frames to the 2-D views: the 3-D view gets at most a third
    // of the time (its script and rendering cost are both measured).
    S.surfNext = (now || performance.now()) + Math.max(40, 3 * (S.surfCost + S.surfRender));
    S.stats.surfUpdates++;
  }

  // --------------------------------------------------------------- legend
  function lrIndex(lr, g) {
    var best = 0;
    for (var i = 1; i < g.length; i++) {
      if (Math.abs(Math.log(g[i] / lr)) < Math.abs(Math.log(g[best] / lr))) best = i;
    }
    return best;
  }

  function lrText(lr) { return "lr " + Number(lr.toPrecision(3)); }
  // The rate on a chip: "lr" is left out where chips are narrow (the slider's title says it).
  function lrHtml(lr) {
    return '<span class="lr-word">lr </span>' + escapeHtml(String(Number(lr.toPrecision(3))));
  }

  // A racer's sample for its chip: a stroke in its colour and dash ending in its marker, as
  // the loss plot and the map draw it.
  function svgSwatch(p) {
    var shape = symbolShape(p.symbol), r = 4.4, cx = 21, marker;
    var dash = dashPattern(p.dash, 1.6).join(" ");
    var fill = escapeHtml(p.color);
    if (shape) {
      marker = '<path d="M' + shape.map(function (v) {
        return (cx + v[0] * r).toFixed(2) + "," + (7 + v[1] * r).toFixed(2);
      }).join("L") + 'Z" fill="' + fill + '" stroke="#fff" stroke-width="1.2" stroke-linejoin="round"/>';
    } else {
      marker = '<circle cx="' + cx + '" cy="7" r="' + r + '" fill="' + fill + '" stroke="#fff" stroke-width="1.2"/>';
    }
    return '<svg class="sample" width="27" height="14" viewBox="0 0 27 14" aria-hidden="true">' +
      '<path d="M1,7H' + (cx - 2) + '" stroke="' + fill + '" stroke-width="2.4"' +
      (dash ? ' stroke-dasharray="' + dash + '"' : "") + "/>" + marker + "</svg>";
  }

  // A chip's name shows whole, or at least its first NAME_MIN characters and an ellipsis:
  // the least width of the chip's toggle (its sample and its name) is set to that.
  var NAME_MIN = 8;
  var measureCtx = null;
  function fitNames() {
    if (!S.chipEls || !S.chipEls.length) return;
    measureCtx = measureCtx || document.createElement("canvas").getContext("2d");
    // Styles only, no layout: the legend is measured as it is built.
    var cs = getComputedStyle(S.chipEls[0].name);
    measureCtx.font = cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
    // What comes before the name in the toggle: the sample and the gap.
    var sample = S.chipEls[0].toggle.querySelector(".sample");
    var before = (sample ? parseFloat(getComputedStyle(sample).width) || 0 : 0) +
      (parseFloat(getComputedStyle(S.chipEls[0].toggle).columnGap) || 0);
    S.chipEls.forEach(function (c) {
      var text = c.name.textContent;
      var whole = measureCtx.measureText(text).width;
      var part = text.length <= NAME_MIN + 1 ? whole
        : measureCtx.measureText(text.slice(0, NAME_MIN) + "\u2026").width;
      c.toggle.style.minWidth = Math.ceil(before + Math.min(whole, part) + 2) + "px";
    });
  }

  function buildLegend() {
    var html = "";
    var live = S.payload.live || {};
    S.lrGrids = S.paths.map(function (p, i) { return (live.lr_grids || [])[i] || []; });
    S.paths.forEach(function (p, i) {
      var lr = (live.lrs || [])[i], grid = S.lrGrids[i];
      // Name, then the learning rate, then the live value and any flag: a flag that appears
      // while the slider is dragged never moves the slider from under the pointer.
      html += '<div class="chip' + (isVisible(p) ? "" : " off") + '" data-i="' + i + '">' +
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
    el.legend.classList.toggle("crowded", S.paths.length > 6);
    if (refocus >= 0) {
      var again = el.legend.querySelector('.chip[data-i="' + refocus + '"] .lr-slider');
      if (again) again.focus();
    }
    var s = S.payload.surface || {};
    var key = [];
    var styles = markerStyles(s);
    markerKey(s).forEach(function (k) {
      if (styles[k.kind]) key.push("<span>" + svgMarker(styles[k.kind]) + " " + escapeHtml(k.label) + "</span>");
    });
    if (S.payload.start) key.push("<span>" + svgRing() + " start</span>");
    if (s.test_z) key.push('<span><svg width="22" height="10" style="vertical-align:1px"><path d="M1,5H21" stroke="rgba(150,30,60,0.8)" stroke-width="2" stroke-dasharray="4 3"/></svg> test surface</span>');
    if (s.undefined) {
      key.push('<span><svg width="16" height="12" style="vertical-align:-1px"><rect x="0.5" y="0.5" width="15" height="11" fill="' +
        escapeHtml(s.undefined_color || "#999") + '" stroke="rgba(40,52,80,0.35)"/></svg> ' +
        escapeHtml(s.undefined_text || "f is not defined here") + "</span>");
    }
    el.mapKey.innerHTML = key.join("");
    S.chipEls = Array.prototype.slice.call(el.legend.querySelectorAll(".chip")).map(function (c) {
      return { chip: c, name: c.querySelector(".name"), toggle: c.querySelector(".toggle"),
               value: c.querySelector(".value-num"),
               flag: c.querySelector(".flag"), icon: c.querySelector(".flag-icon"),
               words: c.querySelector(".flag-words"), step: c.querySelector(".flag-step"),
               text: "", flagText: "" };
    });
    Array.prototype.forEach.call(el.legend.querySelectorAll(".lr-slider"), lrPosition);
    fitNames();
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

  // The surface's marked points, their kinds and styles: the payload's specification
  // (surface.markers, surface.marker_styles, surface.map_key), or for payloads without one
  // the minima and saddles as the player drew them before.
  var POINT = 18;  // px: a style's size is a multiple of it
  var LEGACY_STYLES = {
    minimum: { label: "minimum", symbol: "star", symbol3d: "diamond", size: 24 / 18, fill: "#f5c518", line: "#6b5200", line_width: 1.5 },
    saddle: { label: "saddle point", symbol: "x-thin", symbol3d: "cross", size: 16 / 18, fill: null, line: "#2b2f38", line_width: 4 }
  };
  function markerStyles(s) { return s.marker_styles || LEGACY_STYLES; }
  function mapMarkers(s) {
    if (s.markers) return s.markers;
    var out = [];
    (s.minima || []).forEach(function (m) { out.push({ kind: "minimum", x: m[0], y: m[1], f: m[2], z: m[2] }); });
    (s.saddles || []).forEach(function (m) { out.push({ kind: "saddle", x: m[0], y: m[1], f: m[2], z: m[2] }); });
    return out;
  }
  function markerKinds(s) {  // in the order of the list: global, local, saddle
    var kinds = [];
    mapMarkers(s).forEach(function (m) { if (kinds.indexOf(m.kind) < 0) kinds.push(m.kind); });
    return kinds;
  }
  function markerKey(s) {
    if (s.map_key) return s.map_key;
    return markerKinds(s).map(function (k) { return { kind: k, label: k === "saddle" ? "saddle" : "minimum" }; });
  }
  // One Plotly trace per kind, the most important drawn last (on top).
  function markerTraces(s, is3d, zOfMarker) {
    var styles = markerStyles(s), all = mapMarkers(s), out = [];
    markerKinds(s).reverse().forEach(function (kind) {
      var style = styles[kind];
      var pts = all.filter(function (m) { return m.kind === kind; });
      if (!style || !pts.length) return;
      var tr = {
        type: is3d ? "scatter3d" : "scatter", mode: "markers", name: style.label,
        x: pts.map(function (m) { return m.x; }),
        y: pts.map(function (m) { return m.y; }),
        customdata: pts.map(function (m) { return m.f; }),
        marker: {
          symbol: is3d ? style.symbol3d : style.symbol,
          size: style.size * POINT * (is3d ? 0.3 : 1),
          color: style.fill || style.line,
          line: { width: is3d ? 1 : style.line_width, color: style.line }
        },
        hovertemplate: plotText(style.label) + "<br>(%{x:.3f}, %{y:.3f})<br>f = %{customdata:.4g}<extra></extra>"
      };
      if (is3d) tr.z = pts.map(zOfMarker);
      out.push(tr);
    });
    return out;
  }
  function svgRing() {
    return '<svg width="18" height="18" viewBox="-9 -9 18 18" style="vertical-align:-3px"><circle r="6.5" fill="none" stroke="#111827" stroke-width="3"/></svg>';
  }

  el.legend.addEventListener("click", function (ev) {
    if (!ev.target.closest(".toggle")) return;
    var chip = ev.target.closest(".chip");
    if (!chip) return;
    var p = S.paths[+chip.getAttribute("data-i")];
    if (!p) return;
    S.hidden[p.label] = !S.hidden[p.label];
    chip.classList.toggle("off", !!S.hidden[p.label]);
    if (S.built.surf) {
      var idx = S.surfFirstPath + p.index;
      Plotly3D.restyle(el.surf, { visible: isVisible(p) }, [idx]);
      S.surfPos = -1;
    }
    requestDraw();
  });

  // A chip's learning rate: the paths follow while it moves, the scene takes it on release
  // (or shortly after the last arrow key).
  var lrCommit = 0;
  function lrFromSlider(slider) {
    var chip = slider.closest(".chip");
    var i = +chip.getAttribute("data-i");
    var lr = S.lrGrids[i][+slider.value];
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
      S.dragging = false;
      schedule();
      sendEvent({ event: "lr", racer: v.racer, lr: v.lr });
    }, delay);
  }
  el.legend.addEventListener("input", function (ev) {
    if (!ev.target.classList.contains("lr-slider")) return;
    var v = lrFromSlider(ev.target);
    S.dragging = true;
    clearTimeout(lrCommit);
    liveRequest(v);
  });
  el.legend.addEventListener("change", function (ev) {
    if (!ev.target.classList.contains("lr-slider")) return;
    commitLr(ev.target, 350);
  });

  // Dragging a chip's rate, with a mouse, a pen or a finger: one round step for every LR_PX
  // pixels of sideways travel, however narrow the slider (a native range input of 80 px moved
  // 30 steps for a 30 px drag). A press without a drag only gives the slider the focus, for
  // the arrow keys.
  var LR_PX = 8;
  var lrDrag = null;
  function chipSlider(i) { return el.legend.querySelector('.chip[data-i="' + i + '"] .lr-slider'); }
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
    S.dragging = true;
    clearTimeout(lrCommit);
    liveRequest(got);
  });
  function endLrDrag(ev) {
    if (!lrDrag || ev.pointerId !== lrDrag.id) return;
    var d = lrDrag;
    lrDrag = null;
    var slider = chipSlider(d.racer);
    if (d.moved && slider) commitLr(slider, 0);
  }
  window.addEventListener("pointerup", endLrDrag);
  window.addEventListener("pointercancel", endLrDrag);

  // A racer's status at step t, or null: its icon, its words and the step they name. On a
  // narrow chip only the icon and the step show; the whole sentence is the flag's title.
  function statusOf(p, t) {
    if (p.diverged && t >= p.last) {
      if (p.left) return { icon: "\u2197", words: "left the map at step ", step: p.offMapAt !== null ? p.offMapAt : p.divergedAt };
      return { icon: "\u2715", words: p.domain ? "left the domain at step " : "diverged at step ", step: p.divergedAt };
    }
    if (p.offMapAt !== null && t >= p.offMapAt) return { icon: "\u2197", words: "off the map since step ", step: p.offMapAt };
    return null;
  }

  function updateLegendValues() {
    if (!S.chipEls) return;
    var t = S.pos;
    for (var i = 0; i < S.paths.length; i++) {
      var p = S.paths[i], c = S.chipEls[i];
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

  // ---------------------------------------------------------- animation
  function requestDraw() {
    S.dirty = true;
    schedule();
  }

  function schedule() {
    if (!S.raf) S.raf = requestAnimationFrame(frame);
  }

  function frame(now) {
    S.raf = 0;
    var frameDt = S.prevFrame ? now - S.prevFrame : 16.7;
    S.prevFrame = now;
    if (S.surfJustUpdated) {
      S.surfJustUpdated = false;
      if (frameDt < 1000) S.surfRender = 0.7 * S.surfRender + 0.3 * Math.max(0, frameDt - 17);
    }
    if (S.playing) {
      var dt = S.lastTime === null ? 0 : Math.min(now - S.lastTime, 100);
      S.lastTime = now;
      S.pos += dt / 1000 * S.speed * Math.max(S.steps, 1) / RUN_SECONDS;
      if (S.pos >= S.steps) {
        S.pos = S.steps;
        setPlaying(false);
        sendStep(0);
      }
      S.dirty = true;
    }
    if (S.dirty) {
      S.dirty = false;
      drawAll(now);
      S.stats.redraws++;
    }
    // The 3-D view waits while the pointer drags, and never shares a frame with a new map.
    var surfBehind = S.built.surf && surfVisible() && S.surfPos !== S.pos && !S.dragging;
    if (surfBehind && now >= S.surfNext && !S.mapJustPainted) updateSurf(now);
    S.mapJustPainted = false;
    if (S.playing || surfBehind) schedule();
  }

  // While the pointer drags, the map is repainted for every answer and the loss plot at most
  // about ten times a second (the map is what the hand moves; the plot follows).
  var lossLater = 0;
  function drawAll(now) {
    drawMap();
    var t = performance.now();
    if (!S.dragging || t - (S.lossAt || 0) > 100) {
      drawLoss();
      S.lossAt = t;
    } else if (!lossLater) {
      lossLater = setTimeout(function () { lossLater = 0; requestDraw(); }, 110);
    }
    var k = Math.floor(S.pos);
    el.readout.textContent = "step " + k + " / " + S.steps;
    if (+el.scrub.value !== k) el.scrub.value = k;
    if (!S.playing || !now || now - S.legendAt > 100) {
      S.legendAt = now || 0;
      updateLegendValues();
      updateReadouts();
    }
  }

  function setPlaying(on) {
    S.playing = on;
    S.lastTime = null;
    el.play.classList.toggle("playing", on);
    el.playLabel.textContent = on ? "Pause" : (S.pos >= S.steps && S.steps > 0 ? "Replay" : "Play");
    if (on) schedule();
  }

  function togglePlay() {
    if (!S.payload || S.steps <= 0) return;
    if (S.playing) {
      S.pos = Math.floor(S.pos);
      setPlaying(false);
      requestDraw();
      sendStep(0);
    } else {
      if (S.pos >= S.steps) S.pos = 0;
      clearTimeout(S.stepTimer);
      setPlaying(true);
      requestDraw();
    }
  }

  el.play.addEventListener("click", togglePlay);
  el.speed.addEventListener("change", function () { S.speed = +el.speed.value || 1; });
  el.scrub.addEventListener("input", function () {
    if (S.playing) setPlaying(false);
    S.pos = +el.scrub.value;
    el.playLabel.textContent = S.pos >= S.steps ? "Replay" : "Play";
    requestDraw();
  });
  el.scrub.addEventListener("change", function () { sendStep(150); });

  function onKey(ev) {
    if (!S.payload) return;
    var tag = ev.target && ev.target.tagName;
    if (ev.key === "Escape" && S.payload.present) {
      ev.preventDefault();
      sendEvent({ event: "present", on: false });
    } else if (S.payload.present && tag !== "INPUT" && tag !== "SELECT" && stageKey(ev)) {
      ev.preventDefault();
    } else if (ev.key === " " || ev.code === "Space") {
      if (tag === "BUTTON" || tag === "SELECT") return;  // native activation
      ev.preventDefault();
      togglePlay();
    } else if ((ev.key === "ArrowRight" || ev.key === "ArrowLeft") && tag !== "INPUT" && tag !== "SELECT") {
      ev.preventDefault();
      var delta = (ev.key === "ArrowRight" ? 1 : -1) * (ev.shiftKey ? Math.max(1, Math.round(S.steps / 100)) : 1);
      if (S.playing) setPlaying(false);
      S.pos = Math.max(0, Math.min(S.steps, Math.floor(S.pos) + delta));
      requestDraw();
      sendStep(400);
    }
  }
  document.addEventListener("keydown", onKey);
  // In presentation mode the keys work wherever the focus is on the page, not only inside
  // the player.
  var parentKeys = false;
  function listenOnPage() {
    if (parentKeys || !S.payload || !S.payload.present) return;
    try {
      window.parent.document.addEventListener("keydown", function (ev) {
        if (!S.payload || !S.payload.present) return;
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

  // ---------------------------------------------------------------- views
  function markTab(tab) {
    S.tab = tab;
    el.tabs.forEach(function (b) {
      var on = b.getAttribute("data-view") === tab;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
  }

  function setTab(tab) {
    markTab(tab);
    layoutViews();
  }

  el.tabs.forEach(function (b) {
    b.addEventListener("click", function () {
      var tab = b.getAttribute("data-view");
      if (tab === S.tab) return;
      setTab(tab);
      sendEvent({ event: "tab", tab: tab === "surf" ? "3d" : "map" });  // kept in the link
    });
  });

  function applyLayoutClasses() {
    // Presentation mode gives the map the whole width (the 3-D view is a tab away).
    // A wide, flat map (a ravine drawn to scale) needs the whole width: the 3-D view is then
    // a tab away rather than beside it.
    // So is any map that beside the 3-D view would be less than 500 px tall.
    var flat = false;
    if (S.payload && S.payload.surface) {
      var R = mapRanges(), ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
      var paneW = (el.views.clientWidth - 16) * 1.25 / 2.25;
      var plotW = paneW - MAP_MARGIN.l - MAP_MARGIN.r - COLORBAR_ROOM;
      var tall = plotW * (R.equal ? ratio : 2 * ratio) + MAP_MARGIN.t + MAP_MARGIN.b;
      flat = (R.equal && ratio < 0.6) || tall < Math.min(500, (S.panelHeight || 520) - 20);
    }
    S.wide = el.views.clientWidth >= WIDE_MIN && !(S.payload && S.payload.present) && !flat;
    el.views.classList.toggle("wide", S.wide);
    el.panes.map.classList.toggle("visible", S.wide || S.tab === "map");
    el.panes.surf.classList.toggle("visible", S.wide || S.tab === "surf");
  }

  function needsResize(gd) {
    var fl = gd._fullLayout;
    return fl && Math.abs(fl.width - gd.clientWidth) > 1;
  }

  // Show the right panes, build the 3-D view when it first becomes visible,
  // and let the plots follow the width of their panes.
  function layoutViews() {
    applyLayoutClasses();
    if (!S.payload) return;
    if (surfVisible()) {
      if ((!S.built.surf && !S.surfBuilding) || S.surfStale) buildSurf();
      else if (needsResize(el.surf)) Plotly3D.Plots.resize(el.surf);
      S.surfPos = -1;
    }
    if (S.built.map) fitMap();
    if (S.built.loss && needsResize(el.loss)) Plotly.Plots.resize(el.loss);
    requestDraw();
    updateFrameHeight();
  }

  // --------------------------------------------------------------- figures
  var CONFIG = {
    displaylogo: false,
    responsive: true,
    doubleClickDelay: 300,
    showSendToCloud: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toImage", "sendDataToCloud"]
  };

  function baseLayout(height) {
    var fs = S.fontSize;
    return {
      height: height,
      font: { family: FONT, size: fs, color: "#1d2433" },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      showlegend: false,
      hoverlabel: { font: { family: FONT, size: fs } },
      uirevision: S.payload.revision === undefined || S.payload.revision === null ? "race" : String(S.payload.revision)
    };
  }

  function rangeOf(arr) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < arr.length; i++) {
      var v = arr[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }

  function gridRange(rows) {
    var lo = Infinity, hi = -Infinity;
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      for (var i = 0; i < row.length; i++) {
        var v = row[i];
        if (!isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return [lo, hi];
  }

  var MAP_MARGIN = { l: 64, r: 16, t: 12, b: 56 };
  var PRESENT_MARGIN = { l: 56, r: 8, t: 8, b: 62 };  // presentation mode: no colour bar
  function mapMargin() { return S.payload && S.payload.present ? PRESENT_MARGIN : MAP_MARGIN; }
  var COLORBAR_ROOM = 110;

  function mapRanges() {
    var s = S.payload.surface;
    var xr = s.xrange || rangeOf(s.x), yr = s.yrange || rangeOf(s.y);
    var ratio = (xr[1] - xr[0]) / (yr[1] - yr[0]);
    var equal = s.equal_aspect !== undefined && s.equal_aspect !== null ? !!s.equal_aspect : (ratio >= 0.25 && ratio <= 4);
    return { xr: xr, yr: yr, equal: equal };
  }

  // The map's panel height: what the payload asks for, or with ``fit_viewport`` whatever keeps
  // the toolbar, the legend and the whole map on the screen of the page around the player (the
  // player's frame is on the page's origin, so it can measure where it sits).
  function panelHeight() {
    var p = S.payload || {};
    var asked = Math.max(240, p.panel_height | 0 || 520);
    if (p.present) return layoutStage();
    if (!p.fit_viewport) return asked;
    try {
      var host = window.frameElement, top = window.parent;
      if (!host || !top) return asked;
      var frameTop = host.getBoundingClientRect().top + top.scrollY;
      var mapTop = el.panes.map.getBoundingClientRect().top + (el.panes.map.querySelector(".pane-head") || el.map).offsetHeight;
      if (!(mapTop > 0)) mapTop = 140;
      var h = top.innerHeight - frameTop - mapTop - 10;
      return Math.round(Math.max(300, Math.min(1400, h)));
    } catch (e) {
      return asked;
    }
  }

  // Follow the page: a resized window, or a header line opened or closed above the player.
  function refit() {
    if (!S.payload || !S.payload.fit_viewport) return;
    var h = panelHeight();
    if (Math.abs(h - S.panelHeight) < 4) return;
    S.panelHeight = h;
    S.viewHeight = viewHeight();
    layoutViews();
  }
  try { window.parent.addEventListener("resize", refit); } catch (e) { /* another origin */ }
  setInterval(refit, 600);

  // With equal axis scales the map is as tall as its width allows, up to
  // the requested panel height.
  function viewHeight() {
    var R = mapRanges();
    var width = el.panes.map.clientWidth || el.views.clientWidth;
    var M = mapMargin();
    var plotW = width - M.l - M.r - (S.payload.present ? 0 : S.colorbarRoom || COLORBAR_ROOM);
    // Unequal scales stretch y at most twice as much as x: a ravine keeps looking like one.
    var stretch = R.equal ? 1 : 2;
    var h = plotW * stretch * (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]) + M.t + M.b;
    return Math.round(Math.max(260, Math.min(S.panelHeight, h)));
  }

  // Once Plotly has placed the colour bar, size the map so that an
  // equal-scale plot fills it: as tall as the width allows (up to the panel
  // height), or narrower and centred when the height is the limit.
  var fitting = 0;
  function fitMap() {
    var gd = el.map, fl = gd._fullLayout;
    if (!S.built.map || !fl || !fl._size || !S.payload) return;
    var avail = el.panes.map.clientWidth;
    if (!avail) return;
    var R = mapRanges();
    var side = fl._size.l + fl._size.r, vert = fl._size.t + fl._size.b;
    S.colorbarRoom = side - MAP_MARGIN.l - MAP_MARGIN.r;
    var w = avail, h = S.panelHeight;
    if (!R.equal) {
      var most = (avail - side) * 2 * (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]) + vert;
      h = Math.max(260, Math.min(h, Math.round(most)));
    } else {
      var ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
      var plotH = (avail - side) * ratio;
      if (plotH + vert <= S.panelHeight) h = Math.max(260, Math.round(plotH + vert));
      else w = Math.min(avail, Math.round((h - vert) / ratio + side));
    }
    if ((Math.abs(h - fl.height) <= 2 && Math.abs(w - fl.width) <= 2) || fitting > 3) {
      fitting = 0;
      return;
    }
    fitting++;
    gd.style.width = w >= avail - 2 ? "" : w + "px";
    S.viewHeight = h;
    Plotly.relayout(gd, { width: w, height: h });
    if (S.built.surf && !S.surfStale && el.surf._fullLayout && el.surf._fullLayout.height !== h) {
      Plotly3D.relayout(el.surf, { height: h });
    }
  }

  function mapFigure() {
    var p = S.payload, s = p.surface;
    var R = mapRanges(), xr = R.xr, yr = R.yr, equal = R.equal;
    var zlabel = s.zlabel || (s.log ? "log₁₀ loss" : "loss");
    var fs = S.fontSize;
    var traces = [{
      type: "contour",
      x: cached(s, "px", function () { return plain(s.x); }),
      y: cached(s, "py", function () { return plain(s.y); }),
      z: cached(s, "pz", function () { return plainGrid(s.z); }),
      colorscale: s.colorscale || COLORSCALE,
      showscale: !p.present,  // presentation mode: the map's width for the paths
      ncontours: 24,
      contours: { coloring: "fill", showlines: true },
      line: { color: s.contour_line || "rgba(40,52,80,0.30)", width: 1, smoothing: 0.85 },
      colorbar: {
        title: { text: zlabel, side: "right", font: { size: Math.round(fs * 0.9) } },
        thickness: 14, len: 0.92, outlinewidth: 0,
        tickfont: { size: Math.round(fs * 0.8) }
      },
      hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(zlabel) + " = %{z:.3g}<extra></extra>"
    }];
    if (s.undefined) {
      // A typed formula: shade where f is not defined (1 there, NaN elsewhere).
      traces.push({
        type: "heatmap", x: traces[0].x, y: traces[0].y,
        z: cached(s, "pund", function () { return plainGrid(s.undefined); }),
        zmin: 0, zmax: 1, showscale: false,
        colorscale: [[0, s.undefined_color], [1, s.undefined_color]],
        hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(s.undefined_text || "") + "<extra></extra>"
      });
    }
    if (s.test_z) {
      // The test surface (the training surface shifted): its contours dashed over the map.
      traces.push({
        type: "contour", name: "test surface",
        x: traces[0].x, y: traces[0].y,
        z: cached(s, "ptz", function () { return plainGrid(s.test_z); }),
        ncontours: 24, showscale: false, hoverinfo: "skip",
        contours: { coloring: "none", showlines: true },
        line: { color: "rgba(150,30,60,0.55)", width: 1.3, dash: "dash", smoothing: 0.85 }
      });
    }
    traces = traces.concat(markerTraces(s, false));
    var layout = baseLayout(S.viewHeight);
    layout.margin = Object.assign({}, mapMargin());
    layout.hovermode = "closest";
    layout.dragmode = false;  // a drag on the map moves the start; the buttons zoom
    layout.xaxis = {
      range: xr.slice(), title: { text: "x", standoff: 8 }, showgrid: false, zeroline: false,
      ticks: "outside", ticklen: 5, mirror: true, showline: true, linecolor: "#8a93a3", constrain: "domain"
    };
    layout.yaxis = {
      range: yr.slice(), title: { text: "y", standoff: 8 }, showgrid: false, zeroline: false,
      ticks: "outside", ticklen: 5, mirror: true, showline: true, linecolor: "#8a93a3", constrain: "domain"
    };
    if (equal) { layout.yaxis.scaleanchor = "x"; layout.yaxis.scaleratio = 1; }
    var config = Object.assign({}, CONFIG, {
      // No zoom-box or pan tool: a drag on the map moves the start point.
      modeBarButtonsToRemove: CONFIG.modeBarButtonsToRemove.concat(["zoom2d", "pan2d"]),
      modeBarButtonsToAdd: [{
        name: "Download the map as a PNG",
        icon: Plotly.Icons.camera,
        click: function (gd) { downloadPng(gd, "race-map.png"); }
      }]
    });
    return { data: traces, layout: layout, config: config };
  }

  // Round values (1-2-5 per decade, or finer when the range is narrow) inside a log10 range.
  function logTicks(range) {
    var steps = [[1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]];
    var best = [];
    for (var s = 0; s < steps.length; s++) {
      var vals = [];
      for (var d = Math.floor(range[0]) - 1; d <= Math.ceil(range[1]); d++) {
        steps[s].forEach(function (m) {
          var v = m * Math.pow(10, d), l = Math.log10(v);
          if (l >= range[0] && l <= range[1]) vals.push(v);
        });
      }
      best = vals;
      if (vals.length >= 3) break;
    }
    return best.length ? best : undefined;
  }

  function lossFigure() {
    var p = S.payload, steps = Math.max(1, S.steps);
    var logY = !!p.loss_log;
    var lo = Infinity, hi = -Infinity, lrLo = Infinity, lrHi = -Infinity, anyLr = false;
    S.paths.forEach(function (path) {
      var a = path.lossY, end = Math.min(a.length - 1, path.last);
      // A diverging run should not squash the others: only its start counts
      // towards the top of the axis.
      var topEnd = path.diverged ? Math.min(end, 0) : end;
      for (var i = 0; i <= end; i++) {
        var v = a[i];
        if (!isFinite(v) || (logY && !(v > 0))) continue;
        if (v < lo) lo = v;
        if (i <= topEnd && v > hi) hi = v;
      }
      if (path.lr) {
        for (var j = 0; j < path.lr.length; j++) {
          var r = path.lr[j];
          if (!isFinite(r)) continue;
          anyLr = true;
          if (r < lrLo) lrLo = r;
          if (r > lrHi) lrHi = r;
        }
      }
    });
    if (!(hi >= lo)) { lo = logY ? 1e-3 : 0; hi = 1; }
    var yRange, yDtick, yTicks;
    if (logY) {
      var l0 = Math.log10(lo), l1 = Math.log10(hi);
      if (l1 - l0 > 30) l0 = l1 - 30;
      var pad = Math.max(0.15, (l1 - l0) * 0.06);
      yRange = [l0 - pad, l1 + pad];
      // Whole decades only, unless the axis spans just a few.
      if (yRange[1] - yRange[0] > 2.5) yDtick = Math.max(1, Math.ceil((yRange[1] - yRange[0]) / 7));
      // Within a few decades: a handful of round values, written out in full.
      else yTicks = logTicks(yRange);
    } else {
      var span = hi - lo || Math.abs(hi) || 1;
      yRange = [lo - span * 0.05, hi + span * 0.08];
    }
    var showLr = !!p.show_lr;
    var fs = S.fontSize;
    var layout = baseLayout(showLr ? 440 : 290);
    layout.margin = { l: 84, r: 16, t: 10, b: 52 };
    layout.hovermode = false;
    layout.dragmode = "zoom";
    var axisStyle = {
      showline: true, linecolor: "#8a93a3", mirror: true, ticks: "outside", ticklen: 5,
      gridcolor: "#e6e9ef", zeroline: false
    };
    layout.xaxis = Object.assign({}, axisStyle, {
      range: [-0.01 * steps, 1.02 * steps], title: { text: "step", standoff: 6 },
      anchor: showLr ? "y2" : "y"
    });
    layout.yaxis = Object.assign({}, axisStyle, {
      type: logY ? "log" : "linear", range: yRange,
      title: { text: plotText(p.loss_label || "loss"), font: { size: Math.round(fs * 0.95) } },
      domain: showLr ? [0.42, 1] : [0, 1],
      exponentformat: "power"
    });
    if (yDtick) layout.yaxis.dtick = yDtick;
    if (yTicks) {
      layout.yaxis.tickmode = "array";
      layout.yaxis.tickvals = yTicks;
      layout.yaxis.ticktext = yTicks.map(function (v) { return Number(v.toPrecision(3)).toString(); });
    }
    var data = [{ type: "scatter", x: [], y: [], hoverinfo: "skip" }];
    if (showLr) {
      var lrLog = anyLr && lrLo > 0 && lrHi / lrLo > 20;
      var lrRange;
      if (!anyLr) lrRange = [0, 1];
      else if (lrLog) lrRange = [Math.log10(lrLo) - 0.15, Math.log10(lrHi) + 0.15];
      else {
        var sp = lrHi - lrLo || Math.abs(lrHi) || 1;
        lrRange = [Math.min(0, lrLo - sp * 0.05), lrHi + sp * 0.12];
      }
      layout.yaxis2 = Object.assign({}, axisStyle, {
        type: lrLog ? "log" : "linear", range: lrRange, domain: [0, 0.3], anchor: "x",
        title: { text: "learning rate", font: { size: Math.round(fs * 0.95) } },
        exponentformat: "power"
      });
      layout.xaxis.showticklabels = true;
      data.push({ type: "scatter", x: [], y: [], yaxis: "y2", hoverinfo: "skip" });
    }
    var config = Object.assign({}, CONFIG, {
      modeBarButtonsToAdd: [{
        name: "Download the loss plot as a PNG",
        icon: Plotly.Icons.camera,
        click: function (gd) { downloadPng(gd, "race-loss.png"); }
      }]
    });
    return { data: data, layout: layout, config: config };
  }

  function surfFigure() {
    var p = S.payload, s = p.surface;
    var has3d = s.x3d && s.y3d && s.z3d;
    var gx = has3d ? s.x3d : s.x, gy = has3d ? s.y3d : s.y, gz = has3d ? s.z3d : s.z;
    S.surfFromGrid = !has3d;
    S.surfGrid = { x: gx, y: gy, z: gz };
    var zr = gridRange(gz);
    if (!(zr[1] >= zr[0])) zr = [0, 1];
    var span = zr[1] - zr[0] || 1;
    S.surfLift = span * 0.012;
    var xr = s.xrange || rangeOf(s.x), yr = s.yrange || rangeOf(s.y);
    var ratio = (yr[1] - yr[0]) / (xr[1] - xr[0]);
    if (!(ratio > 0.25 && ratio < 4)) ratio = 1;
    // The 3-D grid is on the specification's z scale (log10(f − f*) where the map is) when it
    // says so; the paths' losses are put on the same scale.
    var zs = has3d && s.zscale && s.zscale.log ? s.zscale : null;
    S.surfZ = zs ? function (f) { return Math.log10(Math.max(f - zs.f_star, 0) + zs.floor); } : null;
    var zlabel = has3d && !s.zscale ? "f" : (s.zlabel || "f");
    var traces = [{
      type: "surface", x: cached(s, "p3x", function () { return plain(gx); }),
      y: cached(s, "p3y", function () { return plain(gy); }),
      z: cached(s, "p3z", function () { return plainGrid(gz); }),
      colorscale: s.colorscale || COLORSCALE, showscale: false, opacity: 0.82,
      lighting: { ambient: 0.75, diffuse: 0.6, specular: 0.05, roughness: 0.9 },
      hovertemplate: "x = %{x:.3f}<br>y = %{y:.3f}<br>" + plotText(zlabel) + " = %{z:.4g}<extra></extra>"
    }];
    traces = traces.concat(markerTraces(s, true, function (m) {
      var z = has3d ? (m.z == null ? NaN : m.z) : gridValue(S.surfGrid, m.x, m.y);
      return z + S.surfLift;
    }));
    S.surfFirstPath = traces.length;
    var d = surfData();
    S.paths.forEach(function (path, i) {
      traces.push({
        type: "scatter3d", mode: "lines", name: plotText(path.label),
        visible: isVisible(path),
        x: d.xs[i], y: d.ys[i], z: d.zs[i],
        line: { width: 7, color: path.color },
        hovertemplate: plotText(path.label) + "<br>(%{x:.3f}, %{y:.3f})<br>" + plotText(zlabel) + " = %{z:.4g}<extra></extra>"
      });
    });
    traces.push({
      type: "scatter3d", mode: "markers", name: "now",
      x: d.mx, y: d.my, z: d.mz,
      marker: { size: 10, color: d.mc, symbol: d.ms, line: { width: 2, color: "#ffffff" } },
      hoverinfo: "skip"
    });
    var layout = baseLayout(S.viewHeight);
    layout.margin = { l: 0, r: 0, t: 0, b: 0 };
    var axis = function (title, range) {
      return {
        title: { text: title }, range: range, backgroundcolor: "#f5f7fa", showbackground: true,
        gridcolor: "#d8dde6", zerolinecolor: "#b8bfcc", tickfont: { size: Math.round(S.fontSize * 0.75) }
      };
    };
    layout.scene = {
      xaxis: axis("x", xr.slice()),
      yaxis: axis("y", yr.slice()),
      zaxis: axis(zlabel, [zr[0], zr[1] + span * 0.05]),
      aspectmode: "manual",
      aspectratio: { x: 1, y: ratio, z: 0.7 },
      camera: { eye: { x: 0.7, y: -1.1, z: 1.35 } },
      uirevision: layout.uirevision
    };
    return { data: traces, layout: layout, config: Object.assign({}, CONFIG, { modeBarButtonsToRemove: [] }) };
  }

  function buildSurf() {
    S.surfStale = false;
    if (S.surfBuilding) {  // a newer scene arrived while the first build was loading
      S.surfRebuild = true;
      return;
    }
    S.surfBuilding = load3D().then(function (P3) {
      // Built after the map has been painted: a WebGL build never holds up the map.
      return new Promise(function (resolve) {
        requestAnimationFrame(function () { setTimeout(function () { resolve(P3); }, 0); });
      });
    }).then(function (P3) {
      var fig = surfFigure();
      var first = !S.built.surf;
      return P3.react(el.surf, fig.data, fig.layout, fig.config).then(function () {
        S.built.surf = true;
        S.surfBuilding = null;
        S.surfPos = -1;
        if (first) updateFrameHeight();
        if (S.surfRebuild) {
          S.surfRebuild = false;
          S.surfStale = true;
          layoutViews();
        }
        requestDraw();
      });
    }).catch(function (err) {
      S.surfBuilding = null;
      showError(err);
    });
  }

  // ------------------------------------------------------------- download
  function downloadPng(gd, name) {
    var overlay = gd.__overlay;
    var scale = 2;
    plotlyFor(gd).toImage(gd, { format: "png", scale: scale }).then(function (url) {
      var img = new Image();
      img.onload = function () {
        var c = document.createElement("canvas");
        c.width = img.width; c.height = img.height;
        var ctx = c.getContext("2d");
        ctx.drawImage(img, 0, 0);
        if (overlay) ctx.drawImage(overlay, 0, 0, c.width, c.height);
        var a = document.createElement("a");
        a.href = c.toDataURL("image/png");
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
      };
      img.src = url;
    });
  }

  // ------------------------------------------------------------ map clicks
  // A press on the map and a drag: the start follows the pointer and every path with it
  // (from the live route); on release the start is sent to the scene. A click (press and
  // release without moving) sets the start too, after a short wait in case it is the first
  // half of a double-click, which resets the zoom.
  var down = null;

  // The map's data coordinates under the pointer; null outside the plot area, unless clamped.
  function mapPoint(ev, clamp) {
    var gd = el.map;
    if (!S.built.map || !gd._fullLayout || !gd._fullLayout.xaxis) return null;
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
      S.dragging = false;
      S.surfPos = -1;
      schedule();   // the 3-D view catches up now
      if (!cancelled && S.start) sendEvent({ event: "click", x: S.start[0], y: S.start[1] });
      return;
    }
    if (cancelled || performance.now() - d.t > 700) return;
    var pt = d.point;
    S.pendingClick = setTimeout(function () {
      S.pendingClick = null;
      S.start = pt;
      liveRequest({ start: pt });
      requestDraw();
      sendEvent({ event: "click", x: pt[0], y: pt[1] });
    }, 320);
  }

  el.map.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || (ev.target.closest && ev.target.closest(".modebar"))) return;
    var pt = mapPoint(ev, false);
    if (!pt) return;
    if (S.pendingClick) {           // second click of a double-click: zoom reset
      clearTimeout(S.pendingClick);
      S.pendingClick = null;
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
    S.dragging = true;
    el.map.classList.add("dragging");
    S.start = pt;
    liveRequest({ start: pt });
    requestDraw();
  }, true);
  window.addEventListener("pointerup", function (ev) { endDrag(ev, false); }, true);
  window.addEventListener("pointercancel", function (ev) { endDrag(ev, true); }, true);

  // ----------------------------------------------------------- grids by address
  // The app sends the surface's grids by address (meta.surface.grid): they are fetched once
  // per surface and kept here, so a rerun that only changes the paths carries the paths alone.
  var Grids = { byKey: {}, order: [], waiting: null };

  function gridKey(g) { return g.sig + " " + g.url; }

  function withGrids(args) {
    var g = args.meta && args.meta.surface && args.meta.surface.grid;
    if (!g || Grids.byKey[gridKey(g)]) {
      Grids.waiting = null;   // older arguments still waiting for their grids are outdated
      return true;
    }
    Grids.waiting = args;     // the newest arguments are drawn once their grids arrive
    var key = gridKey(g);
    if (Grids.loading === key) return false;
    Grids.loading = key;
    fetch(new URL("../../" + g.url, location.href).href,
          { headers: args.token ? { "X-Race-Token": args.token } : {} })
      .then(function (r) {
        if (!r.ok) throw new Error("the map's grids could not be loaded (" + r.status + ")");
        return r.arrayBuffer();
      })
      .then(function (buf) {
        Grids.byKey[key] = readLive(buf).grids;
        Grids.order.push(key);
        while (Grids.order.length > 4) delete Grids.byKey[Grids.order.shift()];
        Grids.loading = null;
        var next = Grids.waiting;
        Grids.waiting = null;
        if (next) render(next);
      })
      .catch(function (err) {
        Grids.loading = null;
        showError(err);
      });
    return false;
  }

  function render(args) {
    try {
      if (withGrids(args)) onRender(args);
    } catch (err) {
      showError(err);
    }
  }

  // ------------------------------------------------- stage (presentation mode)
  // The player fills the window. The map is as large as its aspect allows: beside a column
  // with the claim, the lesson, the read-outs, Play and the slide controls, or under them when
  // the map is wide. The layout is chosen by measuring both, once per window size and scene.
  function stageInfo() { return (S.payload && S.payload.stage) || {}; }
  function lessonOn() { return !!(S.payload && S.payload.present && stageInfo().lesson); }

  var KEY_HINT_LESSON = "Keys: Space play · , . step · ← → PgUp PgDn slides · Home End · D 3-D · Esc leave";
  var KEY_HINT = "Keys: Space play · ← → or , . step · D 3-D · Esc leave";

  function buildStage() {
    var present = !!(S.payload && S.payload.present);
    // The map's key (minimum, saddle, start) sits in the text column, leaving the map the
    // whole height; back over the map outside presentation mode.
    var keyHome = present ? el.keyHint.parentNode : el.panes.map.querySelector(".pane-head");
    if (el.mapKey.parentNode !== keyHome) keyHome.insertBefore(el.mapKey, present ? el.keyHint : null);
    if (!present) {
      el.player.classList.remove("side", "stack");
      S.stageKey = null;
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
    var rows = "";
    S.paths.forEach(function (p, i) {
      rows += '<span class="name" data-i="' + i + '"><span class="swatch" style="background:' +
        escapeHtml(p.color) + '"></span>' + escapeHtml(p.label) + '</span><span class="val"></span><span class="num"></span>';
    });
    el.readouts.innerHTML = rows;
    S.readoutEls = Array.prototype.slice.call(el.readouts.querySelectorAll(".name")).map(function (n) {
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
    el.viewToggle.textContent = S.tab === "surf" ? "Map (D)" : "3-D (D)";
    updateReadouts();  // with their text, so the layout measures what will be shown
    S.stageKey = null;
  }

  function readoutNumber(v) {
    return isNum(v) ? String(Number(v.toPrecision(2))) : "–";
  }

  function updateReadouts() {
    if (!S.payload || !S.payload.present || !S.readoutEls) return;
    var k = Math.floor(S.pos), raw = S.payload.paths || [];
    for (var i = 0; i < S.readoutEls.length; i++) {
      var r = S.readoutEls[i], p = S.paths[i], q = raw[i] || {};
      if (!p || p.last < 0) continue;
      var t = Math.min(k, p.last);
      var text = "f = " + fmt(p.loss[t]), parts = [];
      if (q.reach !== undefined) {
        parts.push(isNum(q.reach) && k >= q.reach ? "minimum at step " + q.reach
                   : k >= S.steps ? "no minimum in " + S.steps + " steps" : "not at the minimum");
      }
      if (q.test_loss && q.test_loss.length) {
        parts.push("test loss " + readoutNumber(q.test_loss[Math.min(t, q.test_loss.length - 1)]));
      }
      var num = parts.join(" · ");
      if (text !== r.text) { r.val.textContent = text; r.text = text; }
      if (num !== r.numText) { r.num.textContent = num; r.numText = num; }
    }
  }

  // Which slide a key asks for (null: not a slide key). Without a lesson the arrows step.
  function stageKey(ev) {
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
  function askedSlide(lesson) {
    var a = S.slideAsked;
    if (a && a.title === lesson.title && a.to !== lesson.slide &&
        Date.now() - a.at < SLIDE_WAIT_MS) return a;
    S.slideAsked = null;
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
    S.slideAsked = { to: to, title: lesson.title, sent: a ? a.sent : null,
                     at: a ? a.at : Date.now() };
    if (S.playing) setPlaying(false);
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
  function sendSlideAsked() {
    clearTimeout(S.slideTimer);
    var lesson = stageInfo().lesson;
    var a = lesson && askedSlide(lesson);
    if (!a || a.sent === a.to) return;
    if (a.sent !== null && a.sent !== lesson.slide) return;  // its answer is on its way
    if (!pageIdle()) {
      S.slideTimer = setTimeout(sendSlideAsked, 50);
      return;
    }
    a.sent = a.to;
    a.at = Date.now();
    sendEvent({ event: "slide", slide: a.to });
  }

  function stepBy(delta) {
    if (S.playing) setPlaying(false);
    S.pos = Math.max(0, Math.min(S.steps, Math.floor(S.pos) + delta));
    requestDraw();
    sendStep(400);
  }

  function toggleView() {
    var tab = S.tab === "surf" ? "map" : "surf";
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
  stageButton(el.slidePrev, function () { goToSlide(shownSlide(stageInfo().lesson) - 1); });
  stageButton(el.slideNext, function () { goToSlide(shownSlide(stageInfo().lesson) + 1); });
  stageButton(el.viewToggle, toggleView);
  stageButton(el.leave, function () { sendEvent({ event: "present", on: false }); });

  // The map's figure height in presentation mode; sets the grid and the map column's width.
  // Three layouts are measured and the one giving the largest map is kept: the text column
  // beside the map with Play in it ("side"), beside the map with Play under the map
  // ("under"), or the text over the whole width with the map under it ("stack").
  function layoutStage() {
    var W = window.innerWidth, H = window.innerHeight;
    var key = [W, H, S.sig, S.tab].join(":");
    if (key === S.stageKey) return S.stagePanel;
    var pl = el.player, PAD = 10, GAP = 18, ROW = 8;
    var R = mapRanges(), ratio = (R.yr[1] - R.yr[0]) / (R.xr[1] - R.xr[0]);
    var r = R.equal ? ratio : (ratio < 1 ? 2 * ratio : 1);   // plot height / plot width at most
    var mH = PRESENT_MARGIN.l + PRESENT_MARGIN.r, mV = PRESENT_MARGIN.t + PRESENT_MARGIN.b;
    var toolbar = el.play.parentNode, nav = el.keyHint.parentNode;
    // Whether the text column shows everything: nothing below the window, over the slide
    // controls or cut at the side.
    function fits() {
      var n = nav.getBoundingClientRect();
      var above = Math.max(el.stageText.getBoundingClientRect().bottom, el.readouts.getBoundingClientRect().bottom);
      return n.bottom <= H - PAD && above <= n.top + 1 &&
        el.readouts.scrollWidth <= el.readouts.clientWidth + 1 &&
        el.stageText.scrollWidth <= el.stageText.clientWidth + 1;
    }
    function use(cls, font) {
      pl.classList.remove("side", "under", "stack");
      pl.classList.add(cls);
      pl.style.setProperty("--stage-font", font + "px");
    }
    // The text's size: large on a large screen, down to 20 px where that lets the map grow.
    var big = Math.max(20, Math.min(30, Math.round(H / 36)));
    var fonts = big > 24 ? [big, Math.round((big + 20) / 2), 20] : big > 20 ? [big, 20] : [20];
    // Stacked: the text over the whole width, the map under it.
    use("stack", big);
    var fig = H - el.views.getBoundingClientRect().top - PAD;
    var best = { cls: "stack", font: big, plot: Math.min(fig - mV, (W - 2 * PAD - mH) * r), fig: fig, w: 0 };
    // Beside: the text column as narrow as its content allows; the map gets the rest, up to
    // what its aspect can use.
    fonts.forEach(function (font) {
      ["side", "under"].forEach(function (cls) {
        use(cls, font);
        var plot = 0, figW = 0, figH = 0;
        for (var side = Math.max(240, Math.round(W * 0.16)); ; side += 12) {
          figW = W - 2 * PAD - GAP - side;
          pl.style.setProperty("--map-w", figW + "px");
          figH = H - 2 * PAD - (cls === "under" ? toolbar.offsetHeight + ROW : 0);
          plot = Math.min(figH - mV, (figW - mH) * r);
          figW = Math.min(figW, Math.ceil(plot / r + mH));
          pl.style.setProperty("--map-w", figW + "px");
          if (fits()) break;
          if (side > W * 0.55) { plot = 0; break; }  // the text does not fit beside the map
          side = Math.max(side, W - 2 * PAD - GAP - figW);
        }
        if (plot > best.plot + 2) best = { cls: cls, font: font, plot: plot, fig: figH, w: figW };
      });
    });
    use(best.cls, best.font);
    if (best.w) pl.style.setProperty("--map-w", best.w + "px");
    S.stageKey = key;
    S.stagePanel = Math.round(Math.max(200, best.fig));
    return S.stagePanel;
  }
  window.addEventListener("resize", function () { refit(); });

  // -------------------------------------------------------------- render
  function onRender(args) {
    if ((args.token || null) !== Live.token) {  // a new token (renewed every ten minutes)
      Live.token = args.token || null;
      liveSay(null);
    }
    var meta = args.meta;
    if (!meta || meta._sig === S.sig) return;
    var t0 = performance.now();
    var payload = decode(meta, toBuffer(args.blob));
    var grid = payload.surface && payload.surface.grid;
    if (grid) {
      var arrays = Grids.byKey[gridKey(grid)];
      for (var gk in arrays) payload.surface[gk] = arrays[gk];
    }
    var first = !S.payload;
    // Same surface as before: keep the decoded grids (and the plain copies made for Plotly), so
    // Plotly.react sees unchanged arrays and does not recompute the contours or the 3-D mesh.
    if (!first && payload.surface && S.payload.surface &&
        payload.surface._sig === S.payload.surface._sig) {
      payload.surface = S.payload.surface;
    }
    var prevSteps = S.steps;

    S.sig = meta._sig;
    S.payload = payload;
    S.steps = Math.max(0, payload.steps | 0);
    S.paths = (payload.paths || []).map(preparePath);
    S.panelHeight = panelHeight();
    S.fontSize = (payload.theme && payload.theme.font_size) || 16;
    Live.gen++;                 // answers to requests about the previous scene are dropped
    if (!down || !down.moved) S.start = payload.start || null;
    document.documentElement.style.setProperty("--font-size", S.fontSize + "px");

    var stepArg = isNum(payload.step) ? Math.max(0, Math.min(S.steps, Math.round(payload.step))) : null;
    if (first || S.steps !== prevSteps) S.pos = stepArg === null ? S.steps : stepArg;
    else if (stepArg !== null && stepArg !== S.stepArg) S.pos = stepArg;
    else S.pos = Math.max(0, Math.min(S.steps, S.pos));
    S.stepArg = stepArg;

    // The tab a link asks for (a new value only: the user's own choice is not overridden).
    if (payload.tab && payload.tab !== S.tabArg) {
      S.tabArg = payload.tab;
      markTab(payload.tab === "3d" ? "surf" : "map");
    }

    el.scrub.max = String(S.steps);
    el.scrub.value = String(Math.floor(S.pos));
    if (!S.playing) setPlaying(false);
    el.title.textContent = payload.show_title === false ? "" : (payload.surface && payload.surface.title) || "";
    buildLegend();
    el.player.classList.toggle("present", !!payload.present);
    buildStage();
    sendSlideAsked();

    applyLayoutClasses();
    S.panelHeight = panelHeight();  // now that the legend above the map has its rows
    listenOnPage();
    el.player.classList.toggle("present", !!payload.present);
    S.viewHeight = viewHeight();
    // The map's figure (contours, markers, axes) depends on the surface, the start and the
    // size only. When just the paths changed (a new learning rate, say), the new paths are
    // painted on the map at once and only the loss plot goes through Plotly.
    var mapKey = JSON.stringify([payload.surface && payload.surface._sig,
                                 S.viewHeight, S.fontSize, payload.revision]);
    var jobs = [];
    if (!first && mapKey === S.mapKey && S.built.map) {
      drawMap();
    } else {
      var mapFig = mapFigure();
      jobs.push(Plotly.react(el.map, mapFig.data, mapFig.layout, mapFig.config));
      S.mapKey = mapKey;
    }
    var lossFig = lossFigure();
    // An explicit height: Plotly's responsive resize reads the div's height, which is 0 for
    // a moment while the page around the player reflows (the sidebar closing, say).
    el.loss.style.height = lossFig.layout.height + "px";
    jobs.push(Plotly.react(el.loss, lossFig.data, lossFig.layout, lossFig.config));
    S.built.map = S.built.loss = true;
    S.mapJustPainted = true;
    // The 3-D figure is rebuilt only for a new surface, new racers or a new size; new paths
    // on the same surface only restyle its path traces, a frame after the map is painted.
    var surfKey = JSON.stringify([payload.surface && payload.surface._sig, S.viewHeight, S.fontSize,
                                  payload.revision, S.paths.map(function (q) { return [q.label, q.color]; })]);
    if (surfKey !== S.surfKey) { S.surfStale = true; S.surfKey = surfKey; }
    S.surfPos = -1;
    if (first) {
      el.map.on("plotly_afterplot", fitMap);
      el.map.on("plotly_afterplot", requestDraw);
      el.map.on("plotly_relayout", requestDraw);
      el.map.on("plotly_relayouting", requestDraw);
      el.loss.on("plotly_afterplot", requestDraw);
      el.loss.on("plotly_relayout", requestDraw);
      el.loss.on("plotly_relayouting", requestDraw);
    }
    layoutViews();  // builds the 3-D view too when it is shown; the map does not wait for it
    Promise.all(jobs).then(function () {
      layoutViews();
      drawAll(performance.now());
      S.stats.renders++;
      S.stats.renderMs.push(performance.now() - t0);
      if (S.stats.renderMs.length > 50) S.stats.renderMs.shift();
      updateFrameHeight();
    }).catch(showError);
  }

  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      updateFrameHeight();
    }).observe(el.player);
    var lastWidth = 0;
    new ResizeObserver(function () {
      var w = el.views.clientWidth;
      if (w !== lastWidth) { lastWidth = w; layoutViews(); }
    }).observe(el.views);
  }

  // Announce the page; repeat until Streamlit answers with the first render.
  var readyTries = 0;
  (function announce() {
    if (S.payload || readyTries++ > 20) return;
    post("streamlit:componentReady", { apiVersion: 1 });
    setTimeout(announce, 1000);
  })();
})();
