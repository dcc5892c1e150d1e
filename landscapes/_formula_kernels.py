r"""The compiled interpreter of a typed formula, and the check of a step across where it is
undefined.

A formula typed by the user is compiled by :mod:`landscapes.formula` into a float64 program
``p`` (the ``p`` of its surface): :func:`formula` runs it at one point, carrying each
register's gradient along with its value (forward mode), so every formula is served by one
compiled function and there is no compile wait. The dispatch of :mod:`landscapes._kernels`
calls it for the surface ``formula``; :func:`formula_hess` runs the same program for the
exact Hessian.
"""

from __future__ import annotations

import math

from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import kernel

# Opcodes of a formula program, in the order of landscapes.formula.OPS.
(OP_CONST, OP_X, OP_Y, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQR, OP_POWC, OP_POW, OP_SIN,
 OP_COS, OP_TAN, OP_ASIN, OP_ACOS, OP_ATAN, OP_SINH, OP_COSH, OP_TANH, OP_EXP, OP_LOG, OP_LOG10,
 OP_SQRT, OP_ABS, OP_MIN, OP_MAX, OP_ADDC, OP_MULC, OP_RSUBC, OP_DIVC, OP_RDIVC) = range(32)

#: Registers of the interpreter: a formula has at most 200 nodes, so at most 200 instructions.
MAX_REGISTERS = 256
_LN10 = math.log(10.0)


@intrinsic
def _stack_buffer(typingctx, n):
    """A float64 buffer of ``n`` elements (a literal) on the stack of the compiled caller:
    no heap allocation per call, so the interpreter costs no more inside a loop."""
    if not isinstance(n, types.IntegerLiteral):
        return None
    size = n.literal_value

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float64), size=size)

    return types.CPointer(types.float64)(n), codegen


@kernel(inline=True)
def _unary(op, u):
    """g(u) and g'(u) for the one-argument operations."""
    if op == OP_NEG:
        return -u, -1.0
    elif op == OP_SIN:
        return math.sin(u), math.cos(u)
    elif op == OP_COS:
        return math.cos(u), -math.sin(u)
    elif op == OP_EXP:
        e = math.exp(u)
        return e, e
    elif op == OP_LOG:
        return math.log(u) if u >= 0.0 else math.nan, 1.0 / u
    elif op == OP_SQRT:
        s = math.sqrt(u) if u >= 0.0 else math.nan
        return s, 0.5 / s
    elif op == OP_TAN:
        t = math.tan(u)
        return t, 1.0 + t * t
    elif op == OP_TANH:
        t = math.tanh(u)
        return t, 1.0 - t * t
    elif op == OP_ABS:
        return abs(u), (1.0 if u > 0.0 else -1.0 if u < 0.0 else 0.0)
    elif op == OP_ASIN or op == OP_ACOS:
        if not (u >= -1.0 and u <= 1.0):
            return math.nan, math.nan
        d = 1.0 / math.sqrt(1.0 - u * u)
        return (math.asin(u), d) if op == OP_ASIN else (math.acos(u), -d)
    elif op == OP_ATAN:
        return math.atan(u), 1.0 / (1.0 + u * u)
    elif op == OP_SINH:
        return math.sinh(u), math.cosh(u)
    elif op == OP_COSH:
        return math.cosh(u), math.sinh(u)
    elif op == OP_LOG10:
        return math.log10(u) if u >= 0.0 else math.nan, 1.0 / (u * _LN10)
    return math.nan, math.nan


@kernel(inline=True)
def _binary(op, a, ax, ay, b, bx, by):
    """Value and gradient of a two-operand operation."""
    if op == OP_ADD:
        return a + b, ax + bx, ay + by
    elif op == OP_SUB:
        return a - b, ax - bx, ay - by
    elif op == OP_MUL:
        return a * b, ax * b + a * bx, ay * b + a * by
    elif op == OP_DIV:
        r = 1.0 / b
        v = a * r
        return v, (ax - v * bx) * r, (ay - v * by) * r
    elif op == OP_POW:  # a^b = exp(b log a)
        v = a ** b
        la = math.log(a) if a >= 0.0 else math.nan
        return v, v * (bx * la + b * ax / a), v * (by * la + b * ay / a)
    elif op == OP_MIN or op == OP_MAX:
        if a != a or b != b:
            return math.nan, math.nan, math.nan
        if (a <= b) == (op == OP_MIN):
            return a, ax, ay
        return b, bx, by
    return math.nan, math.nan, math.nan


