"""The header's one-line formula in plain text: every catalogue surface, typed formulas as
sympy writes them, and nothing it cannot write."""

from __future__ import annotations

import re

import pytest

from landscapes import FORMULA, SURFACES, get_surface
from ui.plainmath import plain


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_catalogue_formula_reads_as_text(name):
    latex = SURFACES[name].latex
    text = plain(latex)
    assert text is not None and text.startswith("f(x, y) = ")
    assert not re.search(r"[\\{}^]", text)
    # Every number of the formula is in the text (a power is written small: 2 becomes ²).
    numbers = re.findall(r"(?<![\^_\w])\d+(?:\.\d+)?", latex.replace(r"\tfrac12", ""))
    small = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉", "01234567890123456789")
    for n in numbers:
        assert n in text.translate(small), (n, text)


@pytest.mark.parametrize("latex, text", [
    (SURFACES["himmelblau"].latex, "f(x, y) = (x² + y − 11)² + (x + y² − 7)²"),
    (SURFACES["rastrigin"].latex, "f(x, y) = 20 + x² − 10 cos(2πx) + y² − 10 cos(2πy)"),
    (SURFACES["levi13"].latex,
     "f(x, y) = sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))"),
])
def test_catalogue_formulas_as_a_reader_writes_them(latex, text):
    assert plain(latex) == text


@pytest.mark.parametrize("typed, text", [
    ("x^4 - 2*x^2 + y^2 + x*y/2", "f(x, y) = x⁴ − 2x² + xy/2 + y²"),
    ("log(x) + y^2", "f(x, y) = y² + log(x)"),
    ("1/(x^2-1) + y^2", "f(x, y) = y² + 1/(x² − 1)"),
    ("-x + sqrt(3-x)", "f(x, y) = −x + √(3 − x)"),
    ("exp(-x^2-y^2)*sin(3*x)", "f(x, y) = exp(−x² − y²) sin(3x)"),
    ("abs(x) + max(x, y)", "f(x, y) = |x| + max(x, y)"),
    ("atan(y/x) + asin(x/4)", "f(x, y) = asin(x/4) + atan(y/x)"),
])
def test_typed_formulas_as_sympy_writes_them(typed, text):
    assert plain(get_surface(FORMULA, f=typed).latex) == text


def test_what_it_cannot_write_is_none():
    assert plain(r"f(x,y)=\begin{cases} x & y \end{cases}") is None
    assert plain(r"f(x,y)=\mathcal{L}(x)") is None
