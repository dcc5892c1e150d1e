r"""A surface typed by the user: f(x, y) parsed safely, with its exact gradient.

The text is read by Python's own parser (:func:`ast.parse` in ``"eval"`` mode) and then checked
node by node against a short whitelist: numbers, ``x``, ``y``, ``pi``, ``e``, ``+ - * / ^ **``,
unary minus and plus, and calls of the functions in :data:`FUNCTIONS`. Nothing the user typed
is ever evaluated as code: the accepted tree is copied into :class:`Node` values of this module,
and everything later (the compiled program, the Hessian, the LaTeX through sympy) is built from
those. Before parsing, the text must be short, plain ASCII and not nested too deeply, so the
parser itself never sees hostile input it could choke on.

Constant parts are folded with float arithmetic while checking: ``2^2^99`` or ``1/0`` is
refused with the column where it happens, instead of being handed to sympy (which would try to
compute the exact integer).

The formula becomes a small program of float64 numbers (:func:`program`), the parameter vector
``p`` of the ``FORMULA`` surface in :mod:`landscapes._formula_kernels`: ``p[0]`` is the number of
instructions and instruction ``k`` takes ``p[1 + 4k : 5 + 4k]`` = (opcode, operand a,
operand b, constant). Its result goes to register ``k``; the last register is f. One compiled
interpreter serves every formula; it carries the derivatives along with the values (forward
mode), so the gradient is exact up to round-off, the same as evaluating sympy's derivative.

:func:`hessian` evaluates value, gradient and Hessian of a tree with NumPy (second-order
forward mode): the exact Hessian that :func:`stationary_points` uses for its Newton steps.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from functools import lru_cache
from typing import NamedTuple

import numpy as np

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "FormulaError", "Node",
           "gradient_latex", "hessian", "latex", "parse", "program", "stationary_points"]

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 40

#: Functions of one argument, then those of two or more.
FUNCTIONS = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log",
             "log10", "sqrt", "abs")
FUNCTIONS_N = ("min", "max")
CONSTANTS = {"pi": math.pi, "e": math.e}

# Opcodes of the compiled program (see landscapes._formula_kernels.formula).
OPS = ("const", "x", "y", "add", "sub", "mul", "div", "neg", "sqr", "powc", "pow",
       *FUNCTIONS, *FUNCTIONS_N, "addc", "mulc", "rsubc", "divc", "rdivc")
OPCODE = {name: i for i, name in enumerate(OPS)}

_ALLOWED = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.+-*/^(), \t")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_USE = "use numbers, x, y, pi, e, + - * / ^, brackets and functions such as sin(x)"


class FormulaError(ValueError):
    """A formula that cannot be used; the message names the column and what was expected."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


class Node(NamedTuple):
    """One node of a formula: ``op`` is a key of :data:`OPCODE`; ``value`` is the number of a
    constant or the exponent of ``powc``; ``kids`` are the operands."""

    op: str
    kids: tuple = ()
    value: float = 0.0


# -- reading the text ------------------------------------------------------------------------


