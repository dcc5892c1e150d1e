"""Small helpers for the update rules each optimizer module writes in LaTeX (its ``latex``)."""

from __future__ import annotations


def num(v: float) -> str:
    """A number as LaTeX, short but exact enough to read."""
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant}\times10^{{{int(exp)}}}"
    return text


def grad(wd: float, decoupled: bool = False) -> list[str]:
    """The gradient line, with the L2 term when weight decay is coupled."""
    if wd and not decoupled:
        return [rf"g_t = \nabla f(\theta_{{t-1}}) + {num(wd)}\,\theta_{{t-1}}"]
    return [r"g_t = \nabla f(\theta_{t-1})"]


def decay(wd: float, factor: str = r"\gamma_t") -> list[str]:
    """Decoupled weight decay's shrink of θ before the step (none when wd is 0)."""
    if not wd:
        return []
    return [rf"\theta_{{t-1}} \leftarrow \theta_{{t-1}}\,(1 - {num(wd)}\,{factor})".replace(
        r"\,)", ")")]


def moments(b1: float, b2: float, second: str = "g_t^2") -> str:
    """Adam's two running averages on one line."""
    return (rf"m_t = {num(b1)}\, m_{{t-1}} + {num(1 - b1)}\, g_t, \quad "
            rf"v_t = {num(b2)}\, v_{{t-1}} + {num(1 - b2)}\, {second}")
