"""A map drawn with Pillow alone, for animations on machines without Chromium.

Same geometry as :func:`figures.landscape_figure` (margins, axis ranges, legend placement,
title), so the animator draws the paths in the same places; the contours, ticks and legend are
simpler than Plotly's but show the same things.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from figures import get_theme, landscape_figure, surface_field
from figures.landscape import TEXT_INSET as _INSET
from figures.landscape import _colorbar_w
from figures.mapspec import KIND_OF_NAME, UNDEFINED_COLOR, MarkerStyle, map_spec, racer_style

from .stage import Stage, _font, _hex_rgb, dashes, draw_symbol, plot_area

# fonts with superscript digits and Greek letters first (the legend and log ticks use them)
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf")


def _rgba(color: str) -> tuple[int, int, int, int]:
    """"#rrggbb" or "rgba(r, g, b, a)" as an RGBA tuple of 0–255 integers."""
    if color.startswith("#"):
        return (*_hex_rgb(color), 255)
    parts = [float(v) for v in color[color.index("(") + 1: color.rindex(")")].split(",")]
    alpha = parts[3] if len(parts) > 3 else 1.0
    return (*(int(round(v)) for v in parts[:3]), int(round(alpha * 255)))


def _scale_colors(values: np.ndarray, colorscale) -> np.ndarray:
    """Colours of ``colorscale`` (Plotly's ``[[stop, "#rrggbb"], ...]``) at ``values`` in
    [0, 1], as uint8 RGB."""
    stops = np.array([s for s, _ in colorscale])
    rgb = np.array([_hex_rgb(c) for _, c in colorscale], dtype=np.float64)
    v = np.clip(values, 0, 1)
    out = np.stack([np.interp(v, stops, rgb[:, k]) for k in range(3)], axis=-1)
    return np.round(out).astype(np.uint8)


def _nice_ticks(lo: float, hi: float, target: int) -> list[float]:
    span = hi - lo
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if raw <= m * mag)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * span:
        ticks.append(0.0 if abs(v) < 1e-12 * span else v)
        v += step
    return ticks


def _label(v: float) -> str:
    return f"{v:g}".replace("-", "−")


def _rotated_text(text: str, font, fill) -> Image.Image:
    l, t, r, b = font.getbbox(text)
    im = Image.new("RGBA", (r - l + 4, b - t + 4), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((2 - l, 2 - t), text, font=font, fill=fill)
    return im.rotate(90, expand=True)


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        r = outer if k % 2 == 0 else outer * 0.45
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


@dataclass
class _Canvas:
    """What every part of the sketch draws with: the picture, the theme, ``s`` pixels per CSS
    pixel, the plot area in pixels (left, top, right, bottom, width, height), the surface's
    bounds and the text's font and colour."""

    img: Image.Image
    draw: ImageDraw.ImageDraw
    t: object
    s: float
    pl: int
    pt: int
    pr: int
    pb: int
    pw: int
    ph: int
    bounds: tuple
    font: object
    text_rgb: str


def sketch_stage(race, theme, width: int, height: int, scale: float) -> Stage:
    """The background and marker overlay of the race's map, drawn with Pillow."""
    t = get_theme(theme)
    s = scale
    fig = landscape_figure(race, theme=t, width=width, height=height, paths=False)
    width, height = int(fig.layout.width), int(fig.layout.height)  # cut to what it draws
    W, H = int(round(width * s)), int(round(height * s))
    left, top, right, bottom = plot_area(fig, s)
    pl, pt, pr, pb = (int(round(v)) for v in (left, top, right, bottom))
    field = surface_field(race.surface)
    spec = map_spec(race.surface)  # the colours and markers every renderer of the map draws
    (x0, x1), (y0, y1) = race.surface.bounds
    img = Image.new("RGB", (W, H), t.background)
    c = _Canvas(img, ImageDraw.Draw(img), t, s, pl, pt, pr, pb, max(pr - pl, 1),
                max(pb - pt, 1), race.surface.bounds, _font(t.font_size * s, FONTS),
                t.text_color)
    _paint_bands(c, field, spec, race.surface.found)
    _paint_axes(c)
    _paint_colorbar(c, field, spec)
    _paint_titles(c, fig)
    _paint_legend(c, fig, spec)
    overlay = _paint_marks(c, race, spec, (W, H))
    if overlay is not None:
        img.paste(overlay, (0, 0), overlay)
    return Stage(img, overlay, (left, top, right, bottom), (x0, x1), (y0, y1), s)


def _paint_bands(c: _Canvas, field, spec, formula: bool) -> None:
    """Filled contours: the grid resampled to the plot area, coloured by band, the lines
    between the bands, and for a typed formula (``formula``) the shade where f is not
    defined."""
    z = np.nan_to_num(field.z, nan=field.zmax)
    zimg = Image.fromarray(z[::-1].astype(np.float32), mode="F").resize(
        (c.pw, c.ph), Image.Resampling.BILINEAR)
    zz = np.asarray(zimg, dtype=np.float64)
    start, _, size = field.levels
    band = np.floor((zz - start) / size)
    mid = np.clip(start + (band + 0.5) * size, field.zmin, field.zmax)
    rgb = _scale_colors((mid - field.zmin) / (field.zmax - field.zmin), spec.colorscale)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    line_rgba = _rgba(spec.contour_line)
    alpha = line_rgba[3] / 255
    rgb[edge] = np.round(rgb[edge] * (1 - alpha) + np.array(line_rgba[:3]) * alpha)
    if formula:
        bad = Image.fromarray((~np.isfinite(field.z[::-1])).astype(np.float32), mode="F")
        bad = np.asarray(bad.resize((c.pw, c.ph), Image.Resampling.NEAREST)) > 0.5
        shade = _rgba(UNDEFINED_COLOR)
        rgb[bad] = np.round(rgb[bad] * (1 - shade[3] / 255) + np.array(shade[:3]) * shade[3] / 255)
    c.img.paste(Image.fromarray(rgb, "RGB"), (c.pl, c.pt))


def _paint_axes(c: _Canvas) -> None:
    """The plot's frame, its ticks and their labels, and the axes' titles."""
    t, s, draw, font = c.t, c.s, c.draw, c.font
    pl, pt, pr, pb, pw, ph = c.pl, c.pt, c.pr, c.pb, c.pw, c.ph
    (x0, x1), (y0, y1) = c.bounds
    axis_font = _font(t.axis_title_size * s, FONTS)
    lw = max(1, int(round(s)))
    draw.rectangle([pl, pt, pr, pb], outline=t.axis_color, width=lw)
    tick = 5 * s
    for v in _nice_ticks(x0, x1, max(3, int(pw / (t.font_size * s * 5)))):
        x = pl + (v - x0) / (x1 - x0) * pw
        draw.line([(x, pb), (x, pb + tick)], fill=t.axis_color, width=lw)
        draw.text((x, pb + tick + 2 * s), _label(v), font=font, fill=c.text_rgb, anchor="mt")
    for v in _nice_ticks(y0, y1, max(3, int(ph / (t.font_size * s * 3)))):
        y = pb - (v - y0) / (y1 - y0) * ph
        draw.line([(pl - tick, y), (pl, y)], fill=t.axis_color, width=lw)
        draw.text((pl - tick - 3 * s, y), _label(v), font=font, fill=c.text_rgb, anchor="rm")
    draw.text(((pl + pr) / 2, pb + tick + 2 * s + 1.4 * t.font_size * s), "x", font=axis_font,
              fill=c.text_rgb, anchor="mt")
    label_w = max(font.getlength(_label(v)) for v in _nice_ticks(y0, y1, 6))
    draw.text((pl - tick - 6 * s - label_w, (pt + pb) / 2), "y", font=axis_font,
              fill=c.text_rgb, anchor="rm")


def _paint_colorbar(c: _Canvas, field, spec) -> None:
    """The colour bar right of the plot, its ticks and its title."""
    t, s, draw, font = c.t, c.s, c.draw, c.font
    pt, pr, pb, ph = c.pt, c.pr, c.pb, c.ph
    lw = max(1, int(round(s)))
    start, _, size = field.levels
    bx0 = pr + 16 * s
    bx1 = bx0 + 14 * s
    levels = np.linspace(field.zmax, field.zmin, ph)
    bands = np.clip(start + (np.floor((levels - start) / size) + 0.5) * size, field.zmin,
                    field.zmax)
    bar = _scale_colors((bands - field.zmin) / (field.zmax - field.zmin), spec.colorscale)
    bar_img = Image.fromarray(np.repeat(bar[:, None, :], max(1, int(bx1 - bx0)), axis=1), "RGB")
    c.img.paste(bar_img, (int(bx0), pt))
    draw.rectangle([int(bx0), pt, int(bx0) + bar_img.width, pb], outline=t.axis_color,
                   width=lw)
    if field.tickvals:
        bar_ticks = list(zip(field.tickvals, field.ticktext, strict=True))
    else:
        bar_ticks = [(v, _label(v)) for v in _nice_ticks(field.zmin, field.zmax, 6)]
    widest = 0.0
    for v, text in bar_ticks:
        y = pb - (v - field.zmin) / (field.zmax - field.zmin) * ph
        xr = int(bx0) + bar_img.width
        draw.line([(xr, y), (xr + 4 * s, y)], fill=t.axis_color, width=lw)
        draw.text((xr + 6 * s, y), text, font=font, fill=c.text_rgb, anchor="lm")
        widest = max(widest, font.getlength(text))
    bar_title = field.label + (" (log scale)" if field.log else "")
    rot = _rotated_text(bar_title, font, c.text_rgb)
    c.img.paste(rot, (int(bx1 + 10 * s + widest), int((pt + pb - rot.height) / 2)), rot)


def _paint_titles(c: _Canvas, fig) -> None:
    """The figure's title and subtitle, where the figure puts them."""
    t, s = c.t, c.s
    big = _font(t.title_size * s, FONTS)
    for ann in fig.layout.annotations:
        if ann.name == "title":
            c.draw.text((_INSET * s, 12 * s), html.unescape(ann.text), font=big,
                        fill=c.text_rgb)
        elif ann.name == "subtitle":
            c.draw.text((_INSET * s, (12 + 1.3 * t.title_size + 2) * s),
                        html.unescape(ann.text), font=c.font, fill=c.text_rgb)


def _paint_legend(c: _Canvas, fig, spec) -> None:
    """The figure's legend, beside the colour bar or in columns below the plot as the figure
    lays it out: each racer's line and marker, the marked points' symbols."""
    t, s, draw = c.t, c.s, c.draw
    entries = [(tr.name, tr) for tr in fig.data
               if tr.type == "scatter" and tr.showlegend is not False and tr.name]
    if fig.layout.showlegend is False:
        entries = []
    leg = fig.layout.legend
    lfont = _font((leg.font.size or t.font_size) * s, FONTS)
    line_h = (leg.font.size or t.font_size) * 1.3 * s
    positions = []
    if leg.orientation == "v":
        lx, ly = c.pr + (_colorbar_w(t) + 4) * s, c.pt + 6 * s
        for name, _ in entries:
            lines = name.split("<br>")
            positions.append((lx, ly, lines))
            ly += line_h * len(lines) + 3 * s
    elif entries:
        item_w = ((leg.entrywidth or 200) + 52) * s
        cols = max(1, int((c.pr - _INSET * s + 4 * s) // item_w))
        # the columns are laid out for Arial; the fallback font may be wider: shrink it to fit
        widest = max(lfont.getlength(html.unescape(line)) for name, _ in entries
                     for line in name.split("<br>"))
        room = item_w - 46 * s
        if cols > 1 and widest > room:
            lfont = _font((leg.font.size or t.font_size) * s * room / widest, FONTS)
        ly = c.pb + (1.4 * t.font_size + 1.4 * t.axis_title_size + 16) * s
        for k in range(0, len(entries), cols):
            row = [name.split("<br>") for name, _ in entries[k: k + cols]]
            for j, lines in enumerate(row):
                positions.append((_INSET * s + j * item_w, ly, lines))
            ly += line_h * max(len(lines) for lines in row) + 6 * s
    for (x, y, lines), (_, tr) in zip(positions, entries, strict=True):
        cy = y + line_h / 2
        if tr.mode in ("lines", "lines+markers"):
            racer = (tr.meta or {}).get("racer", 0) if isinstance(tr.meta, dict) else 0
            style = racer_style(racer)
            lw = max(1, int(round(t.line_width * s)))
            sample = np.array([(x + 4 * s, cy), (x + 34 * s, cy)])
            pieces = dashes(sample, style.dash_px(lw), 0.0)[0] if style.dash else [sample]
            for piece in pieces:
                draw.line([tuple(p) for p in piece], fill=tr.line.color, width=lw)
            if tr.mode == "lines+markers":
                draw_symbol(draw, style.symbol, x + 19 * s, cy, 0.8 * t.marker_size * s,
                            tr.line.color, rim=1.5 * s)
        else:
            kind = KIND_OF_NAME.get(tr.name, "start")
            _marker(draw, spec.styles[kind], x + 19 * s, cy, 0.7 * s, t)
        for j, text in enumerate(lines):
            # Plotly's text: labels come with their <, >, & as character references
            draw.text((x + 40 * s, y + j * line_h), html.unescape(text), font=lfont,
                      fill=c.text_rgb)


def _paint_marks(c: _Canvas, race, spec, size: tuple[int, int]) -> Image.Image | None:
    """The overlay of markers that stay above the paths: the surface's marked points and the
    scene's start, in the order the figure draws them (None: none is on the map)."""
    (x0, x1), (y0, y1) = c.bounds
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    odraw = ImageDraw.Draw(overlay)
    start = race.scene.start_point()
    marks = [(m.kind, m.x, m.y) for kind in spec.kinds() for m in spec.markers
             if m.kind == kind] + [("start", start[0], start[1])]
    for kind, xv, yv in marks:
        if not (x0 <= xv <= x1 and y0 <= yv <= y1):
            continue
        px = c.pl + (xv - x0) / (x1 - x0) * c.pw
        py = c.pb - (yv - y0) / (y1 - y0) * c.ph
        _marker(odraw, spec.styles[kind], px, py, c.s, c.t)
    return None if overlay.getextrema()[3][1] == 0 else overlay


def _marker(draw: ImageDraw.ImageDraw, style: MarkerStyle, x: float, y: float, s: float,
            t) -> None:
    """One marked point drawn as ``style`` says (a star, an ✕ or a disc), ``s`` pixels per CSS
    pixel, at the theme's point size."""
    size = style.size * t.point_size * s
    w = max(1, int(round(style.line_width * s)))
    if style.symbol.startswith("star"):
        draw.polygon(_star(x, y, size * 0.62), fill=style.fill, outline=style.line, width=w)
    elif style.symbol.startswith("x"):
        h = size * 0.4
        draw.line([(x - h, y - h), (x + h, y + h)], fill=style.line, width=w)
        draw.line([(x - h, y + h), (x + h, y - h)], fill=style.line, width=w)
    else:
        r = size / 2
        draw.ellipse([x - r, y - r, x + r, y + r], fill=style.fill, outline=style.line,
                     width=w)