@kernel(inline=True)
def formula(p, x, y):
    """Run the formula program in ``p`` (see :mod:`landscapes.formula`), carrying each
    register's gradient along with its value (forward mode): the exact gradient."""
    v = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    dx = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    dy = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    n = min(int(p[0]), MAX_REGISTERS)
    for k in range(n):
        j = 1 + 4 * k
        op = int(p[j])
        if op == OP_X:
            v[k], dx[k], dy[k] = x, 1.0, 0.0
        elif op == OP_Y:
            v[k], dx[k], dy[k] = y, 0.0, 1.0
        elif op == OP_CONST:
            v[k], dx[k], dy[k] = p[j + 3], 0.0, 0.0
        elif op == OP_SQR:
            a = int(p[j + 1])
            u = v[a]
            v[k], dx[k], dy[k] = u * u, 2.0 * u * dx[a], 2.0 * u * dy[a]
        elif op == OP_ADD:
            a = int(p[j + 1])
            b = int(p[j + 2])
            v[k], dx[k], dy[k] = v[a] + v[b], dx[a] + dx[b], dy[a] + dy[b]
        elif op == OP_SUB:
            a = int(p[j + 1])
            b = int(p[j + 2])
            v[k], dx[k], dy[k] = v[a] - v[b], dx[a] - dx[b], dy[a] - dy[b]
        elif op == OP_MUL:
            a = int(p[j + 1])
            b = int(p[j + 2])
            u = v[a]
            w = v[b]
            v[k], dx[k], dy[k] = u * w, dx[a] * w + u * dx[b], dy[a] * w + u * dy[b]
        elif op == OP_ADDC:
            a = int(p[j + 1])
            v[k], dx[k], dy[k] = v[a] + p[j + 3], dx[a], dy[a]
        elif op == OP_MULC:
            a = int(p[j + 1])
            c = p[j + 3]
            v[k], dx[k], dy[k] = v[a] * c, dx[a] * c, dy[a] * c
        elif op == OP_RSUBC:
            a = int(p[j + 1])
            v[k], dx[k], dy[k] = p[j + 3] - v[a], -dx[a], -dy[a]
        elif op == OP_DIVC:
            a = int(p[j + 1])
            c = p[j + 3]
            v[k], dx[k], dy[k] = v[a] / c, dx[a] / c, dy[a] / c
        elif op == OP_RDIVC:  # c / u: derivative -(c / u) / u
            a = int(p[j + 1])
            u = v[a]
            q = p[j + 3] / u
            v[k], dx[k], dy[k] = q, -q / u * dx[a], -q / u * dy[a]
        elif op == OP_POWC:
            a = int(p[j + 1])
            c = p[j + 3]
            u = v[a]
            d = c * u ** (c - 1.0)
            v[k], dx[k], dy[k] = u ** c, d * dx[a], d * dy[a]
        elif op == OP_DIV or op == OP_POW or op == OP_MIN or op == OP_MAX:
            a = int(p[j + 1])
            b = int(p[j + 2])
            v[k], dx[k], dy[k] = _binary(op, v[a], dx[a], dy[a], v[b], dx[b], dy[b])
        else:
            a = int(p[j + 1])
            g, d = _unary(op, v[a])
            v[k], dx[k], dy[k] = g, d * dx[a], d * dy[a]
    if n < 1:
        return math.nan, math.nan, math.nan
    return v[n - 1], dx[n - 1], dy[n - 1]