def _prescan(text) -> str:
    if not isinstance(text, str):
        raise FormulaError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long: at most {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError("the formula is empty: type f(x, y), for example x^2 + 3*y^2")
    depth, opened = 0, []
    for i, ch in enumerate(text):
        if ch not in _ALLOWED:
            raise FormulaError(f"unexpected character {ch!r} at column {i + 1}: {_USE}", i + 1)
        if ch == "(":
            depth += 1
            opened.append(i)
            if depth > MAX_DEPTH:
                raise FormulaError(f"brackets nested more than {MAX_DEPTH} deep at column "
                                   f"{i + 1}", i + 1)
        elif ch == ")":
            if depth == 0:
                raise FormulaError(f"')' at column {i + 1} closes no '('", i + 1)
            depth -= 1
            opened.pop()
    if opened:
        raise FormulaError(f"'(' at column {opened[-1] + 1} is never closed", opened[-1] + 1)
    return text


def _python_source(text: str) -> tuple[str, list[int]]:
    """``^`` written as ``**``, and the column of ``text`` for every character of the result."""
    out, cols = [], []
    for i, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            cols += [i + 1, i + 1]
        else:
            out.append(ch)
            cols.append(i + 1)
    cols.append(len(text) + 1)
    return "".join(out), cols


def parse(text) -> Node:
    """The formula ``text`` as a tree of :class:`Node`, constant parts folded.

    Raises :class:`FormulaError` (a ``ValueError``) for anything that is not a formula of the
    accepted grammar, naming the column and what was expected. Never evaluates the text.
    """
    return _parse_checked(_prescan(text))


@lru_cache(maxsize=256)
def _parse_checked(text: str) -> Node:
    src, cols = _python_source(text)
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and the like: errors here
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(src, mode="eval")
    except SyntaxWarning:
        raise FormulaError(f"cannot read the formula: {_USE}") from None
    except SyntaxError as e:
        raise _syntax_error(text, cols, e) from None
    except Exception:  # RecursionError, MemoryError, ...: refuse, never crash
        raise FormulaError(f"the formula is nested too deeply: at most {MAX_DEPTH} levels") \
            from None
    reader = _Reader(src, cols)
    node = reader.read(tree.body, 1)
    return node


def _syntax_error(text: str, cols: list[int], e: SyntaxError) -> FormulaError:
    off = max(1, min(len(cols), e.offset or 1))
    col = cols[off - 1]
    if "decimal literal" in (e.msg or ""):
        return FormulaError(f"a number runs into a letter at column {col}: write a "
                            f"multiplication as 2*x, not 2x", col)
    end = text.rstrip()
    if end and end[-1] in "+-*/^,(":
        return FormulaError(f"the formula ends with {end[-1]!r} at column {len(end)}: expected "
                            f"a number, x, y, a function or '(' after it", len(end))
    if col > len(text):
        return FormulaError(f"the formula ends too early at column {col}: expected a number, "
                            f"x, y, a function or '('", col)
    return FormulaError(f"unexpected {text[col - 1]!r} at column {col}: expected a number, x, "
                        f"y, a function, an operator or a bracket", col)


_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_LEVEL = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}
_WORDS = {ast.Attribute: "attribute access ('.')", ast.Lambda: "lambda",
          ast.Compare: "a comparison", ast.BoolOp: "'and' / 'or'", ast.IfExp: "'if ... else'",
          ast.Subscript: "indexing with [ ]", ast.Tuple: "a tuple (a comma outside a function)",
          ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
          ast.Starred: "'*' unpacking", ast.FloorDiv: "'//'", ast.Mod: "'%'"}


