"""The lines above the race player: one line each, opening for the whole text."""

from __future__ import annotations

import streamlit as st

from ui.callbacks import on_slide_step, restore_preset
from ui.compute import cached_lessons
from ui.keys import NO_LESSON, header_line_key
from ui.plainmath import plain
from ui.tables import md_literal

# The stage: the page's padding trimmed (below the band that holds the sidebar's open button
# while the sidebar is closed), and each header line (intro, link warnings, claim, formula)
# one line high until it is opened, so the map starts high on the screen.
STAGE_CSS = """
.block-container{padding:.4rem 1.5rem 2rem;max-width:none}
body:has(#stSidebar[data-collapsed="true"]) .block-container{padding-top:3.9rem}
.stMainBlockContainer [data-testid="stVerticalBlock"]{row-gap:.45rem}
.stMainBlockContainer [data-testid="stExpander"] summary p{white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis;margin:0}
.stMainBlockContainer [data-testid="stExpander"] summary{padding-top:.3rem;padding-bottom:.3rem}
.stMainBlockContainer [data-testid="stExpander"] summary>span{min-width:0}
.stMainBlockContainer [data-testid="stExpander"] summary>span>div{min-width:0;overflow:hidden}
.st-key-lesson_line{flex-wrap:nowrap!important}
.st-key-lesson_line>div{min-width:0}
[data-testid="stSidebar"] .katex-display{overflow-x:auto;overflow-y:hidden;font-size:.92em;
  padding-bottom:.2rem}
.st-key-lesson_line [data-testid="stButton"] button{white-space:nowrap;min-height:2.2rem;
  padding:.2rem .7rem}
.st-key-tab_keeper,.st-key-history_keeper{display:none}
"""


MAX_WARNINGS_SHOWN = 5


# Presentation mode: no sidebar, no Streamlit header; the race player is the stage, fixed to
# the whole window (it does not move or grow on scroll) with the claim, the lesson's line and
# the way out inside it.
PRESENT_CSS = """
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],
[data-testid="stToolbar"]{display:none!important}
.block-container{padding:0!important}
iframe[title*="player"]{position:fixed!important;left:0;top:0;width:100vw!important;
  height:100vh!important;z-index:999;background:#fff}
html,body,[data-testid="stMain"]{overflow:hidden!important}
"""


# Embedded in another site's frame (Streamlit's own ``embed=true``): the race player alone,
# filling the frame; the sidebar, Streamlit's header and the tabs under the race are left out
# (the player links back to the full page).
EMBED_CSS = """
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],
[data-testid="stToolbar"],[data-testid="stExpandSidebarButton"]{display:none!important}
.block-container{padding:0!important}
iframe[title*="player"]{position:fixed!important;left:0;top:0;width:100vw!important;
  height:100vh!important;z-index:999;background:#fff}
html,body,[data-testid="stMain"]{overflow:hidden!important}
"""


def embedded() -> bool:
    """Whether the page is embedded (``embed=true`` in its address) and not presenting."""
    if st.session_state.get("present"):
        return False
    try:
        return bool(st.context.is_embedded)
    except (AttributeError, RuntimeError):  # no browser session (a test's run)
        return False


def draw_presentation_header(bad: list[str]) -> None:
    """The page around the stage: the player draws the claim, the lesson and the way out;
    what a link could not use is said in notices over it."""
    st.html(f"<style>{PRESENT_CSS}</style>")
    for msg in bad[:5]:
        st.toast(md_literal(msg), icon="⚠️", duration="long")


@st.cache_resource(show_spinner=False)
def _captions() -> dict[str, str]:
    from scene.presets import preset_captions

    return preset_captions()


