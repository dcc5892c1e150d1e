r"""L-BFGS (``torch.optim.LBFGS``), one drawn step per ``step(closure)`` call with ``max_iter=1``.

Arithmetic: θ + t·d and the two-loop recursion's updates are fused multiply-adds, as torch's
``add_(..., alpha=...)`` computes them on the CPU, so the steps agree with torch's to the last
bit or two even where L-BFGS magnifies rounding (on Rosenbrock with long steps).

Each drawn step is what ``LBFGS(params, lr, max_iter=1, max_eval, tolerance_grad,
tolerance_change, history_size, line_search_fn).step(closure)`` does, with the same optimizer
object kept from step to step, so the curvature history, the last direction d, the last step
length t and the previous gradient carry over::

    g = ∇f(θ)                                          (the closure: 1 function evaluation)
    if max|g| ≤ tolerance_grad: stop here (θ stays; no iteration is counted)
    n = n + 1
    n = 1:  d = -g,  history empty,  H = 1
    n > 1:  y = g - g_prev,  s = t d
            if y·s > 1e-10: append (y, s, ρ = 1/(y·s)) to the history (dropping the oldest
                            when it holds history_size pairs) and set H = y·s / y·y
            d = -H̃ g  by the two-loop recursion over the history, with H̃_0 = H I
    g_prev = g
    t = lr · min(1, 1 / Σ|g|)  when n = 1,  else  t = lr
    if g·d > -tolerance_change: stop here (θ stays)
    line_search_fn None:           θ ← θ + t d
    line_search_fn "strong_wolfe": t ← strong Wolfe line search along d from t (c1 = 1e-4,
                                   c2 = 0.9, at most max_eval - 1 more evaluations); θ ← θ + t d

Conventions (as torch): with ``max_iter=1`` torch's default ``max_eval`` is
``max_iter * 5 // 4 = 1``, which leaves the line search no evaluation beyond its first trial
point: it then keeps t if the loss went down and takes t = 0 (no move) otherwise. A larger
``max_eval`` lets it bracket and zoom (``_strong_wolfe`` and ``_cubic_interpolate`` are ported
operation for operation). Without a line search torch does not evaluate the new point within
the step, so each step costs exactly one evaluation; with it, one plus the line search's.
``func_evals`` is torch's running total; ``step_func_evals`` is this step's count. With
gradient noise or sparsity, every evaluation within one step sees the same draw (one batch per
step, as a closure re-evaluating the same batch would).

State shown: ``d`` (direction), ``t`` (step length), ``H_diag`` (initial inverse-Hessian
scale), ``prev_flat_grad``, ``n_iter``, ``func_evals``, ``step_func_evals``; scalars are shown
in both coordinates. The effective step size per coordinate is t (the step is t·d).

References: Liu & Nocedal (1989), "On the limited memory BFGS method for large scale
optimization", Math. Programming 45; Nocedal & Wright (2006), "Numerical Optimization",
Algorithms 7.4 (two-loop recursion) and 3.5–3.6 (line search with zoom); torch's port of
minFunc (M. Schmidt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from landscapes._jit import kernel

from . import _ownloop as own
from ._ownloop import fma
from ._spec import Hyper, lr_hyper, packed


@dataclass(frozen=True)
class _LineSearch(Hyper):
    """``line_search_fn``: torch takes None or "strong_wolfe"; the app shows a switch."""

    def check(self, value):
        if value is None or value is False or value == 0:
            return False
        if value is True or value == 1 or value == "strong_wolfe":
            return True
        raise ValueError(f"Invalid line_search_fn: {value!r} (only None and 'strong_wolfe' "
                         "are supported)")


#: The most evaluations a step may take, and curvature pairs the history may hold: a step's work
#: grows with both (the line search, the two-loop recursion), so a shared server bounds them;
#: :mod:`scene.budget` then weighs a whole race's evaluations against its time.
MOST_EVAL = 1000
MOST_HISTORY = 1000

SPEC = {
    "lr": lr_hyper(1.0, ui_high=10.0),
    "history_size": Hyper("history_size", 100.0, 1.0, math.inf, label="history size",
                          error="Invalid history_size", high_open=True, ui_low=1.0,
                          ui_high=200.0, symbol="m", whole=True, most=MOST_HISTORY,
                          help="How many recent (step, gradient change) pairs shape the "
                               "curvature estimate (a whole number)."),
    "tolerance_grad": Hyper("tolerance_grad", 1e-7, 0.0, math.inf, label="tolerance_grad",
                            error="Invalid tolerance_grad", high_open=True, ui_low=1e-12,
                            ui_high=1.0, log=True, symbol="tol g",
                            help="No step once every gradient coordinate is this small."),
    "tolerance_change": Hyper("tolerance_change", 1e-9, 0.0, math.inf, label="tolerance_change",
                              error="Invalid tolerance_change", high_open=True, ui_low=1e-12,
                              ui_high=1.0, log=True, symbol="tol Δ",
                              help="No step when the slope along the direction is above "
                                   "minus this."),
    "max_eval": Hyper("max_eval", 1.0, 1.0, math.inf, label="max evaluations",
                      error="Invalid max_eval", high_open=True, ui_low=1.0, ui_high=101.0,
                      symbol="max eval", whole=True, most=MOST_EVAL,
                      help="Most function evaluations per step (a whole number); with the "
                           "line search, 1 leaves it a single trial point."),
    "line_search_fn": _LineSearch("line_search_fn", False, kind="bool",
                                  label="strong Wolfe line search", symbol="Wolfe",
                                  help="Search along the direction for a step length that "
                                       "satisfies the strong Wolfe conditions."),
}

STATE = ("d", "t", "H_diag", "prev_flat_grad", "n_iter", "func_evals", "step_func_evals")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "d": "is the search direction",
    "t": "the step length along it",
    "H_diag": "the scale of the inverse Hessian",
    "prev_flat_grad": "the previous gradient",
    "n_iter": "the iteration count",
    "func_evals": "the function evaluations so far",
    "step_func_evals": "the evaluations this step took",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"t", "H_diag", "n_iter", "func_evals", "step_func_evals"})
D, T, H_DIAG, PREV_GRAD, N_ITER, FUNC_EVALS, STEP_EVALS = range(len(STATE))

FIELDS = ("history_size", "tolerance_grad", "tolerance_change", "max_eval", "strong_wolfe")
HISTORY_SIZE, TOLERANCE_GRAD, TOLERANCE_CHANGE, MAX_EVAL, STRONG_WOLFE = range(len(FIELDS))

#: No per-step table: the loop reads the learning rates directly.
COEFFS = 1


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, history_size=hp["history_size"], tolerance_grad=hp["tolerance_grad"],
                  tolerance_change=hp["tolerance_change"], max_eval=hp["max_eval"],
                  strong_wolfe=hp["line_search_fn"])


def step_size(h, c, state):
    """The step length t of each recorded update, for both coordinates (the step is t·d)."""
    return np.repeat(state[:, T, :1], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    m = int(hp["history_size"])
    lines = [r"g_t = \nabla f(\theta_{t-1})",
             rf"d_t = -H_t\, g_t \ \text{{(two-loop recursion over the last {m} pairs }}"
             r"s_k = \theta_k - \theta_{k-1},\ y_k = g_{k+1} - g_k\text{)}, \quad d_1 = -g_1"]
    if hp["line_search_fn"]:
        lines.append(r"\alpha_t:\ \text{strong Wolfe line search from } \gamma_t "
                     rf"\ (c_1 = 10^{{-4}},\ c_2 = 0.9,\ \le {int(hp['max_eval'])} "
                     r"\text{ evaluations})")
    else:
        lines.append(r"\alpha_t = \gamma_t \ (\alpha_1 = \gamma_1 \min(1, 1/\lVert g_1 "
                     r"\rVert_1))")
    lines.append(rf"\theta_t = \theta_{{t-1}} + \alpha_t\, d_t, \quad {gamma}")
    return lines


@kernel(inline=True)
def _pmax(a, b):
    # Python's max(a, b): b only when b > a (so NaN handling follows torch's code).
    return b if b > a else a


@kernel(inline=True)
def _pmin(a, b):
    return b if b < a else a


@kernel
def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounded, xmin_bound, xmax_bound):
    """torch.optim.lbfgs._cubic_interpolate, operation for operation."""
    if not bounded:
        if x1 <= x2:
            xmin_bound, xmax_bound = x1, x2
        else:
            xmin_bound, xmax_bound = x2, x1
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return _pmin(_pmax(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


@kernel(inline=True)
def _grad(sid, sp, batch, k, x, y, nx, ny, kx, ky):
    """The closure: true loss and the gradient with this step's noise and drop applied."""
    f, gx, gy = own.seen_value_grad(sid, sp, batch, k, x, y)
    gx = (gx + nx) * kx
    gy = (gy + ny) * ky
    return f, gx, gy