class _Reader:
    """Copies a whitelisted Python expression tree into :class:`Node` values."""

    def __init__(self, src: str, cols: list[int]):
        self.src, self.cols, self.count = src, cols, 0

    def col(self, node) -> int:
        off = getattr(node, "col_offset", 0)
        if isinstance(node, ast.Attribute):  # at the '.', not at what comes before it
            off = node.value.end_col_offset
        return self.cols[min(off, len(self.cols) - 1)]

    def op_col(self, node) -> int:
        """The column of a binary operation's operator."""
        i = node.left.end_col_offset
        while i < len(self.src) and self.src[i] in " \t)":
            i += 1
        return self.cols[min(i, len(self.cols) - 1)]

    def fail(self, node, what: str) -> FormulaError:
        c = self.col(node)
        return FormulaError(f"{what} at column {c} is not part of a formula: {_USE}", c)

    def read(self, node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise FormulaError(f"the formula has more than {MAX_NODES} parts: make it shorter",
                               self.col(node))
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep at "
                               f"column {self.col(node)}", self.col(node))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            # A chain such as a + b - c + d is one level, not one per operator.
            chain = type(node.left) is ast.BinOp and _LEVEL.get(type(node.left.op)) == _LEVEL.get(
                type(node.op), -1)
            a = self.read(node.left, depth if chain else depth + 1)
            b = self.read(node.right, depth + 1)
            return _fold(Node(_BINOPS[type(node.op)], (a, b)), self.op_col(node))
        if isinstance(node, ast.BinOp):
            c = self.op_col(node)
            word = _WORDS.get(type(node.op), "this operator")
            raise FormulaError(f"{word} at column {c} is not part of a formula: {_USE}", c)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            a = self.read(node.operand, depth + 1)
            return a if isinstance(node.op, ast.UAdd) else _fold(Node("neg", (a,)), self.col(node))
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(node, _WORDS.get(type(node), type(node).__name__.lower()))

    def number(self, node) -> Node:
        seg = self.src[node.col_offset:node.end_col_offset]
        if isinstance(node.value, bool) or not isinstance(node.value, int | float) \
                or not _NUMBER.fullmatch(seg):
            raise self.fail(node, f"{seg!r}")
        v = float(seg)
        if not math.isfinite(v) or abs(v) > 1e300:
            raise FormulaError(f"the number at column {self.col(node)} is too large",
                               self.col(node))
        return Node("const", (), v)

    def name(self, node) -> Node:
        c = self.col(node)
        if node.id in ("x", "y"):
            return Node(node.id)
        if node.id in CONSTANTS:
            return Node("const", (), CONSTANTS[node.id])
        if node.id in FUNCTIONS or node.id in FUNCTIONS_N:
            raise FormulaError(f"{node.id} at column {c} needs its argument in brackets: "
                               f"{node.id}(x)", c)
        raise FormulaError(f"unknown name {node.id!r} at column {c}: use x and y "
                           f"(and pi, e)", c)

    def call(self, node, depth: int) -> Node:
        c = self.col(node)
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS and fn not in FUNCTIONS_N:
            what = f"unknown function {fn!r}" if fn else "this call"
            raise FormulaError(f"{what} at column {c}: use one of "
                               f"{', '.join(FUNCTIONS + FUNCTIONS_N)}", c)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{fn}( ) at column {c} takes plain arguments only", c)
        n = len(node.args)
        if fn in FUNCTIONS and n != 1:
            raise FormulaError(f"{fn}( ) at column {c} takes one argument, not {n}", c)
        if fn in FUNCTIONS_N and n < 2:
            raise FormulaError(f"{fn}( ) at column {c} takes two or more arguments", c)
        args = [self.read(a, depth + 1) for a in node.args]
        out = args[0]
        if fn in FUNCTIONS:
            return _fold(Node(fn, (out,)), c)
        for a in args[1:]:
            out = _fold(Node(fn, (out, a)), c)
        return out


# -- constant folding ------------------------------------------------------------------------

_UNARY = {"neg": lambda u: -u, "sin": math.sin, "cos": math.cos, "tan": math.tan,
          "asin": math.asin, "acos": math.acos, "atan": math.atan, "sinh": math.sinh,
          "cosh": math.cosh, "tanh": math.tanh, "exp": math.exp, "log": math.log,
          "log10": math.log10, "sqrt": math.sqrt, "abs": abs}
_BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "pow": math.pow, "min": min, "max": max}


def _fold(node: Node, col: int) -> Node:
    """Fold constant operands into one number; turn ``u^c`` into ``sqr``/``powc``."""
    kids = node.kids
    if all(k.op == "const" for k in kids):
        fn = _UNARY.get(node.op) or _BINARY[node.op]
        try:
            v = float(fn(*(k.value for k in kids)))
        except ZeroDivisionError:
            raise FormulaError(f"division by zero at column {col}", col) from None
        except OverflowError:
            raise FormulaError(f"a number too large at column {col}", col) from None
        except ValueError:
            arg = ", ".join(f"{k.value:g}" for k in kids)
            raise FormulaError(f"{node.op}({arg}) at column {col} is not defined", col) from None
        if not math.isfinite(v) or isinstance(v, complex):
            raise FormulaError(f"a number too large at column {col}", col)
        return Node("const", (), v)
    if node.op == "pow" and kids[1].op == "const":
        c = kids[1].value
        if c == 1.0:
            return kids[0]
        return Node("sqr", (kids[0],)) if c == 2.0 else Node("powc", (kids[0],), c)
    return node


# -- the compiled program ----------------------------------------------------------------------