def stage_text() -> dict:
    """What presentation mode writes beside the map: the preset's title and its caption (the
    claim said short for a projector; the claim itself when the preset has none), and the
    lesson's slide, counter and text."""
    ss = st.session_state
    out: dict = {"title": "", "caption": "", "lesson": None}
    if ss.get("scene_claim") and not ss.get("claim_stale"):
        title = ss.get("scene_title", "")
        caption = _captions().get(ss.get("preset", ""))
        out["title"] = title
        out["caption"] = caption or claim_after_title(title, ss["scene_claim"])
    lesson = cached_lessons().get(ss.get("lesson", NO_LESSON))
    if lesson is not None:
        n = len(lesson.slides)
        k = min(max(0, int(ss.get("lesson_slide", 0))), n - 1)
        out["lesson"] = {"title": lesson.title, "slide": k, "slides": n,
                         "text": lesson.slides[k].text}
    return out


def draw_header(surface, bad: list[str]) -> None:
    """One line each: what the page is, what a link could not use, the preset's claim, the
    surface's formula. Each opens for the whole text."""
    ss = st.session_state
    # One row: the preset's claim (or, without one, the intro) beside the formula, so the map
    # starts high on the screen; with a claim on the line the intro opens atop the sidebar.
    claim_on = bool(ss.get("scene_claim")) and not ss.get("claim_stale")
    first, formula = st.columns([3, 2] if claim_on else [1, 1], gap="small")
    if panel := _opened(st.sidebar if claim_on else first,
                        "**Optimizer Race** · drag on the map, press Play · how to read this "
                        "page: optimizers race downhill on a 2-D loss surface, exactly as "
                        "PyTorch moves them", "intro"):
        panel.markdown(GUIDE)
    # A short formula fits on the line, in plain text (typeset only when opened: KaTeX is a
    # tenth of a first visit); a long one (Goldstein–Price) opens below it.
    text = plain(surface.latex)
    shown = md_literal(text) if text and len(text) <= 72 else "the formula and its lesson"
    if panel := _opened(formula, f"**{md_literal(surface.title)}** · {shown}", "formula"):
        with panel:
            st.latex(surface.latex)
            if surface.found:
                _draw_found(surface)
            st.caption(surface.lesson)
    warnings = ss.get("link_warnings") or []
    if warnings:
        n = len(warnings)
        # Some fields fall back to their default, some are brought down to their bound: each
        # line below says which.
        what = ("1 setting in the link could not be used as written" if n == 1 else
                f"{n} settings in the link could not be used as written")
        with st.expander(f":orange[⚠ {what}]"):
            for w in warnings[:MAX_WARNINGS_SHOWN]:
                st.text(w[:200])  # literal: a link's text is never markup
            if n > MAX_WARNINGS_SHOWN:
                st.caption(f"… and {n - MAX_WARNINGS_SHOWN} more.")
            if st.button("Dismiss"):
                ss["link_warnings"] = []
                st.rerun()
    for msg in bad:
        st.warning(md_literal(msg))  # labels and values as typed, never markup
    draw_lesson_line()
    if ss.get("scene_claim") and ss.get("claim_stale"):
        with st.expander(f":gray[**{md_literal(ss.get('scene_title', ''))}**: the preset's "
                         "claim was about "
                         "its own race, and the race on the screen is no longer that race]"):
            st.caption(f"What the preset showed: {md_literal(ss['scene_claim'])}")
            st.button("Back to the preset's race", on_click=restore_preset)
    elif claim_on:
        title = md_literal(ss.get("scene_title", ""))
        claim = md_literal(claim_after_title(ss.get("scene_title", ""), ss["scene_claim"]))
        if panel := _opened(first, f":blue[**{title}**] · {claim}", "claim"):
            panel.markdown(f"**{title}** — {claim}")


def _opened(where, label: str, key: str):
    """A header line that opens for its whole text: the text is sent only while it is open
    (each rerun then carries a few elements fewer). Returns the open expander, or None."""
    panel = where.expander(label, key=header_line_key(key), on_change="rerun")
    return panel if panel.open else None