@kernel(inline=True)
def _unary2(op, u):
    """g(u), g'(u) and g''(u) for the one-argument operations (as ``formula.py``'s NumPy
    Hessian takes them)."""
    if op == OP_NEG:
        return -u, -1.0, 0.0
    elif op == OP_SIN:
        s = math.sin(u)
        c = math.cos(u)
        return s, c, -s
    elif op == OP_COS:
        s = math.sin(u)
        c = math.cos(u)
        return c, -s, -c
    elif op == OP_EXP:
        e = math.exp(u)
        return e, e, e
    elif op == OP_LOG or op == OP_LOG10:
        k = 1.0 if op == OP_LOG else 1.0 / _LN10
        v = (math.log(u) if op == OP_LOG else math.log10(u)) if u >= 0.0 else math.nan
        return v, k / u, -k / (u * u)
    elif op == OP_SQRT:
        s = math.sqrt(u) if u >= 0.0 else math.nan
        return s, 0.5 / s, -0.25 / (s * s * s)
    elif op == OP_TAN:
        t = math.tan(u)
        d = 1.0 + t * t
        return t, d, 2.0 * t * d
    elif op == OP_TANH:
        t = math.tanh(u)
        d = 1.0 - t * t
        return t, d, -2.0 * t * d
    elif op == OP_ABS:
        return abs(u), (1.0 if u > 0.0 else -1.0 if u < 0.0 else 0.0), 0.0
    elif op == OP_ASIN or op == OP_ACOS:
        if not (u >= -1.0 and u <= 1.0):
            return math.nan, math.nan, math.nan
        w = 1.0 - u * u
        sw = math.sqrt(w)
        sign = 1.0 if op == OP_ASIN else -1.0
        v = math.asin(u) if op == OP_ASIN else math.acos(u)
        return v, sign / sw, sign * u / (w * sw)
    elif op == OP_ATAN:
        w = 1.0 + u * u
        return math.atan(u), 1.0 / w, -2.0 * u / (w * w)
    elif op == OP_SINH:
        s = math.sinh(u)
        return s, math.cosh(u), s
    elif op == OP_COSH:
        c = math.cosh(u)
        return c, math.sinh(u), c
    return math.nan, math.nan, math.nan


