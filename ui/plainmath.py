"""A surface's formula as plain text, for the header's one-line label.

Typeset LaTeX needs KaTeX in the page, about 0.12 MB with its fonts: a first visit would fetch
it for one line of the header alone. The line shows the formula in Unicode instead
(``f(x, y) = (x² + y − 11)² + (x + y² − 7)²``), and the formula is typeset only when the line
is opened. :func:`plain` knows the LaTeX the catalogue and sympy write; for anything else it
returns None and the line names the formula instead of showing it.
"""

from __future__ import annotations

import re

__all__ = ["plain"]

_SUP = dict(zip("0123456789+-=()nixy", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˣʸ", strict=True))
_SUB = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))
_HALVES = {"12": "½", "13": "⅓", "14": "¼", "23": "⅔", "34": "¾"}
_WORDS = {r"\sin": "sin", r"\cos": "cos", r"\tan": "tan", r"\exp": "exp", r"\log": "log",
          r"\ln": "ln", r"\sinh": "sinh", r"\cosh": "cosh", r"\tanh": "tanh",
          r"\operatorname{asin}": "asin", r"\operatorname{acos}": "acos",
          r"\operatorname{atan}": "atan", r"\operatorname{asinh}": "asinh",
          r"\pi": "π", r"\theta": "θ", r"\cdot": "·", r"\times": "×", r"\lVert": "‖",
          r"\rVert": "‖", r"\left|": "|", r"\right|": "|", r"\quad": "   ", r"\,": " ",
          r"\ ": " ", r"\;": " ", r"\!": "", r"\left(": "(", r"\right)": ")",
          r"\left[": "[", r"\right]": "]", r"\left\{": "{", r"\right\}": "}",
          r"\max": "max", r"\min": "min", r"\arcsin": "asin", r"\arccos": "acos",
          r"\arctan": "atan", r"\left.": "", r"\right.": ""}
_BRACED = r"\{([^{}]*)\}"


def _script(text: str, table: dict) -> str | None:
    text = text.replace(" ", "")
    return "".join(table[c] for c in text) if text and all(c in table for c in text) else None


def _tidy(group: str) -> str:
    """A group's text with the spaces of implicit products dropped (``x y`` is ``xy``)."""
    return re.sub(r"(?<=[\w.²³⁴π]) (?=[\w(√π])", "", group.strip())


def _frac(m: re.Match) -> str:
    num, den = _tidy(m.group(1)), _tidy(m.group(2))
    if den.isdigit() and num.isdigit() and num + den in _HALVES:
        return _HALVES[num + den]
    simple = re.compile(r"[\w.⁰¹²³⁴⁵⁶⁷⁸⁹π]+|√?\([^()]*\)")

    def wrap(text: str) -> str:
        return text if simple.fullmatch(text) else f"({text})"

    return f"{wrap(num)}/{wrap(den)}"


def _power(m: re.Match) -> str:
    base, group = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
    small = _script(group, _SUP)
    if small is not None:
        return base + small
    if base == "e":
        return f"exp({group.strip()})"
    return f"{base}^({group.strip()})"


def _lower(m: re.Match) -> str:
    small = _script(m.group(1) if m.group(1) is not None else m.group(2), _SUB)
    return small if small is not None else f"_({m.group(1) or m.group(2)})"


_FUNCS = r"(?:log|sin|cos|tan|exp|sinh|cosh|tanh|ln)"


def plain(latex: str) -> str | None:
    """``latex`` in Unicode on one line, or None when it uses what this does not know."""
    t = latex
    t = re.sub(r"\\[dt]?frac(\d)(\d)", lambda m: _HALVES.get(m.group(1) + m.group(2),
                                                           f"{m.group(1)}/{m.group(2)}"), t)
    t = re.sub(r"\\(sin|cos|tan)\^(\d)", lambda m: m.group(1) + _SUP[m.group(2)] + " ", t)
    for _ in range(8):  # innermost groups first
        before = t
        t = re.sub(r"\\(?:text|operatorname|mathrm)" + _BRACED, r"\1 ", t)
        t = re.sub(r"(\S)\^(?:" + _BRACED + r"|(\w))", _power, t)
        t = re.sub(r"_(?:" + _BRACED + r"|(\w))", _lower, t)
        t = re.sub(r"\\[dt]?frac" + _BRACED + _BRACED, _frac, t)
        t = re.sub(r"\\sqrt" + _BRACED, lambda m: f"√({_tidy(m.group(1))})", t)
        t = re.sub(r"(\\" + _FUNCS + r")" + _BRACED, r"\1 \2", t)
        t = re.sub(r"(?<![\\\w^_}])" + _BRACED, r"\1", t)  # a group's braces alone
        if t == before:
            break
    for word in sorted(_WORDS, key=len, reverse=True):
        text = _WORDS[word]
        t = t.replace(word, f" {text} " if text.isalpha() and len(text) > 1 else text)
    if "\\" in t or "{" in t or "}" in t:
        return None
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+\)", ")", t)
    t = re.sub(r"(?<=[\d.]) (?=[xyuvkbπθ(√])", "", t)    # 2 x → 2x
    t = re.sub(r"(?<=[xyuvkbπ²³⁴]) (?=[xyuvkπθ(])", "", t)  # x y → xy, 2π x → 2πx
    t = re.sub(r"\b([a-z]{2,}) \(", r"\1(", t)          # sin (x) → sin(x)
    t = re.sub(r"(?<=[\dxyuvkbθπ)²³⁴]) ?(?=(?:sin|cos|tan|exp|log)\b)", " ", t)
    t = t.replace("-", "−")
    t = re.sub(r"\s*([=+−])\s*", r" \1 ", t)
    t = re.sub(r" {2,}", " ", t)
    # A sign that opens a group or a side stays close to what it signs.
    t = re.sub(r"([(\[‖]) ?([+−]) ", r"\1\2", t)
    t = re.sub(r"((?:^|=|,) ?)([+−]) ", r"\1\2", t)
    t = re.sub(r"\s*·\s*", " · ", t)
    t = re.sub(r",(?=\S)", ", ", t)
    t = t.replace("f(x, y) = ", "f(x, y) = ", 1)
    return re.sub(r" {2,}", " ", t).strip()