def program(tree: Node) -> np.ndarray:
    """The float64 program that :mod:`landscapes._formula_kernels` interprets (see the module
    docstring); identical subtrees are computed once."""
    regs: dict[Node, int] = {}
    code: list[tuple[float, float, float, float]] = []

    def emit(node: Node) -> int:
        if node in regs:
            return regs[node]
        op, kids, value = _fused(node)
        ks = [emit(k) for k in kids] + [0, 0]
        code.append((float(OPCODE[op]), float(ks[0]), float(ks[1]), float(value)))
        regs[node] = len(code) - 1
        return regs[node]

    emit(tree)
    return np.array([float(len(code)), *(v for ins in code for v in ins)], dtype=np.float64)


def _fused(node: Node) -> tuple[str, tuple, float]:
    """An arithmetic operation with one constant operand as one instruction (the same
    IEEE operation, so the same result: a - c is a + (-c) exactly)."""
    if node.op in ("add", "sub", "mul", "div") and len(node.kids) == 2:
        a, b = node.kids
        if b.op == "const":
            return {"add": ("addc", (a,), b.value), "sub": ("addc", (a,), -b.value),
                    "mul": ("mulc", (a,), b.value), "div": ("divc", (a,), b.value)}[node.op]
        if a.op == "const":
            return {"add": ("addc", (b,), a.value), "sub": ("rsubc", (b,), a.value),
                    "mul": ("mulc", (b,), a.value), "div": ("rdivc", (b,), a.value)}[node.op]
    return node.op, node.kids, node.value


def size(tree: Node) -> int:
    """Number of distinct nodes (instructions of :func:`program`)."""
    return int(program(tree)[0])


# -- value, gradient and Hessian with NumPy (second-order forward mode) -------------------------

_LN10 = math.log(10.0)


def _d_unary(op: str, u: np.ndarray, c: float):
    """(g(u), g'(u), g''(u)) for the one-argument operation ``op``."""
    if op == "neg":
        return -u, -np.ones_like(u), np.zeros_like(u)
    if op == "sqr":
        return u * u, 2.0 * u, np.full_like(u, 2.0)
    if op == "powc":
        return u ** c, c * u ** (c - 1.0), c * (c - 1.0) * u ** (c - 2.0)
    if op == "recip":
        return 1.0 / u, -1.0 / (u * u), 2.0 / (u * u * u)
    if op in ("sin", "cos"):
        s, co = np.sin(u), np.cos(u)
        return (s, co, -s) if op == "sin" else (co, -s, -co)
    if op in ("tan", "tanh"):
        t = np.tan(u) if op == "tan" else np.tanh(u)
        d = 1.0 + t * t if op == "tan" else 1.0 - t * t
        return t, d, (2.0 if op == "tan" else -2.0) * t * d
    if op in ("asin", "acos"):
        w = 1.0 - u * u
        sign = 1.0 if op == "asin" else -1.0
        return (np.arcsin(u) if op == "asin" else np.arccos(u),
                sign / np.sqrt(w), sign * u / (w * np.sqrt(w)))
    if op == "atan":
        w = 1.0 + u * u
        return np.arctan(u), 1.0 / w, -2.0 * u / (w * w)
    if op in ("sinh", "cosh"):
        s, co = np.sinh(u), np.cosh(u)
        return (s, co, s) if op == "sinh" else (co, s, co)
    if op == "exp":
        e = np.exp(u)
        return e, e, e
    if op in ("log", "log10"):
        k = 1.0 if op == "log" else 1.0 / _LN10
        return np.log(u) * k, k / u, -k / (u * u)
    if op == "sqrt":
        s = np.sqrt(u)
        return s, 0.5 / s, -0.25 / (s * s * s)
    if op == "abs":
        return np.abs(u), np.sign(u), np.zeros_like(u)
    raise AssertionError(op)


def _unary(op, a, c=0.0):
    g, g1, g2 = _d_unary(op, a[0], c)
    v, ax, ay, axx, axy, ayy = a
    return (g, g1 * ax, g1 * ay, g2 * ax * ax + g1 * axx, g2 * ax * ay + g1 * axy,
            g2 * ay * ay + g1 * ayy)