@kernel
def formula_hess(p, x, y):
    """The exact Hessian ``(d²f/dx², d²f/dxdy, d²f/dy²)`` of the formula program ``p``.

    The same program and the same route as :func:`formula` (one compiled interpreter for every
    formula, so a typed formula costs no compile wait), each register carrying its gradient
    and its Hessian along with its value: second-order forward mode, the rules of
    :func:`landscapes.formula.hessian` (NumPy), which the tests compare it with. Where f is
    not twice differentiable (abs at 0, min and max where they switch) it takes the one-sided
    value those rules give."""
    v = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    gx = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    gy = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    hxx = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    hxy = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    hyy = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    n = min(int(p[0]), MAX_REGISTERS)
    for k in range(n):
        j = 1 + 4 * k
        op = int(p[j])
        c = p[j + 3]
        hxx[k] = 0.0
        hxy[k] = 0.0
        hyy[k] = 0.0
        if op == OP_X:
            v[k], gx[k], gy[k] = x, 1.0, 0.0
        elif op == OP_Y:
            v[k], gx[k], gy[k] = y, 0.0, 1.0
        elif op == OP_CONST:
            v[k], gx[k], gy[k] = c, 0.0, 0.0
        elif op == OP_ADD or op == OP_SUB:
            a = int(p[j + 1])
            b = int(p[j + 2])
            sg = 1.0 if op == OP_ADD else -1.0
            v[k] = v[a] + v[b] if op == OP_ADD else v[a] - v[b]
            gx[k] = gx[a] + sg * gx[b]
            gy[k] = gy[a] + sg * gy[b]
            hxx[k] = hxx[a] + sg * hxx[b]
            hxy[k] = hxy[a] + sg * hxy[b]
            hyy[k] = hyy[a] + sg * hyy[b]
        elif op == OP_ADDC or op == OP_RSUBC or op == OP_MULC or op == OP_DIVC:
            a = int(p[j + 1])
            if op == OP_ADDC:
                m, v[k] = 1.0, v[a] + c
            elif op == OP_RSUBC:
                m, v[k] = -1.0, c - v[a]
            elif op == OP_MULC:
                m, v[k] = c, v[a] * c
            else:
                m, v[k] = 1.0 / c, v[a] / c
            gx[k] = m * gx[a]
            gy[k] = m * gy[a]
            hxx[k] = m * hxx[a]
            hxy[k] = m * hxy[a]
            hyy[k] = m * hyy[a]
        elif op == OP_MUL or op == OP_DIV:
            a = int(p[j + 1])
            b = int(p[j + 2])
            u = v[b]
            bx = gx[b]
            by = gy[b]
            bxx = hxx[b]
            bxy = hxy[b]
            byy = hyy[b]
            if op == OP_DIV:  # a · (1/b)
                r = 1.0 / u
                d1 = -r * r
                d2 = 2.0 * r * r * r
                bxx, bxy, byy = (d2 * bx * bx + d1 * bxx, d2 * bx * by + d1 * bxy,
                                 d2 * by * by + d1 * byy)
                bx = d1 * bx
                by = d1 * by
                u = r
            w = v[a]
            v[k] = w * u
            gx[k] = gx[a] * u + w * bx
            gy[k] = gy[a] * u + w * by
            hxx[k] = hxx[a] * u + 2.0 * gx[a] * bx + w * bxx
            hxy[k] = hxy[a] * u + gx[a] * by + gy[a] * bx + w * bxy
            hyy[k] = hyy[a] * u + 2.0 * gy[a] * by + w * byy
        elif op == OP_POW:  # a^b = exp(b log a)
            a = int(p[j + 1])
            b = int(p[j + 2])
            la = math.log(v[a]) if v[a] >= 0.0 else math.nan
            ra = 1.0 / v[a]
            # log a: first and second derivatives
            lx = ra * gx[a]
            ly = ra * gy[a]
            lxx = ra * hxx[a] - lx * lx
            lxy = ra * hxy[a] - lx * ly
            lyy = ra * hyy[a] - ly * ly
            # w = b log a
            wx = gx[b] * la + v[b] * lx
            wy = gy[b] * la + v[b] * ly
            wxx = hxx[b] * la + 2.0 * gx[b] * lx + v[b] * lxx
            wxy = hxy[b] * la + gx[b] * ly + gy[b] * lx + v[b] * lxy
            wyy = hyy[b] * la + 2.0 * gy[b] * ly + v[b] * lyy
            e = v[a] ** v[b]
            v[k] = e
            gx[k] = e * wx
            gy[k] = e * wy
            hxx[k] = e * (wxx + wx * wx)
            hxy[k] = e * (wxy + wx * wy)
            hyy[k] = e * (wyy + wy * wy)
        elif op == OP_MIN or op == OP_MAX:
            a = int(p[j + 1])
            b = int(p[j + 2])
            if v[a] != v[a] or v[b] != v[b]:
                v[k] = gx[k] = gy[k] = hxx[k] = hxy[k] = hyy[k] = math.nan
            else:
                q = a if (v[a] <= v[b]) == (op == OP_MIN) else b  # as formula() picks
                v[k], gx[k], gy[k] = v[q], gx[q], gy[q]
                hxx[k], hxy[k], hyy[k] = hxx[q], hxy[q], hyy[q]
        else:
            a = int(p[j + 1])
            if op == OP_SQR:
                u = v[a]
                g, d1, d2 = u * u, 2.0 * u, 2.0
            elif op == OP_POWC:
                u = v[a]
                g, d1, d2 = u ** c, c * u ** (c - 1.0), c * (c - 1.0) * u ** (c - 2.0)
            elif op == OP_RDIVC:  # c / u
                r = 1.0 / v[a]
                g = c * r
                g, d1, d2 = g, -g * r, 2.0 * g * r * r
            else:
                g, d1, d2 = _unary2(op, v[a])
            ax = gx[a]
            ay = gy[a]
            v[k] = g
            gx[k] = d1 * ax
            gy[k] = d1 * ay
            hxx[k] = d2 * ax * ax + d1 * hxx[a]
            hxy[k] = d2 * ax * ay + d1 * hxy[a]
            hyy[k] = d2 * ay * ay + d1 * hyy[a]
    if n < 1:
        return math.nan, math.nan, math.nan
    return hxx[n - 1], hxy[n - 1], hyy[n - 1]


# -- where a typed formula is undefined, between two points --------------------------------------
#
# A step of a run is a straight jump from one point to the next. Both ends may be defined while
# the jump passes over a point where f is undefined or infinite (1/x from x < 0 to x > 0, tan
# across π/2): :func:`step_crosses_undefined` finds it with interval arithmetic over the
# program. Only a formula with an operation that is undefined or infinite somewhere is checked
# (:func:`guarded`, read through :func:`landscapes._kernels.undefined_somewhere`): the
# catalogue's surfaces and every other formula are defined everywhere, and their runs never pay
# for the check.

_HALF_PI = 0.5 * math.pi