@kernel(inline=True)
def _directional(sid, sp, batch, k, x, y, t, dx, dy, nx, ny, kx, ky):
    # torch's _directional_evaluate: the loss and the slope g·d at θ + t d.
    f, gx, gy = _grad(sid, sp, batch, k, fma(dx, t, x), fma(dy, t, y), nx, ny, kx, ky)
    return f, gx * dx + gy * dy


@kernel
def _strong_wolfe(sid, sp, batch, k, x, y, t, dx, dy, f, gtd, max_ls, nx, ny, kx, ky):
    """torch.optim.lbfgs._strong_wolfe with c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9 (torch
    does not pass its own); returns (t, evaluations). The gradients in the bracket are not
    kept: with max_iter=1 torch does not use the one it returns."""
    c1 = 1e-4
    c2 = 0.9
    tolerance_change = 1e-9
    d_norm = max(abs(dx), abs(dy))
    f_new, gtd_new = _directional(sid, sp, batch, k, x, y, t, dx, dy, nx, ny, kx, ky)
    ls_func_evals = 1
    t_prev, f_prev, gtd_prev = 0.0, f, gtd
    done = False
    ls_iter = 0
    b0, b1, bf0, bf1, bg0, bg1 = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            b0, b1, bf0, bf1, bg0, bg1 = t_prev, t, f_prev, f_new, gtd_prev, gtd_new
            break
        if abs(gtd_new) <= -c2 * gtd:
            b0, b1, bf0, bf1, bg0, bg1 = t, t, f_new, f_new, gtd_new, gtd_new  # one point
            done = True
            break
        if gtd_new >= 0:
            b0, b1, bf0, bf1, bg0, bg1 = t_prev, t, f_prev, f_new, gtd_prev, gtd_new
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10.0
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, True, min_step,
                               max_step)
        t_prev = tmp
        f_prev = f_new
        gtd_prev = gtd_new
        f_new, gtd_new = _directional(sid, sp, batch, k, x, y, t, dx, dy, nx, ny, kx, ky)
        ls_func_evals += 1
        ls_iter += 1
    if ls_iter == max_ls:
        b0, b1, bf0, bf1 = 0.0, t, f, f_new
    return _zoom(sid, sp, batch, k, x, y, dx, dy, f, gtd, max_ls, nx, ny, kx, ky, d_norm, done,
                 ls_iter,
                 ls_func_evals, b0, b1, bf0, bf1, bg0, bg1, c1, c2, tolerance_change)