def _mul(a, b):
    return (a[0] * b[0], a[1] * b[0] + a[0] * b[1], a[2] * b[0] + a[0] * b[2],
            a[3] * b[0] + 2.0 * a[1] * b[1] + a[0] * b[3],
            a[4] * b[0] + a[1] * b[2] + a[2] * b[1] + a[0] * b[4],
            a[5] * b[0] + 2.0 * a[2] * b[2] + a[0] * b[5])


def hessian(tree: Node, x, y):
    """``(f, fx, fy, fxx, fxy, fyy)`` of ``tree`` at arrays (or floats) x, y, exactly (up to
    round-off): each node carries its gradient and Hessian along (second-order forward mode).
    Undefined points give NaN or inf."""
    x = np.asarray(x, dtype=np.float64)
    y = np.broadcast_to(np.asarray(y, dtype=np.float64), x.shape)
    x = np.broadcast_to(x, y.shape)
    zero, one = np.zeros(x.shape), np.ones(x.shape)
    memo: dict[Node, tuple] = {}

    def ev(n: Node):
        if n in memo:
            return memo[n]
        if n.op == "const":
            r = (np.full(x.shape, n.value), zero, zero, zero, zero, zero)
        elif n.op == "x":
            r = (x, one, zero, zero, zero, zero)
        elif n.op == "y":
            r = (y, zero, one, zero, zero, zero)
        else:
            r = _combine(n, [ev(k) for k in n.kids])
        memo[n] = r
        return r

    with np.errstate(all="ignore"):
        return ev(tree)


def _combine(n: Node, ks: list[tuple]) -> tuple:
    if n.op in ("add", "sub"):
        s = 1.0 if n.op == "add" else -1.0
        return tuple(a + s * b for a, b in zip(*ks, strict=True))
    if n.op == "mul":
        return _mul(*ks)
    if n.op == "div":
        return _mul(ks[0], _unary("recip", ks[1]))
    if n.op == "pow":  # a^b = exp(b log a)
        return _unary("exp", _mul(ks[1], _unary("log", ks[0])))
    if n.op in ("min", "max"):
        a, b = ks
        pick = a[0] <= b[0] if n.op == "min" else a[0] >= b[0]
        nan = np.isnan(a[0]) | np.isnan(b[0])
        return tuple(np.where(nan, np.nan, np.where(pick, u, w)) for u, w in zip(a, b,
                                                                                    strict=True))
    return _unary(n.op, ks[0], n.value)


# -- LaTeX through sympy (built from the tree, never from the text) ------------------------------


def _sympy(tree: Node):
    import sympy as sp

    x, y = sp.symbols("x y", real=True)
    memo: dict[Node, object] = {}
    fns = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
           "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "exp": sp.exp,
           "log": sp.log, "log10": lambda u: sp.log(u, 10), "sqrt": sp.sqrt, "abs": sp.Abs}

    def num(v: float):
        if v == math.pi:
            return sp.pi
        if v == math.e:
            return sp.E
        if v.is_integer() and abs(v) < 1e15:
            return sp.Integer(int(v))
        return sp.Float(repr(v), 15)

    def ev(n: Node):
        if n not in memo:
            k = [ev(c) for c in n.kids]
            memo[n] = (num(n.value) if n.op == "const" else x if n.op == "x" else
                       y if n.op == "y" else -k[0] if n.op == "neg" else
                       k[0] + k[1] if n.op == "add" else k[0] - k[1] if n.op == "sub" else
                       k[0] * k[1] if n.op == "mul" else k[0] / k[1] if n.op == "div" else
                       k[0] ** 2 if n.op == "sqr" else k[0] ** num(n.value) if n.op == "powc"
                       else k[0] ** k[1] if n.op == "pow" else sp.Min(*k) if n.op == "min"
                       else sp.Max(*k) if n.op == "max" else fns[n.op](k[0]))
        return memo[n]

    return ev(tree), x, y


def sympy_expr(tree: Node):
    """``(f, x, y)``: the formula as a sympy expression in real symbols x and y."""
    return _sympy(tree)


#: LaTeX longer than this is not shown (a page of symbols teaches nothing).
LATEX_LIMIT = 1500


