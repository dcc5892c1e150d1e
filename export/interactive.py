"""The race as one self-contained, interactive HTML file: the app's own player, with the race's
paths and the surface's grids written into the file.

The reader of an article gets what the page gives: Play and Pause, the speed, the step slider,
the keys, hover read-outs, the legend with live values, the loss plot and the 3-D view. The
file asks the network for nothing (it opens from ``file://`` and inside an ``<iframe>``) and
needs no server: the paths were computed when it was written, so it replays that race; moving
the start or a learning rate needs the app.

What is in the file: the player's page (:func:`ui.player_inline.page_with`), its modules as one
classic script (:func:`ui.player_inline.inline_script`) and the Plotly bundle it draws with,
gzip-compressed and written in base 85 (Plotly alone is 1.7 MB as text, 0.56 MB compressed), and
the player's arguments (:func:`ui.wire.encode`: the paths, the grids) compressed the same way.
A short loader decompresses both with the browser's ``DecompressionStream``, runs the code
and hands the player its arguments as the app would. Every string of the scene (its title,
the racers' names, a formula) travels inside the compressed arguments and is written into the
page as text by the player, never as markup; the page's title is escaped.

What grows the file: Plotly (about 0.7 MB of it, fixed), then the grids (about 40 kB) and
the paths, about 7 bytes per step and racer after compression (the default scene's 4 racers
make a file of 0.93 MB at 1,000 steps and 1.18 MB at 10,000).
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import struct

__all__ = ["html_bytes", "LOADER"]

#: Decompresses the code and the race, runs the code, then sends the player its render.
LOADER = """(function () {
  "use strict";
  // Base 85 (RFC 1924's digits, "," in place of "<"): 5 characters for 4 bytes.
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" +
    "!#$%&()*+-;,=>?@^_`{|}~";
  var VALUE = new Uint8Array(128);
  for (var d = 0; d < 85; d++) VALUE[DIGITS.charCodeAt(d)] = d;
  function bytes(id) {
    var text = document.getElementById(id).textContent.replace(/\\s+/g, "");
    var n = text.length, whole = Math.floor(n / 5), rest = n % 5;
    var out = new Uint8Array(whole * 4 + (rest ? rest - 1 : 0));
    for (var g = 0; g <= whole; g++) {
      var k = g < whole ? 5 : rest;
      if (!k) break;
      var v = 0;
      for (var j = 0; j < 5; j++) v = v * 85 + (j < k ? VALUE[text.charCodeAt(g * 5 + j)] : 84);
      for (var b = 0; b < (k === 5 ? 4 : k - 1); b++) {
        out[g * 4 + b] = (v / Math.pow(256, 3 - b)) & 255;
      }
    }
    return out;
  }
  function gunzip(data) {
    var stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function fail(err) {
    var box = document.createElement("p");
    box.className = "error";
    box.textContent = "This browser could not open the race (" + (err && err.message || err) +
      "). It needs a browser from 2023 or later.";
    document.body.insertBefore(box, document.body.firstChild);
  }
  try {
    Promise.all([gunzip(bytes("race-code")), gunzip(bytes("race-data"))]).then(function (got) {
      var code = document.createElement("script");
      code.text = new TextDecoder().decode(got[0]);
      document.body.appendChild(code);
      var buf = got[1], n = new DataView(buf).getUint32(0, true);
      var meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
      var blob = new Uint8Array(buf.slice(4 + n));
      window.postMessage({ type: "streamlit:render", args: { meta: meta, blob: blob } }, "*");
    }).catch(fail);
  } catch (err) {
    fail(err);
  }
})();
"""

#: The file's own look: the player as wide as the column it is put in, up to ``--width``.
_STYLE = """<style>
  html, body { margin: 0; background: #fff; }
  body { overflow: auto !important; }  /* a frame or a window smaller than the race scrolls */
  #player { max-width: %dpx; margin: 0 auto; }
</style>
"""


def _packed(data: bytes) -> str:
    """gzip (mtime 0: the same race, the same file), then base 85: RFC 1924's digits with ","
    for "<", so that no "</script" can appear (a quarter more than the bytes; base64 adds a
    third)."""
    text = base64.b85encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")
    return text.replace("<", ",")


def _arguments(job) -> bytes:
    """The player's arguments for the race: its JSON part and its buffer, in one frame (a
    ``uint32`` length of the JSON, the JSON, the buffer)."""
    from figures.payload import race_payload, surface_payload
    from ui.wire import encode

    race = job.race()
    font = 22 if job.theme == "screen" else 16  # slides: presentation mode's type
    payload = race_payload(race, surface_payload(race.surface), revision="export",
                           font_size=font)
    slide = job.theme == "screen"
    # A slide's map fills the window with the loss plot (and the rates', for a schedule)
    # under it, all on the screen: the plots' heights as the player draws them.
    below = 460 if payload.get("show_lr") else 310
    payload = {**payload, "fit_viewport": slide, "fit_below": below * slide,
               "show_title": False, "present": False,
               "static": True, "tab": "map", "theme": {"font_size": font}}
    meta, blob = encode(payload)
    # The map's panel: what the asked height leaves after the toolbar and the legend (the page
    # scrolls on to the loss plot). A slide's map fills the window it is shown in instead.
    meta["panel_height"] = max(260, min(900, int(job.height) - 220))
    head = json.dumps(meta, separators=(",", ":"), allow_nan=False).encode()
    return struct.pack("<I", len(head)) + head + blob


@functools.lru_cache(maxsize=1)
def _code() -> str:
    """Plotly and the player, packed (the same for every file: made once per process)."""
    from ui.player_inline import inline_script, plotly_script

    return _packed((plotly_script() + "\n;\n" + inline_script()).encode())


def html_bytes(job) -> bytes:
    """The file's bytes, for ``job``, an :class:`export.formats.Export` (not imported here: the
    formats' table calls this module)."""
    from ui.player_inline import page_with

    data = _arguments(job)
    scripts = (
        f'<script id="race-code" type="application/octet-stream">\n{_code()}\n'
        "</script>\n"
        f'<script id="race-data" type="application/octet-stream">\n{_packed(data)}\n</script>\n'
        f"<script>\n{LOADER}</script>")
    page = page_with(scripts)
    title = html.escape(job.scene.title or "Optimizer race", quote=False)
    page = page.replace("<title>Optimizer race</title>", f"<title>{title}</title>", 1)
    page = page.replace("</head>", _STYLE % max(320, int(job.width)) + "</head>", 1)
    return page.encode("utf-8")
