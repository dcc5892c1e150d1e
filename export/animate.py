"""Animated races: GIF and MP4.

Rendering every frame through a browser would take minutes, so the map is rendered once: the
background (contours, axes, colour bar, legend, title) and, separately, the markers that stay
on top of the paths (minima, saddles, start), both with the exact margins and axis ranges of
:func:`figures.landscape_figure`. That fixes where every data point lands in pixels. The paths
then grow frame by frame, drawn with Pillow at twice the resolution and reduced (anti-aliased)
only where they changed, and each frame adds the racers' current positions and a step counter.

Without Chromium, the background is drawn by :mod:`export.sketch` instead (Pillow alone).

Frame ``i`` of ``F`` shows every path up to step ``round(i · N / (F − 1))``.
"""

from __future__ import annotations

import gc
import io
import math
import os
import tempfile

import numpy as np
from PIL import Image, ImageDraw

from figures import get_theme, landscape_figure
from figures.landscape import end_mark
from figures.mapspec import KIND_OF_NAME, racer_style

from . import static
from .errors import ExportError
from .sketch import sketch_stage
from .stage import Stage, _font, _hex_rgb, dashes, draw_symbol, plot_area

__all__ = ["Animator", "Stage", "encode_gif", "encode_mp4", "frame_steps", "make_stage",
           "plot_area"]

SUPERSAMPLE = 2
GIF_HOLD_LAST = 1.5  # seconds the last GIF frame stays before the loop restarts


def _overlay_figure(fig):
    """Only the minima, saddles and start marker, on a transparent page with the same
    geometry."""
    over = fig.to_dict()
    keep = set(KIND_OF_NAME)  # every legend name of a minimum, saddle or start
    over["data"] = [tr for tr in over["data"]
                    if tr.get("type") == "scatter" and tr.get("name") in keep]
    lay = over["layout"]
    lay["paper_bgcolor"] = lay["plot_bgcolor"] = "rgba(0,0,0,0)"
    lay["showlegend"] = False
    lay["annotations"] = []
    for ax in ("xaxis", "yaxis"):
        lay[ax].update(showline=False, showticklabels=False, ticks="", showgrid=False,
                       title={"text": ""})
    return over


def kaleido_stage(race, theme, width: int, height: int, scale: float) -> Stage:
    fig = landscape_figure(race, theme=theme, width=width, height=height, paths=False)
    width, height = int(fig.layout.width), int(fig.layout.height)  # cut to what it draws
    bg = Image.open(io.BytesIO(static.render(fig, "png", width=width, height=height,
                                             scale=scale))).convert("RGB")
    over = Image.open(io.BytesIO(static.render(_overlay_figure(fig), "png", width=width,
                                               height=height, scale=scale))).convert("RGBA")
    if over.getextrema()[3][1] == 0:
        over = None
    (x0, x1), (y0, y1) = race.surface.bounds
    return Stage(bg, over, plot_area(fig, scale), (x0, x1), (y0, y1), scale)


def make_stage(race, theme, width: int, height: int, scale: float) -> tuple[Stage, str]:
    """The background from Chromium when there is one, else drawn with Pillow. Returns the
    stage and which renderer made it ("chromium" or "pillow")."""
    try:
        if static.available():
            try:
                return kaleido_stage(race, theme, width, height, scale), "chromium"
            except ExportError:
                pass  # fall through to the sketch: an animation is still possible
        return sketch_stage(race, theme, width, height, scale), "pillow"
    finally:
        # Plotly's figures hold reference cycles: free the map's figure and its data now,
        # before the frames are drawn, not at some later collection
        gc.collect()


# --------------------------------------------------------------------------------------------
# Drawing