@lru_cache(maxsize=64)
def latex(tree: Node) -> str:
    """``f(x,y)=…`` in LaTeX."""
    import sympy as sp

    f, _, _ = _sympy(tree)
    return "f(x,y)=" + sp.latex(f)


@lru_cache(maxsize=64)
def gradient_latex(tree: Node) -> str:
    """The gradient by sympy's symbolic differentiation, as LaTeX (a short note instead when
    it would be too long to read)."""
    import sympy as sp

    f, x, y = _sympy(tree)
    gx, gy = sp.latex(sp.diff(f, x)), sp.latex(sp.diff(f, y))
    if len(gx) + len(gy) > LATEX_LIMIT:
        return r"\nabla f\ \text{is exact but too long to show}"
    return (r"\frac{\partial f}{\partial x}=" + gx + r",\qquad \frac{\partial f}{\partial y}="
            + gy)


# -- minima and saddles, found numerically -------------------------------------------------------


def _newton(tree: Node, x: np.ndarray, y: np.ndarray, box) -> tuple:
    """Newton steps with the exact Hessian from each (x, y); returns the final points and
    whether each converged inside ``box``."""
    (x0, x1), (y0, y1) = box
    for _ in range(40):
        f, gx, gy, hxx, hxy, hyy = hessian(tree, x, y)
        with np.errstate(all="ignore"):
            det = hxx * hyy - hxy * hxy
            dx = (hyy * gx - hxy * gy) / det
            dy = (hxx * gy - hxy * gx) / det
        good = np.isfinite(dx) & np.isfinite(dy)
        x = np.where(good, x - dx, x)
        y = np.where(good, y - dy, y)
        if not (np.abs(dx[good]) + np.abs(dy[good]) > 1e-13 * (x1 - x0 + y1 - y0)).any():
            break
    f, gx, gy, *_ = hessian(tree, x, y)
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    small = np.hypot(gx, gy) <= 1e-7 * (1.0 + np.abs(f))
    return x, y, inside & small & np.isfinite(f)


def _local_min(A: np.ndarray) -> np.ndarray:
    """Interior cells of A lower than or equal to all 8 neighbours, all of them defined."""
    c = A[1:-1, 1:-1]
    m = np.isfinite(c)
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            if dj or di:
                n = A[1 + dj:A.shape[0] - 1 + dj, 1 + di:A.shape[1] - 1 + di]
                m &= np.isfinite(n) & (n >= c)  # not at the edge of where f is defined
    out = np.zeros(A.shape, dtype=bool)
    out[1:-1, 1:-1] = m
    return out


def stationary_points(tree: Node, box, xs, ys, F, G2, limit: int = 12):
    """Minima, saddles and maxima of ``tree`` in ``box``: grid search, then Newton steps.

    ``F`` and ``G2`` are f and |∇f|² on the grid ``xs`` × ``ys`` (``F[j, i]`` at
    ``(xs[i], ys[j])``). Candidates are the grid's local minima of f and of |∇f|²; each is
    refined by Newton's method with the exact Hessian and classified by the Hessian's
    eigenvalues. A local minimum of f on the grid where Newton does not converge (a kink, as
    in abs(x)) is kept at its grid point. Returns three lists of (x, y, f), each sorted by f.
    """
    cand_f = np.argwhere(_local_min(F))
    cand_g = np.argwhere(_local_min(np.log(G2 + 1e-300)))
    cand_g = cand_g[np.argsort(G2[cand_g[:, 0], cand_g[:, 1]])][:60]
    cand_f = cand_f[np.argsort(F[cand_f[:, 0], cand_f[:, 1]])][:60]
    cand = np.concatenate([cand_f, cand_g]) if len(cand_f) + len(cand_g) else cand_f
    if len(cand) == 0:
        return [], [], []
    px, py = xs[cand[:, 1]], ys[cand[:, 0]]
    nx, ny, ok = _newton(tree, px.copy(), py.copy(), box)
    f, _, _, hxx, hxy, hyy = hessian(tree, nx, ny)
    tr, det = hxx + hyy, hxx * hyy - hxy * hxy
    kinds: list[list] = [[], [], []]
    kinks = []
    for i in range(len(cand)):
        if ok[i] and det[i] > 0:
            kinds[0 if tr[i] > 0 else 2].append((nx[i], ny[i], f[i]))
        elif ok[i] and det[i] < 0:
            kinds[1].append((nx[i], ny[i], f[i]))
        elif i < len(cand_f):
            kinks.append((px[i], py[i], F[cand[i, 0], cand[i, 1]]))
    (x0, x1), (y0, y1) = box
    tol = 1e-6 * max(x1 - x0, y1 - y0)
    step = max(abs(xs[1] - xs[0]), abs(ys[1] - ys[0]))
    cell = 2.0 * step
    kinks = _kink_minima(tree, kinks[:24], step, box)
    kinds[0] += [k for k in kinks
                 if all(math.hypot(k[0] - m[0], k[1] - m[1]) > cell for m in kinds[0])]
    return [_distinct(k, tol, limit) for k in kinds]