#: A step is halved down to pieces of this length, as a fraction of the larger side of the limit
#: box (50 times the map's): one part in 10^9 of the map. A piece this short that may still hold
#: a point where f is undefined or infinite is taken to hold one.
CROSSING_RESOLUTION = 2e-11
#: Interval evaluations one step's check may take; past it the step is let through. A step
#: across one pole takes about two per halving (some 70 for a step across the map).
CROSSING_BUDGET = 1000
_DEPTH = 80  # pieces waiting on the stack at most (one more than the halvings, about 36)


@kernel(inline=True)
def _risky(p, j, op):
    """Whether instruction ``op`` at ``p[j]`` may be undefined or infinite somewhere."""
    if (op == OP_DIV or op == OP_RDIVC or op == OP_LOG or op == OP_LOG10 or op == OP_SQRT
            or op == OP_TAN or op == OP_ASIN or op == OP_ACOS):
        return True
    if op == OP_POWC:
        return not (p[j + 3] >= 0.0 and p[j + 3] == math.floor(p[j + 3]))
    if op == OP_POW:  # 2^x is defined everywhere
        base = 1 + 4 * int(p[j + 1])
        return not (int(p[base]) == OP_CONST and p[base + 3] > 0.0)
    return False


@kernel
def guarded(p):
    n = min(int(p[0]), MAX_REGISTERS)
    for k in range(n):
        j = 1 + 4 * k
        if _risky(p, j, int(p[j])):
            return True
    return False


@kernel(inline=True)
def _mark_needed(p, need):
    """``need[k]`` = 1 for the instructions a risky one depends on (itself included), 0 for
    the others: only those are evaluated over boxes (sin(3x)·exp(-y²) beside log(1 + x²)
    costs nothing)."""
    n = min(int(p[0]), MAX_REGISTERS)
    for k in range(n):
        need[k] = 0.0
    for k in range(n - 1, -1, -1):
        j = 1 + 4 * k
        op = int(p[j])
        if need[k] == 0.0 and not _risky(p, j, op):
            continue
        need[k] = 1.0
        if op != OP_X and op != OP_Y and op != OP_CONST:
            need[int(p[j + 1])] = 1.0
            if (op == OP_ADD or op == OP_SUB or op == OP_MUL or op == OP_DIV or op == OP_POW
                    or op == OP_MIN or op == OP_MAX):
                need[int(p[j + 2])] = 1.0


@kernel(inline=True)
def _span(a, b, c, d):
    """Least and greatest of four numbers; (-inf, inf) when any is NaN."""
    if a != a or b != b or c != c or d != d:
        return -math.inf, math.inf
    return min(min(a, b), min(c, d)), max(max(a, b), max(c, d))


@kernel(inline=True)
def _meets(lo, hi, c, period):
    """Whether [lo, hi] holds a point c + k·period for some integer k."""
    if not (hi - lo < period):
        return True
    return c + math.ceil((lo - c) / period) * period <= hi