def claim_after_title(title: str, claim: str) -> str:
    """The claim without its first sentence when that sentence is the title (shown beside it
    in bold already)."""
    head = title.strip().rstrip(".").lower()
    first, dot, rest = claim.partition(". ")
    if head and dot and first.strip().lower() == head:
        return rest.strip()
    return claim


def _draw_found(surface) -> None:
    """A typed formula: its exact gradient, the text as typed, and the lowest minimum found."""
    st.latex(surface.gradient_latex)
    st.text(f"As typed: {surface.params['f']}")  # literal: the user's text is never markup
    if surface.minima:
        m = surface.minima[0]
        n, k = len(surface.minima), len(surface.saddles)
        st.caption(f"Lowest minimum found: f = {m.f:.6g} at ({m.x:.6g}, {m.y:.6g}), found, not "
                   f"known. On this range: {n} {'minimum' if n == 1 else 'minima'} and {k} "
                   f"{'saddle point' if k == 1 else 'saddle points'}.")
    else:
        st.caption("No minimum was found on this range, so no run can be said to reach one.")


def draw_lesson_line() -> bool:
    """The lesson that is on: ◀ Previous, Next ▶ and one line, "Lesson: TITLE · slide k of N:
    its text", opening for the whole text. Nothing while no lesson is on (returns False)."""
    ss = st.session_state
    lesson = cached_lessons().get(ss.get("lesson", NO_LESSON))
    if lesson is None:
        return False
    n = len(lesson.slides)
    k = min(max(0, int(ss.get("lesson_slide", 0))), n - 1)
    head = f"Lesson: {md_literal(lesson.title)} · slide {k + 1} of {n}"
    text = md_literal(lesson.slides[k].text)  # a file's text: never markup
    with st.container(horizontal=True, vertical_alignment="center", gap="small",
                      key="lesson_line"):
        st.button("◀ Previous", key="lesson_prev", on_click=on_slide_step, args=(-1,),
                  disabled=k == 0, help="The lesson's previous slide (its preset).")
        st.button("Next ▶", key="lesson_next", on_click=on_slide_step, args=(1,),
                  disabled=k == n - 1, help="The lesson's next slide (its preset).")
        with st.expander(f":violet[**{head}**]: {text}"):
            st.markdown(f"**{head}**: {text}")
    return True


GUIDE = (
    "- The **map** looks down on the loss surface: each colour band is a range of loss "
    "values (on a log scale where the surface spans many orders of magnitude), stars mark "
    "minima and crosses mark saddle points.\n"
    "- Every coloured line is one optimizer's path from the same start (the ring). "
    "**Play** moves them all together; the slider scrubs through the steps; the **3-D** "
    "view shows the same paths lying on the surface.\n"
    "- **Drag on the map** and every path follows the pointer; let go and the new start "
    "is kept. The small slider on each optimizer's chip above the map changes its "
    "learning rate the same way (or focus it and use the arrow keys).\n"
    "- The plot under the map is the loss at each step: a line that drops faster reached "
    "low ground sooner.\n"
    "- Pick a **Preset** in the sidebar to see one classic behaviour at a time, or open an "
    "optimizer there to change all its settings. **Duplicate** races two settings of the "
    "same optimizer side by side.\n"
    "- The address bar always holds a link to exactly what you see: send it, and the other "
    "person gets the same race.")


def stage_style() -> None:
    st.html(f"<style>{STAGE_CSS}</style>")


def draw(surface, problems: list[str]) -> None:
    """Notices of this run (as toasts, which never move the map), then the header lines: the
    presentation mode's caption, or the page's one-line header."""
    for note in st.session_state.pop("notices", [])[:5]:
        st.toast(md_literal(note), icon="ℹ️", duration="long")
    if st.session_state.get("present"):
        draw_presentation_header(problems)
    elif embedded():
        st.html(f"<style>{EMBED_CSS}</style>")
        for msg in problems[:MAX_WARNINGS_SHOWN]:
            st.toast(md_literal(msg), icon="⚠️", duration="long")
    else:
        draw_header(surface, problems)