def _clip_segments(p: np.ndarray, q: np.ndarray, rect):
    """Liang–Barsky clipping of the segments p[i]→q[i] to ``rect`` (x0, y0, x1, y1).

    Returns the clipped ends, which segments keep a part, and whether each start or end was
    moved."""
    x0, y0, x1, y1 = rect
    d = q - p
    t0 = np.zeros(len(p))
    t1 = np.ones(len(p))
    keep = np.ones(len(p), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for pk, qk in ((-d[:, 0], p[:, 0] - x0), (d[:, 0], x1 - p[:, 0]),
                       (-d[:, 1], p[:, 1] - y0), (d[:, 1], y1 - p[:, 1])):
            parallel = pk == 0
            keep &= ~(parallel & (qk < 0))
            r = qk / pk
            t0 = np.where(~parallel & (pk < 0), np.maximum(t0, r), t0)
            t1 = np.where(~parallel & (pk > 0), np.minimum(t1, r), t1)
    keep &= t0 <= t1
    return p + t0[:, None] * d, p + t1[:, None] * d, keep, t0 > 0, t1 < 1


def _polylines(pts: np.ndarray, rect) -> list[np.ndarray]:
    """The parts of the polyline ``pts`` inside ``rect``, as separate polylines."""
    if len(pts) < 2:
        return []
    a, b, keep, moved_a, moved_b = _clip_segments(pts[:-1], pts[1:], rect)
    lines: list[list] = []
    current: list | None = None
    for i in range(len(a)):
        if not keep[i]:
            current = None
            continue
        if current is None or moved_a[i]:
            current = [a[i]]
            lines.append(current)
        current.append(b[i])
        if moved_b[i]:
            current = None
    return [np.asarray(line) for line in lines if len(line) >= 2]


def _sprite_symbol(symbol: str, diameter: float, color: str, outline: float) -> Image.Image:
    """A racer's marker (a Plotly symbol ``diameter`` pixels across) with a white rim, drawn
    four times larger and reduced, for smooth edges."""
    k = 4
    size = int(math.ceil(1.4 * diameter + 2 * outline)) + 2
    big = Image.new("RGBA", (size * k, size * k), (0, 0, 0, 0))
    c = size * k / 2
    draw_symbol(ImageDraw.Draw(big), symbol, c, c, diameter * k, color, rim=outline * k)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _sprite_cross(size: float, color: str, outline: float) -> Image.Image:
    k = 4
    n = int(math.ceil(size + 2 * outline)) + 2
    big = Image.new("RGBA", (n * k, n * k), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    c = n * k / 2
    h = size * k / 2 * 0.75
    w = size * k * 0.22
    for fill, width in (((255, 255, 255, 255), w + 2 * outline * k), (color, w)):
        d.line([(c - h, c - h), (c + h, c + h)], fill=fill, width=int(width))
        d.line([(c - h, c + h), (c + h, c - h)], fill=fill, width=int(width))
    return big.resize((n, n), Image.Resampling.LANCZOS)


def _union(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _intersect(a, b):
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def frame_steps(total: int, frames: int) -> list[int]:
    """The last step shown in each frame: ``round(i · total / (frames − 1))``."""
    if frames <= 1:
        return [total]
    return [int(round(i * total / (frames - 1))) for i in range(frames)]


class Animator:
    """Draws the frames of a race on a stage, one after the other."""

    def __init__(self, race, stage: Stage, theme, *, pad_to_even: bool = False) -> None:
        t = get_theme(theme)
        self.race, self.stage, self.t = race, stage, t
        s = stage.scale
        bg = stage.background
        if pad_to_even and (bg.width % 2 or bg.height % 2):
            even = Image.new("RGB", (bg.width + bg.width % 2, bg.height + bg.height % 2),
                             "white")
            even.paste(bg, (0, 0))
            bg = even
        self.size = bg.size
        self._bg = bg
        k = SUPERSAMPLE
        left, top, right, bottom = stage.area
        edge = max(1, int(math.ceil(s)))  # keep off the frame line of the plot area
        self.inside = (int(math.ceil(left)) + edge, int(math.ceil(top)) + edge,
                       int(math.floor(right)) - edge, int(math.floor(bottom)) - edge)
        self.low = self.high = self.draw_high = None
        self.reset()
        self.overlay = stage.overlay
        self.width_high = max(1.0, t.line_width * s * k)
        # each racer's dash pattern (high-resolution pixels)
        self.patterns = [racer_style(i).dash_px(self.width_high)
                         for i in range(len(race.racers))]
        (xa, xb), (ya, yb) = stage.xrange, stage.yrange
        self._sx = (right - left) / (xb - xa)
        self._sy = (bottom - top) / (yb - ya)
        self._x0, self._y1 = xa, yb
        self._left, self._top = left, top
        self.total = max((r.traj.n - 1 for r in race.racers), default=0)
        self.total = max(self.total, race.scene.steps)
        self.pix = [self.to_px(r.traj.xy) for r in race.racers]
        self.dots = [_sprite_symbol(racer_style(i).symbol, t.marker_size * s, r.color, 1.5 * s)
                     for i, r in enumerate(race.racers)]
        self.crosses = [_sprite_cross(t.marker_size * 1.5 * s, r.color, 1.5 * s)
                        for r in race.racers]
        self.font = _font(t.font_size * s)
        self.counter_box = self._counter_box()

    def reset(self) -> None:
        """Back to the background with no path drawn, for drawing the race again."""
        bg, k = self._bg, SUPERSAMPLE
        self.low = self.high = self.draw_high = None  # free the old pictures first
        self.low = bg.copy()  # background plus the paths so far
        # the paths at k times the resolution, over the plot area only (where they are seen)
        inner = bg.crop(self.inside)
        self.high = inner.resize((inner.width * k, inner.height * k), Image.Resampling.NEAREST)
        self.draw_high = ImageDraw.Draw(self.high)
        self.drawn = [0] * len(self.race.racers)  # index of the last point drawn
        self.phase = [0.0] * len(self.race.racers)
        self.prev_marks = None

    def to_px(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy, dtype=np.float64)
        out[:, 0] = self._left + (xy[:, 0] - self._x0) * self._sx
        out[:, 1] = self._top + (self._y1 - xy[:, 1]) * self._sy
        return out

    # -- paths ---------------------------------------------------------------------------

    def _grow(self, step: int):
        """Draw every path up to ``step``; returns the changed box (output pixels) or None."""
        k = SUPERSAMPLE
        w = self.width_high
        left, top, right, bottom = self.inside
        off = np.array([left, top], dtype=np.float64) * k  # where the high picture starts
        pad = 4 * w
        clip = (-2 * k - pad, -2 * k - pad, (right - left + 2) * k + pad,
                (bottom - top + 2) * k + pad)
        dirty = None
        for i, px in enumerate(self.pix):
            last = min(step, len(px) - 1)
            first = self.drawn[i]
            if last <= first:
                continue
            pts = px[first: last + 1] * k - off
            color = self.race.racers[i].color
            for line in _polylines(pts, clip):
                self._stroke(i, line, color, w)
                lo = line.min(axis=0) + off - w
                hi = line.max(axis=0) + off + w
                dirty = _union(dirty, (int(lo[0] // k) - 1, int(lo[1] // k) - 1,
                                       int(hi[0] // k) + 2, int(hi[1] // k) + 2))
            self.drawn[i] = last
        if dirty is None:
            return None
        box = _intersect(dirty, self.inside)
        if box is None:
            return None
        region = self.high.crop(((box[0] - left) * k, (box[1] - top) * k, (box[2] - left) * k,
                                 (box[3] - top) * k)).reduce(k)
        self.low.paste(region, box[:2])
        if self.overlay is not None:
            over = self.overlay.crop(box)
            self.low.paste(over, box[:2], over)
        return box

    def _stroke(self, i: int, line: np.ndarray, color: str, w: float) -> None:
        """Racer ``i``'s polyline ``line`` (high-resolution pixels) in its dash pattern: a
        solid line with round ends, or dashes with square-cut ends (as Plotly draws them)."""
        pattern = self.patterns[i]
        pieces = None
        if pattern:
            pieces, self.phase[i] = dashes(line, pattern, self.phase[i])
        if pieces is None:  # solid
            coords = [tuple(p) for p in line]
            self.draw_high.line(coords, fill=color, width=int(round(w)), joint="curve")
            r = w / 2
            for x, y in (coords[0], coords[-1]):
                self.draw_high.ellipse([x - r, y - r, x + r, y + r], fill=color)
            return
        for piece in pieces:
            self.draw_high.line([tuple(p) for p in piece], fill=color, width=int(round(w)),
                                joint="curve")

    # -- markers and counter ---------------------------------------------------------------

    def _marks(self, step: int) -> list[tuple[Image.Image, tuple[int, int]]]:
        out = []
        left, top, right, bottom = self.inside
        for i, r in enumerate(self.race.racers):
            traj = r.traj
            last = min(step, traj.n - 1)
            if traj.status != "completed" and step >= traj.diverged_at:
                (ex, ey), _ = end_mark(traj.xy[: last + 1], self.race.surface.bounds)
                x, y = self.to_px(np.array([[ex, ey]]))[0]
                sprite = self.crosses[i] if traj.status == "diverged" else self.dots[i]
            else:
                x, y = self.pix[i][last]
                sprite = self.dots[i]
                if not (left <= x <= right and top <= y <= bottom):
                    continue
            out.append((sprite, (int(round(x - sprite.width / 2)),
                                 int(round(y - sprite.height / 2)))))
        return out

    def _counter_text(self, step: int) -> str:
        return f"step {step} / {self.total}"

    def _counter_anchor(self) -> tuple[int, int]:
        """Right end of the step counter: the top right corner of the figure, level with the
        title."""
        s = self.stage.scale
        t = self.t
        return (int(round(self.size[0] - 14 * s)),
                int(round((12 + 0.62 * t.title_size) * s)))

    def _counter_box(self):
        text = self._counter_text(self.total).replace("1", "8")
        x1, y = self._counter_anchor()
        l, t, r, b = self.font.getbbox(text, anchor="rm")
        return (max(0, x1 + l - 4), max(0, y + t - 4), x1 + r + 4, y + b + 4)

    def frame(self, step: int) -> tuple[Image.Image, tuple[int, int, int, int] | None]:
        """The frame showing every path up to ``step`` and the box that changed since the
        previous frame (None for the first)."""
        dirty = self._grow(step)
        img = self.low.copy()
        marks = self._marks(step)
        boxes = tuple((x, y, x + sp.width, y + sp.height) for sp, (x, y) in marks)
        for sprite, pos in marks:
            img.paste(sprite, pos, sprite)
        ImageDraw.Draw(img).text(self._counter_anchor(), self._counter_text(step),
                                 font=self.font, fill=self.t.text_color, anchor="rm")
        first = self.prev_marks is None
        for b in boxes + (self.prev_marks or ()):
            dirty = _union(dirty, b)
        dirty = _union(dirty, self.counter_box)
        self.prev_marks = boxes
        if first:
            return img, None
        full = (0, 0) + img.size
        return img, _intersect(dirty, full)


# --------------------------------------------------------------------------------------------
# Encoders


TRANSPARENT = 255  # palette index of "unchanged since the previous frame"
MAPPER_PIXELS = 200_000  # pixels mapped to palette indices at a time


def _gif_header(width: int, height: int, palette: bytes) -> bytes:
    palette = palette[:768].ljust(768, b"\0")
    screen = (b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little")
              + bytes([0xF7, 0, 0]))  # global colour table of 256 entries
    loop = b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    return screen + palette + loop


def _gif_frame(indices: np.ndarray, offset: tuple[int, int], delay_cs: int,
               transparent: bool) -> bytes:
    from PIL import GifImagePlugin

    # disposal 1: each frame is drawn over the previous one
    packed = (1 << 2) | (1 if transparent else 0)
    control = (b"\x21\xF9\x04" + bytes([packed]) + max(delay_cs, 2).to_bytes(2, "little")
               + bytes([TRANSPARENT, 0]))
    img = Image.fromarray(np.ascontiguousarray(indices, dtype=np.uint8))
    return control + b"".join(GifImagePlugin.getdata(img, offset=offset))


def _palette_image(animator: Animator) -> Image.Image:
    """255 colours covering the finished race exactly where it is flat (background bands,
    text, the racers' colours) plus a median-cut sample of its blended edges. Entry 255 repeats
    entry 0 and is used as the transparent index."""
    # the finished race, on the animator's one set of pictures, drawn a part at a time (the
    # polylines of 12 whole 10,000-step paths at once took some 15 MB)
    for step in range(0, animator.total, 500):
        animator._grow(step)
    final, _ = animator.frame(animator.total)
    animator.reset()
    # colours counted and sampled at half the resolution: flat areas keep their exact colours,
    # edges their blends, and a full frame's colour table took some 20 MB
    final = final.reduce(2)
    counts = final.getcolors(maxcolors=final.width * final.height) or []
    counts.sort(key=lambda c: -c[0])
    colors: list[tuple[int, int, int]] = []
    seen = set()

    def add(c):
        c = tuple(int(v) for v in c[:3])
        if c not in seen and len(colors) < 255:
            seen.add(c)
            colors.append(c)

    for c in (_hex_rgb(r.color) for r in animator.race.racers):
        add(c)
    add((255, 255, 255))
    for _, c in counts[:150]:
        add(c)
    sample = final.quantize(colors=256 - len(colors), method=Image.Quantize.MEDIANCUT,
                            dither=Image.Dither.NONE).getpalette() or []
    for j in range(0, len(sample) - 2, 3):
        add(sample[j: j + 3])
    while len(colors) < 255:
        colors.append(colors[0])
    colors.append(colors[0])  # the transparent slot never wins a nearest-colour search
    pal = Image.new("P", (1, 1))
    pal.putpalette([v for c in colors for v in c])
    return pal


class _IndexMapper:
    """RGB → palette indices: exact for colours in the palette (Pillow's own lookup rounds
    them, which would tint a white background), nearest otherwise."""

    def __init__(self, palette: Image.Image) -> None:
        self.palette = palette
        rgb = np.array(palette.getpalette()[:765], dtype=np.uint32).reshape(-1, 3)
        keys = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        keys, first = np.unique(keys, return_index=True)  # lowest index of each colour
        self.keys, self.index = keys, first.astype(np.uint8)

    def __call__(self, img: Image.Image) -> np.ndarray:
        """The palette indices of ``img``, a band of rows at a time (a whole frame's
        temporaries would be some 100 MB at 1800 × 1400)."""
        out = np.empty((img.height, img.width), dtype=np.uint8)
        rows = max(1, MAPPER_PIXELS // max(img.width, 1))
        for y in range(0, img.height, rows):
            band = img.crop((0, y, img.width, min(img.height, y + rows)))
            out[y: y + band.height] = self._map(band)
        return out

    def _map(self, img: Image.Image) -> np.ndarray:
        near = np.array(img.quantize(palette=self.palette, dither=Image.Dither.NONE))
        near[near == TRANSPARENT] = 0  # entry 255 repeats entry 0
        a = np.asarray(img, dtype=np.uint32)
        key = (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        exact = self.keys[pos] == key
        return np.where(exact, self.index[pos], near).astype(np.uint8)


def encode_gif(animator: Animator, steps: list[int], fps: float) -> bytes:
    palette = _palette_image(animator)
    pal_bytes = bytes(palette.getpalette()[:768])
    mapper = _IndexMapper(palette)
    w, h = animator.size
    out = io.BytesIO()
    out.write(_gif_header(w, h, pal_bytes))
    shown = np.zeros((h, w), dtype=np.uint8)  # what a viewer shows after each frame
    n = len(steps)
    for i, step in enumerate(steps):
        img, box = animator.frame(step)
        delay = round(100 * (i + 1) / fps) - round(100 * i / fps)
        if i == n - 1:
            delay += round(100 * GIF_HOLD_LAST)
        if box is None:
            box = (0, 0, w, h)
        x0, y0, x1, y1 = box
        part = mapper(img.crop(box))
        if i == 0:
            shown[y0:y1, x0:x1] = part
            out.write(_gif_frame(part, (x0, y0), delay, transparent=False))
            continue
        changed = part != shown[y0:y1, x0:x1]
        shown[y0:y1, x0:x1] = part
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if rows.size == 0:  # nothing moved: one transparent pixel keeps the timing
            out.write(_gif_frame(np.full((1, 1), TRANSPARENT), (0, 0), delay,
                                 transparent=True))
            continue
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        sub = part[r0:r1, c0:c1].copy()
        sub[~changed[r0:r1, c0:c1]] = TRANSPARENT
        out.write(_gif_frame(sub, (x0 + int(c0), y0 + int(r0)), delay, transparent=True))
    out.write(b"\x3B")
    return out.getvalue()


def encode_mp4(animator: Animator, steps: list[int], fps: float) -> bytes:
    try:
        import imageio_ffmpeg
        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 - missing package or binary
        raise ExportError("MP4 export needs ffmpeg: pip install imageio-ffmpeg") from None
    w, h = animator.size
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            path, (w, h), fps=fps, codec="libx264", pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p", quality=None, macro_block_size=1,
            ffmpeg_log_level="error",
            # a short input queue, two encoder threads, a short look-ahead and no B-frames:
            # at 1800 × 1218 ffmpeg's queued frames took some 360 MB, now some 250 MB
            input_params=["-thread_queue_size", "2"],
            output_params=["-crf", "20", "-preset", "veryfast", "-tune", "animation",
                           "-threads", "2", "-x264-params",
                           "rc-lookahead=5:sync-lookahead=0:bframes=0",
                           "-movflags", "+faststart"])
        try:
            writer.send(None)
            for step in steps:
                img, _ = animator.frame(step)
                writer.send(img.tobytes())
        finally:
            writer.close()
        with open(path, "rb") as f:
            return f.read()
    except ExportError:
        raise
    except Exception as e:  # noqa: BLE001 - ffmpeg failures become one line
        msg = " ".join(str(e).split())[:160] or type(e).__name__
        raise ExportError(f"The video encoder failed ({msg})") from None
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