@kernel(inline=True)
def _box_op(op, al, ah, bl, bh, c):
    """``(lo, hi, bad)``: the interval of one operation's value over operand intervals
    [al, ah] and [bl, bh] (``c``: its constant); ``bad`` when the operation may be undefined
    or infinite there (its interval is then the whole line).

    One branch per operation, as long as the list of operations: each branch is a few lines
    of interval arithmetic, read beside the others, and the one branch on ``op`` is what the
    compiled interval evaluation inlines (functions per operation would be called through it
    all the same)."""
    inf = math.inf
    if op == OP_ADD:
        return al + bl, ah + bh, False
    elif op == OP_SUB:
        return al - bh, ah - bl, False
    elif op == OP_MUL:
        p1 = al * bl
        p2 = al * bh
        p3 = ah * bl
        p4 = ah * bh
        # 0 · inf counts as 0: an interval's members are finite
        lo, hi = _span(0.0 if p1 != p1 else p1, 0.0 if p2 != p2 else p2,
                       0.0 if p3 != p3 else p3, 0.0 if p4 != p4 else p4)
        return lo, hi, False
    elif op == OP_ADDC:
        return al + c, ah + c, False
    elif op == OP_MULC:
        if c >= 0.0:
            return al * c, ah * c, False
        return ah * c, al * c, False
    elif op == OP_RSUBC:
        return c - ah, c - al, False
    elif op == OP_NEG:
        return -ah, -al, False
    elif op == OP_SQR or op == OP_ABS or op == OP_COSH:  # even, least at 0
        if op == OP_SQR:
            fl, fh, f0 = al * al, ah * ah, 0.0
        elif op == OP_ABS:
            fl, fh, f0 = abs(al), abs(ah), 0.0
        else:
            fl, fh, f0 = math.cosh(al), math.cosh(ah), 1.0
        if al >= 0.0:
            return fl, fh, False
        if ah <= 0.0:
            return fh, fl, False
        return f0, max(fl, fh), False
    elif op == OP_DIV:
        if not (bl > 0.0 or bh < 0.0):
            return -inf, inf, True
        lo, hi = _span(al / bl, al / bh, ah / bl, ah / bh)
        return lo, hi, False
    elif op == OP_RDIVC:
        if not (al > 0.0 or ah < 0.0):
            return -inf, inf, True
        lo, hi = _span(c / al, c / ah, c / al, c / ah)
        return lo, hi, False
    elif op == OP_DIVC:
        if c > 0.0:
            return al / c, ah / c, False
        elif c < 0.0:
            return ah / c, al / c, False
        return -inf, inf, True
    elif op == OP_POWC:
        whole = c == math.floor(c)
        if not (whole or al >= 0.0) or (c < 0.0 and not (al > 0.0 or ah < 0.0)):
            return -inf, inf, True  # a negative number to a fractional power, or 0^c, c < 0
        fl = al ** c
        fh = ah ** c
        lo, hi = _span(fl, fh, fl, fh)
        if whole and c > 0.0 and al < 0.0 and ah > 0.0 and c % 2.0 == 0.0:
            lo = 0.0  # an even power is least at 0
        return lo, hi, False
    elif op == OP_POW:  # a^b: a > 0, or a ≥ 0 with b > 0
        if not (al > 0.0 or (al >= 0.0 and bl > 0.0)):
            return -inf, inf, True
        lo, hi = _span(al ** bl, al ** bh, ah ** bl, ah ** bh)
        return lo, hi, False
    elif op == OP_MIN:
        return min(al, bl), min(ah, bh), False
    elif op == OP_MAX:
        return max(al, bl), max(ah, bh), False
    elif op == OP_SIN or op == OP_COS:
        if op == OP_SIN:
            fl, fh, top = math.sin(al), math.sin(ah), _HALF_PI  # highest at π/2 + 2kπ
        else:
            fl, fh, top = math.cos(al), math.cos(ah), 0.0
        lo, hi = min(fl, fh), max(fl, fh)
        if _meets(al, ah, top, 2.0 * math.pi):
            hi = 1.0
        if _meets(al, ah, top - math.pi, 2.0 * math.pi):
            lo = -1.0
        return lo, hi, False
    elif op == OP_TAN:
        if _meets(al, ah, _HALF_PI, math.pi):
            return -inf, inf, True
        return math.tan(al), math.tan(ah), False
    elif op == OP_ASIN or op == OP_ACOS:
        if not (al >= -1.0 and ah <= 1.0):
            return -inf, inf, True
        if op == OP_ASIN:
            return math.asin(al), math.asin(ah), False
        return math.acos(ah), math.acos(al), False
    elif op == OP_SQRT:
        if not (al >= 0.0):
            return -inf, inf, True
        return math.sqrt(al), math.sqrt(ah), False
    elif op == OP_LOG or op == OP_LOG10:
        if not (al > 0.0):
            return -inf, inf, True
        if op == OP_LOG:
            return math.log(al), math.log(ah), False
        return math.log10(al), math.log10(ah), False
    elif op == OP_EXP:
        return math.exp(al), math.exp(ah), False
    elif op == OP_ATAN:
        return math.atan(al), math.atan(ah), False
    elif op == OP_SINH:
        return math.sinh(al), math.sinh(ah), False
    elif op == OP_TANH:
        return math.tanh(al), math.tanh(ah), False
    return -inf, inf, True


