"""Hostile and random text through the formula reader: only FormulaError, nothing executed.

Every payload below would create the sentinel file if any of it were run as code; after more
than 10,000 strings the file must still be missing. Each parse must end (the time per parse is
measured by ``bench/bench_formula.py``, not asserted here).
"""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscapes import FormulaError, formula_surface
from landscapes import formula as F


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "EXECUTED"


def _payloads(path: Path) -> list[str]:
    p = str(path)
    return [
        f"__import__('pathlib').Path('{p}').touch()",
        f"open('{p}', 'w')",
        f"(lambda: open('{p}', 'w'))()",
        f"[open('{p}','w') for _ in [1]]",
        f"x.__class__.__base__.__subclasses__()[0]('{p}')",
        f"exec(\"open('{p}','w')\")",
        f"eval(\"open('{p}','w')\")",
        f"sin(x) + __builtins__.open('{p}', 'w')",
        f"x if open('{p}', 'w') else y",
        f"{{open('{p}','w')}}",
        f"x; open('{p}','w')",
        f"x\nopen('{p}','w')",
    ]


TOKENS = ["x", "y", "pi", "e", "1", "2", "0.5", "1e-3", "9" * 40, "1e308", "+", "-", "*", "/",
          "^", "**", "(", ")", ",", " ", "sin(", "log(", "sqrt(", "exp(", "min(", "max(", "abs(",
          ".", "__class__", "__import__", "__builtins__", "lambda", ":", "[", "]", "for", "in",
          "if", "else", "'", '"', "os", "open", "eval", "exec", "compile", "\\", "#", ";", "=",
          "@", "{", "}", "ｘ", "х", "ⅹ", "𝑥", "（", "）", "＊", "\u200b", "\x00", "\n", "%",
          "//", "<", "not", "and", "j", "0x1f", "_", "True", "None", "yield", "await", "2**2**99",
          "9**9**9", "((((((((((", "))))))))))", "-" * 50]

TOKEN_STRINGS = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)
RANDOM_TEXT = st.text(max_size=600)
NEAR_VALID = st.lists(st.sampled_from(TOKENS[:30]), min_size=1, max_size=120).map("".join)


def _check(text: str) -> None:
    try:
        tree = F.parse(text)
    except FormulaError as e:
        assert str(e) and "\n" not in str(e)
        assert e.column is None or 1 <= e.column <= len(text) + 1
        return
    assert isinstance(tree, F.Node)
    assert F.size(tree) <= F.MAX_NODES


@settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))
@given(TOKEN_STRINGS)
def test_token_soup_raises_only_formula_errors(text):
    _check(text)


@settings(max_examples=3500, deadline=None, suppress_health_check=list(HealthCheck))
@given(RANDOM_TEXT)
def test_random_text_raises_only_formula_errors(text):
    _check(text)


@settings(max_examples=3500, deadline=None, suppress_health_check=list(HealthCheck))
@given(NEAR_VALID)
def test_near_valid_formulas_raise_only_formula_errors(text):
    _check(text)


def test_payloads_never_run(sentinel, monkeypatch):
    # Compile the kernels and import sympy's printers first: libraries may run generated
    # text of their own while they load, which is not what this test is about.
    formula_surface("cos(2*x)*y^2 + exp(x)/(3 + sin(y))")
    calls = []

    def trap(name):
        original = getattr(builtins, name)

        def refuse(source, *args, **kwargs):
            if isinstance(source, str | bytes):  # text run as code (imports run code objects)
                calls.append(name)
                raise AssertionError(f"{name} called on text")
            return original(source, *args, **kwargs)
        return refuse

    monkeypatch.setattr(builtins, "eval", trap("eval"))
    monkeypatch.setattr(builtins, "exec", trap("exec"))
    for payload in _payloads(sentinel):
        for text in (payload, "x + " + payload, payload.replace("'", "")):
            with pytest.raises(FormulaError):
                formula_surface(text)
    # a valid formula, built all the way (program, Hessian, LaTeX through sympy): no eval
    formula_surface("sin(3*x)*y^2 + log(1 + x^2)/(2 + cos(y))")
    assert calls == []
    assert not sentinel.exists()


# Each hostile text and what the reader makes of it: a surface, or a FormulaError whose message
# names the problem at a column of the text.
HOSTILE = [
    ("2^2^2^2^2^2^2^2", "too large"), ("9**9**9**9", "too large"),
    ("(" * 40 + "x" + ")" * 40, None),  # 40 levels: the deepest allowed, a surface
    ("-" * 499 + "x", "nested more than 40 levels"), ("x**" * 166 + "x", "nested more than 40"),
    ("1" * 500, "too large"), ("exp(exp(exp(exp(1000))))", "too large"),
    ("x^1e300", None),  # a huge power is a valid formula (it overflows only where evaluated)
    ("10^308*10", "too large"),
]


@pytest.mark.parametrize(("text", "error"), HOSTILE, ids=[t[:16] for t, _ in HOSTILE])
def test_hostile_numbers_and_nesting_end_with_a_surface_or_a_named_error(text, error):
    if error is None:
        surf = formula_surface(text)
        assert surf.sid is not None and len(surf.limit) == 2
        return
    with pytest.raises(FormulaError, match=error) as info:
        formula_surface(text)
    assert info.value.column is not None and 1 <= info.value.column <= len(text)


def test_sentinel_still_missing_after_the_fuzz(sentinel):
    assert not sentinel.exists()