@kernel
def _zoom(sid, sp, batch, k, x, y, dx, dy, f, gtd, max_ls, nx, ny, kx, ky, d_norm, done,
          ls_iter,
          ls_func_evals, b0, b1, bf0, bf1, bg0, bg1, c1, c2, tolerance_change):
    """The zoom phase of torch's _strong_wolfe; returns (t, evaluations)."""
    b = np.array([b0, b1])
    bf = np.array([bf0, bf1])
    bg = np.array([bg0, bg1])
    insuf_progress = False
    low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(b[1] - b[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(b[0], bf[0], bg[0], b[1], bf[1], bg[1], False, 0.0, 0.0)
        bmax = _pmax(b[0], b[1])
        bmin = _pmin(b[0], b[1])
        eps = 0.1 * (bmax - bmin)
        if _pmin(bmax - t, t - bmin) < eps:
            if insuf_progress or t >= bmax or t <= bmin:
                if abs(t - bmax) < abs(t - bmin):
                    t = bmax - eps
                else:
                    t = bmin + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, gtd_new = _directional(sid, sp, batch, k, x, y, t, dx, dy, nx, ny, kx, ky)
        ls_func_evals += 1
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bf[low]:
            b[high] = t
            bf[high] = f_new
            bg[high] = gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (b[high] - b[low]) >= 0:
                b[high] = b[low]
                bf[high] = bf[low]
                bg[high] = bg[low]
            b[low] = t
            bf[low] = f_new
            bg[low] = gtd_new
    return b[low], ls_func_evals


@kernel(inline=True)
def _two_loop(gx, gy, dirs, stps, ro, al, head, num_old, cap, h_diag):
    """d = -H̃ g by torch's two-loop recursion over the history (oldest first at ``head``)."""
    qx = -gx
    qy = -gy
    for i in range(num_old - 1, -1, -1):
        j = head + i - cap if head + i >= cap else head + i  # (head + i) % cap, without a division
        al[j] = (stps[j, 0] * qx + stps[j, 1] * qy) * ro[j]
        qx = fma(dirs[j, 0], -al[j], qx)
        qy = fma(dirs[j, 1], -al[j], qy)
    rx = qx * h_diag
    ry = qy * h_diag
    for i in range(num_old):
        j = head + i - cap if head + i >= cap else head + i
        be_i = (dirs[j, 0] * rx + dirs[j, 1] * ry) * ro[j]
        rx = fma(stps[j, 0], al[j] - be_i, rx)
        ry = fma(stps[j, 1], al[j] - be_i, ry)
    return rx, ry


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory, one torch ``LBFGS.step(closure)`` per update; arguments and return
    as :func:`optimizers._driver._loop`. ``state`` rows follow ``STATE``.

    Longer than most functions here for a reason: it follows torch's ``LBFGS.step`` in its
    order (the history's ring buffer, the first step's scaling, the tolerance checks; the
    two-loop recursion and the line search are functions of their own), so that it reads
    beside torch's and is checked against it; one compiled loop, as the other optimizers'
    trajectories are."""
    steps = lrs.shape[0]
    hs = int(h[HISTORY_SIZE])
    cap = max(1, min(hs, steps))  # the history never holds more pairs than updates
    dirs = np.zeros((cap, 2))
    stps = np.zeros((cap, 2))
    ro = np.zeros(cap)
    al = np.zeros(cap)
    head = 0
    num_old = 0
    max_ls = int(h[MAX_EVAL]) - 1
    dx = dy = tt = pgx = pgy = 0.0
    h_diag = 1.0
    n_iter = 0
    func_evals = 0
    x = x0
    y = y0
    ok, fx, fy = own.start(sid, sp, batch, x0, y0, xy, loss)
    if not ok:
        return 1
    f = loss[0]
    for t in range(1, steps + 1):
        nx, ny, kx, ky = own.draws(noise, drop, t)
        gx, gy = own.received(fx, fy, nx, ny, kx, ky)
        func_evals += 1
        evals = 1
        px = x
        py = y
        if max(abs(gx), abs(gy)) > h[TOLERANCE_GRAD]:
            n_iter += 1
            if n_iter == 1:
                dx = -gx
                dy = -gy
                h_diag = 1.0
            else:
                yx = gx - pgx
                yy = gy - pgy
                sx = dx * tt
                sy = dy * tt
                ys = yx * sx + yy * sy
                if ys > 1e-10:
                    if num_old == hs:
                        head = (head + 1) % cap
                        num_old -= 1
                    j = (head + num_old) % cap
                    dirs[j, 0] = yx
                    dirs[j, 1] = yy
                    stps[j, 0] = sx
                    stps[j, 1] = sy
                    ro[j] = 1.0 / ys
                    num_old += 1
                    h_diag = ys / (yx * yx + yy * yy)
                dx, dy = _two_loop(gx, gy, dirs, stps, ro, al, head, num_old, cap, h_diag)
            pgx = gx
            pgy = gy
            if n_iter == 1:
                tt = _pmin(1.0, 1.0 / (abs(gx) + abs(gy))) * lrs[t - 1]
            else:
                tt = lrs[t - 1]
            gtd = gx * dx + gy * dy
            if not gtd > -h[TOLERANCE_CHANGE]:
                if h[STRONG_WOLFE] != 0.0:
                    if batch.shape[0] > 0:  # the closure's loss: this update's batch's
                        f = own.seen_value_grad(sid, sp, batch, t, px, py)[0]
                    tt, ls = _strong_wolfe(sid, sp, batch, t, px, py, tt, dx, dy, f, gtd,
                                           max_ls, nx, ny, kx, ky)
                    evals += ls
                    func_evals += ls
                x = fma(dx, tt, px)
                y = fma(dy, tt, py)
        state[D, 0] = dx
        state[D, 1] = dy
        state[PREV_GRAD, 0] = pgx
        state[PREV_GRAD, 1] = pgy
        for k, v in ((T, tt), (H_DIAG, h_diag), (N_ITER, float(n_iter)),
                     (FUNC_EVALS, float(func_evals)), (STEP_EVALS, float(evals))):
            state[k, 0] = v
            state[k, 1] = v
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
        f = loss[t]
    return steps + 1
