"""Two looks for every figure: ``article`` (print) and ``screen`` (projector).

Sizes are in CSS pixels, the unit of Plotly layouts. A static export at its natural size maps
one pixel to 0.75 pt, so the article theme's smallest text (16 px) prints at 12 pt.
"""

from __future__ import annotations

from dataclasses import dataclass

from .mapspec import COLORSCALE, CONTOUR_LINE_COLOR  # noqa: F401  (re-exported)

FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, 'DejaVu Sans', sans-serif"


@dataclass(frozen=True)
class Theme:
    name: str
    font_size: int  # tick labels, legend, colour bar
    axis_title_size: int
    title_size: int
    line_width: float  # optimizer paths and curves
    marker_size: float  # current position of a racer
    point_size: float  # minima, saddles, start
    text_color: str = "#222222"
    axis_color: str = "#444444"
    grid_color: str = "rgba(0, 0, 0, 0.12)"
    background: str = "#ffffff"
    font_family: str = FONT_FAMILY

    def font(self, size: int | None = None) -> dict:
        return {"family": self.font_family, "size": size or self.font_size,
                "color": self.text_color}


THEMES: dict[str, Theme] = {
    "article": Theme("article", font_size=16, axis_title_size=17, title_size=20,
                     line_width=2.5, marker_size=12, point_size=15),
    "screen": Theme("screen", font_size=22, axis_title_size=24, title_size=30,
                    line_width=4.0, marker_size=18, point_size=22),
}


def get_theme(theme: str | Theme) -> Theme:
    """The theme called ``theme`` ("article" or "screen"), or ``theme`` itself."""
    if isinstance(theme, Theme):
        return theme
    try:
        return THEMES[theme]
    except KeyError:
        raise ValueError(f"Unknown theme {theme!r}; choose one of: {', '.join(THEMES)}") from None


#: The contour colour scale and line colour are part of the map's specification (one for every
#: renderer: the player, the static figures and the Pillow sketch), in :mod:`figures.mapspec`.
SURFACE_COLORSCALE = COLORSCALE


def axis_style(t: Theme, title: str, *, grid: bool = True) -> dict:
    """Common axis settings: thin grid, ticks outside, a visible frame line."""
    return {
        "title": {"text": title, "font": t.font(t.axis_title_size), "standoff": 6},
        "tickfont": t.font(),
        "showgrid": grid, "gridcolor": t.grid_color, "gridwidth": 1,
        "zeroline": False,
        "showline": True, "linecolor": t.axis_color, "linewidth": 1, "mirror": True,
        "ticks": "outside", "ticklen": 5, "tickcolor": t.axis_color,
    }


def base_layout(t: Theme, width: int | None, height: int | None) -> dict:
    return {
        "width": width, "height": height,
        "font": t.font(),
        "paper_bgcolor": t.background, "plot_bgcolor": t.background,
        "template": "none",
        "hoverlabel": {"font": {"family": t.font_family}},
    }