@kernel
def formula_box_undefined(p, need, xl, xh, yl, yh):
    """Whether the formula program ``p`` may be undefined or infinite somewhere in the box
    [xl, xh] × [yl, yh]. False when interval arithmetic shows each of its risky operations
    defined and finite over the whole box (up to round-off); True may be an overestimate,
    which a smaller box resolves. Only the instructions marked in ``need`` (see
    :func:`_mark_needed`) are evaluated."""
    lo = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    hi = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    n = min(int(p[0]), MAX_REGISTERS)
    for k in range(n):
        if need[k] == 0.0:
            continue
        j = 1 + 4 * k
        op = int(p[j])
        if op == OP_X:
            lo[k], hi[k] = xl, xh
        elif op == OP_Y:
            lo[k], hi[k] = yl, yh
        elif op == OP_CONST:
            lo[k], hi[k] = p[j + 3], p[j + 3]
        else:
            a = int(p[j + 1])
            b = int(p[j + 2])  # 0 for one operand: read, not used
            l, h, bad = _box_op(op, lo[a], hi[a], lo[b], hi[b], p[j + 3])
            if bad:
                return True
            lo[k] = l if l == l else -math.inf  # inf - inf and the like: anything
            hi[k] = h if h == h else math.inf
    return n < 1


@kernel(inline=True)
def _lerp(a, b, t):
    """The number t of the way from a to b (exactly a at 0 and b at 1)."""
    return (1.0 - t) * a + t * b


@kernel
def step_crosses_undefined(p, ax, ay, bx, by, limit):
    """Whether the straight step from (ax, ay), inside the limit box ``limit`` = (xmin, xmax,
    ymin, ymax), to (bx, by) passes a point where the formula program ``p`` is undefined or
    infinite: of a step that leaves the box, its part inside. False when (bx, by) is not
    finite.

    The step is halved, depth first, while interval arithmetic over a piece's bounding box
    cannot show f defined and finite there; a crossing is a piece whose midpoint is undefined
    or infinite, or one still in doubt at ``CROSSING_RESOLUTION`` of the box's larger side.
    A step still in doubt after ``CROSSING_BUDGET`` evaluations is let through."""
    if not (math.isfinite(bx) and math.isfinite(by)):
        return False
    xlo, xhi, ylo, yhi = limit[0], limit[1], limit[2], limit[3]
    end = 1.0  # where the step leaves the box, if it does
    if bx > xhi:
        end = min(end, (xhi - ax) / (bx - ax))
    elif bx < xlo:
        end = min(end, (xlo - ax) / (bx - ax))
    if by > yhi:
        end = min(end, (yhi - ay) / (by - ay))
    elif by < ylo:
        end = min(end, (ylo - ay) / (by - ay))
    if end < 1.0:
        bx = min(max(_lerp(ax, bx, end), xlo), xhi)
        by = min(max(_lerp(ay, by, end), ylo), yhi)
    need = carray(_stack_buffer(MAX_REGISTERS), MAX_REGISTERS)
    _mark_needed(p, need)
    if not formula_box_undefined(p, need, min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)):
        return False  # the whole step at once: almost every step of almost every run
    tol = CROSSING_RESOLUTION * max(xhi - xlo, yhi - ylo) / max(abs(bx - ax), abs(by - ay))
    t0s = carray(_stack_buffer(_DEPTH), _DEPTH)
    t1s = carray(_stack_buffer(_DEPTH), _DEPTH)
    t0s[0] = 0.0
    t1s[0] = 1.0
    top = 1
    evals = 1
    whole = True  # the piece on top is the whole step, found in doubt above
    while top > 0:
        top -= 1
        t0 = t0s[top]
        t1 = t1s[top]
        if not whole:
            x0 = _lerp(ax, bx, t0)
            x1 = _lerp(ax, bx, t1)
            y0 = _lerp(ay, by, t0)
            y1 = _lerp(ay, by, t1)
            evals += 1
            if not formula_box_undefined(p, need, min(x0, x1), max(x0, x1), min(y0, y1),
                                         max(y0, y1)):
                continue
        whole = False
        if t1 - t0 <= tol or top + 2 > _DEPTH:
            return True
        if evals >= CROSSING_BUDGET:
            return False
        tm = 0.5 * (t0 + t1)
        if not math.isfinite(formula(p, _lerp(ax, bx, tm), _lerp(ay, by, tm))[0]):
            return True
        t0s[top] = tm
        t1s[top] = t1
        t0s[top + 1] = t0
        t1s[top + 1] = tm
        top += 2
    return False