def _f_at(tree: Node, x, y) -> np.ndarray:
    return hessian(tree, x, y)[0]


#: Directions around a point at which a kink minimum must be strictly lower than all.
_RING = np.exp(2j * np.pi * (np.arange(16) + 0.5) / 16)


def _kink_minima(tree: Node, starts: list, step: float, box) -> list:
    """Minima where f has no gradient (a kink, as abs(x) + abs(y) at the origin, or a cone's
    tip), from grid points lower than their neighbours where Newton's method failed: found by
    a compass search on f itself (all starts at once, at most 400 rounds), and kept only where
    f is strictly higher all around (at 16 directions, at two small radii) and rises there in
    proportion to the distance. A grid point beside a pole, or on a plateau (f flat, or
    overflowing), is no minimum. Returns ``[(x, y, f)]``."""
    if not starts:
        return []
    (x0, x1), (y0, y1) = box
    moves = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)],
                     dtype=np.float64)
    x = np.array([p[0] for p in starts], dtype=np.float64)
    y = np.array([p[1] for p in starts], dtype=np.float64)
    with np.errstate(all="ignore"):
        f = _f_at(tree, x, y)
    h = np.full(len(x), float(step))
    for _ in range(400):
        live = np.isfinite(f) & (h >= 1e-13 * max(x1 - x0, y1 - y0))
        if not live.any():
            break
        cx = x[:, None] + h[:, None] * moves[:, 0]
        cy = y[:, None] + h[:, None] * moves[:, 1]
        with np.errstate(all="ignore"):
            fs = _f_at(tree, cx, cy)
        inside = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1) & np.isfinite(fs)
        fs = np.where(inside, fs, np.inf)
        k = np.argmin(fs, axis=1)
        best = fs[np.arange(len(x)), k]
        better = live & (best < f)
        x = np.where(better, cx[np.arange(len(x)), k], x)
        y = np.where(better, cy[np.arange(len(x)), k], y)
        f = np.where(better, best, f)
        h = np.where(live & ~better, h / 2, h)
    out = []
    for xi, yi, fi in zip(x, y, f, strict=True):
        if not (math.isfinite(fi) and x0 <= xi <= x1 and y0 <= yi <= y1):
            continue
        rises = []
        for r in (step / 8, step / 64):
            with np.errstate(all="ignore"):
                around = _f_at(tree, xi + r * _RING.real, yi + r * _RING.imag)
            if not (np.isfinite(around).all() and (around > fi).all()):
                break
            rises.append(float((around - fi).min()))
        # At a kink f rises in proportion to the distance (an eighth as much eight times
        # closer); beside a pole it rises as much however close one looks: no minimum there.
        if len(rises) == 2 and rises[1] <= 0.5 * rises[0]:
            out.append((float(xi), float(yi), float(fi)))
    return out


def _distinct(points: list, tol: float, limit: int) -> list:
    out: list = []
    for p in sorted(points, key=lambda q: q[2]):
        if all(math.hypot(p[0] - q[0], p[1] - q[1]) > tol for q in out):
            out.append(tuple(float(v) for v in p))
    return out[:limit]
