"""Many independent runs as one compiled kernel: basins of attraction and hyperparameter sweeps.

:func:`sweep` runs N trajectories that differ in their start, their hyperparameters, or both,
and keeps per run only what the analysis views need (where it ended, its final and best loss,
when it reached the global minimum, which listed minimum it ended near, how it stopped). Every
run is the same arithmetic as :func:`optimizers.run` with the same settings (each family's
``_update`` and ``_coefficients``, the same noise and drop draws), so a run of a sweep and
the corresponding ``run()`` agree to the last bit.

Layout. Runs with the same hyperparameters form a group; a group's runs are cut into blocks
of ``BLOCK`` lanes. A block keeps its positions, gradients and optimizer state in short
arrays with the lanes innermost (``state[k, j]`` for x and ``state[k, BLOCK + j]`` for y), and
each step is a few straight loops over the lanes: update, evaluate, book-keep. The blocks are
independent and spread over the cores (``prange``). A lane that stops keeps computing (its
numbers are ignored), so the loops have no early exits; a block ends when all its lanes have
stopped.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from numba import literally, prange, typeof, types

from landscapes import FORMULA, Surface
from landscapes._kernels import step_crosses_undefined, undefined_somewhere

from ._driver import FamilyKernels, family_kernel, is_plain
from ._ownloop import loss_grad_block

# Bound in each family's compiled copy of the templates _lanes and _sweep (see
# _driver.family_kernel): the family's module and the module of its short update.
family = short = None

#: Lanes per block: the vector loops' length. Each step of a block has a fixed cost (the
#: surface call, the loops' set-up) shared by its lanes: 256 lanes cost about 10 % less per
#: run-step than 64 (up to 20 % for momentum), and a block's arrays (about 50 kB) stay in the
#: core's own caches.
BLOCK = 256

#: ``SweepResult.status`` codes, by name (``Trajectory.status``'s words).
STATUS_NAMES = ("completed", "left", "diverged", "domain")
COMPLETED, LEFT, DIVERGED, DOMAIN = 0, 1, 2, 3

#: Most runs and most run-steps one sweep may ask for (a 1000 × 1000 basins grid of 500 steps).
MAX_RUNS = 1_000_000
MAX_WORK = 5e8


class SweepCancelled(Exception):
    """Raised by :func:`sweep` when its ``progress`` callback returned False."""


@dataclass
class SweepResult:
    """Per-run outcomes of a sweep; every array has one row per run, in the order given.

    Attributes
    ----------
    starts : float64 (N, 2)
    end : float64 (N, 2)
        The last point of the run (for a stopped run, the last point before the update that
        stopped it, as ``Trajectory.xy[-1]``).
    final_loss, best_loss : float64 (N,)
    reach : int64 (N,)
        The first step at which the loss was within ``tol`` of the surface's ``f_min``
        (0 when the start already is), or -1: never, or no known ``f_min``.
    nearest : int64 (N,)
        Index into ``surface.minima`` of the listed minimum a completed run ended near (within
        2 % of the map's larger side, the rule of the results table), or -1.
    status : int8 (N,)
        ``STATUS_NAMES`` index: completed, left (the map, downhill), diverged, or domain (a
        typed formula not defined where the run stepped, or somewhere on its last step).
    ended_at : int64 (N,)
        The update that stopped the run, or ``steps`` for a completed run.
    """

    surface: str
    optimizer: str
    steps: int
    tol: float
    starts: np.ndarray
    end: np.ndarray
    final_loss: np.ndarray
    best_loss: np.ndarray
    reach: np.ndarray
    nearest: np.ndarray
    status: np.ndarray
    ended_at: np.ndarray

    def __len__(self) -> int:
        return len(self.status)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.starts, self.end, self.final_loss, self.best_loss,
                                      self.reach, self.nearest, self.status, self.ended_at))


def _lanes(plain, task, args):
    """Run one block of lanes (``task`` = group, first run in ``order``, lane count).

    A template: each family's copy reads ``family`` as its module, and ``plain`` is a
    compile-time constant, so each (family, plain) pair is one compiled loop with one update
    inside, which the compiler vectorizes over the lanes.

    Longer than most functions here for a reason: it is the sweep's one hot loop, and its
    parts (set-up, update, book-keeping, the record of where each lane stopped) share about
    thirty lane arrays and a double buffer that is swapped every step. Split into functions,
    each would take and return those arrays, and whether the vectorized inner loops survive
    would rest on the compiler inlining every call; kept whole, the loop is what is timed by
    ``bench/bench_sweep.py``."""
    literally(plain)
    (hs, lr_rows, group_lr, state0, order, sid, sp, starts, noise, drop, batch0, limit, fmin,
     tol, ncoef, out_end, out_final, out_best, out_reach, out_ended, out_stop, out_exit,
     out_exit_f, out_prev_f, out_first_f) = args
    g, first, n = task[0], task[1], task[2]
    steps = lr_rows.shape[1]
    h = hs[g]
    coef = np.empty((ncoef, steps))
    family._coefficients(h, lr_rows[group_lr[g]], coef)
    nk = state0.shape[1]
    state = np.zeros((nk, 2 * BLOCK))
    # One entry per lane in use: a group of one run evaluates its surface at one point a step.
    x, y, f, gx, gy = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    # The point and loss before the current step are kept by double buffering: each update
    # writes the new point into the other pair of arrays, and the arrays are swapped (copying
    # them every step cost a tenth of a momentum sweep). Per lane: where it stopped and the
    # loss there, its best loss, when it reached f_min, and when it stopped (0: not).
    xo, yo, fo = np.zeros(n), np.zeros(n), np.zeros(n)
    ex, ey, ef = np.zeros(n), np.zeros(n), np.zeros(n)
    endx, endy, endf = np.zeros(n), np.zeros(n), np.zeros(n)
    best = np.zeros(n)
    reach = np.full(n, -1, np.int64)
    stop = np.zeros(n, np.int64)
    inside_at_stop = np.zeros(n, np.int64)
    for j in range(n):
        r = order[first + j]
        for k in range(nk):
            state[k, j] = state0[g, k, 0]
            state[k, BLOCK + j] = state0[g, k, 1]
        x[j] = starts[r, 0]
        y[j] = starts[r, 1]
    batch = batch0.copy()  # each block draws the same batches, in a state of its own
    loss_grad_block(sid, sp, batch, 1, x, y, f, gx, gy)
    for j in range(n):
        ok = f[j] * 0.0 + gx[j] * 0.0 + gy[j] * 0.0 == 0.0  # all three finite
        best[j] = f[j]
        out_first_f[order[first + j]] = f[j]
        endx[j], endy[j], endf[j] = x[j], y[j], f[j]
        if not ok:
            stop[j] = 1
            inside_at_stop[j] = 1
        elif abs(f[j] - fmin) <= tol:
            reach[j] = 0
    noisy = noise.shape[0] > 0
    sparse = drop.shape[0] > 0
    xlo, xhi, ylo, yhi = limit[0], limit[1], limit[2], limit[3]
    guard = undefined_somewhere(sid, sp)
    living = 0
    for j in range(n):
        living += stop[j] == 0
    t = 0
    while t < steps and living > 0:
        t += 1
        nx = noise[t - 1, 0] if noisy else 0.0
        ny = noise[t - 1, 1] if noisy else 0.0
        kx = 0.0 if sparse and drop[t - 1, 0] != 0 else 1.0
        ky = 0.0 if sparse and drop[t - 1, 1] != 0 else 1.0
        for j in range(n):  # the update: straight arithmetic over the lanes
            gxj = (gx[j] + nx) * kx if sparse else gx[j] + nx
            gyj = (gy[j] + ny) * ky if sparse else gy[j] + ny
            if plain:
                xj = short._update_plain(j, x[j], gxj, state, h, coef, t)
                yj = short._update_plain(BLOCK + j, y[j], gyj, state, h, coef, t)
            else:
                xj = family._update(j, x[j], gxj, state, h, coef, t)
                yj = family._update(BLOCK + j, y[j], gyj, state, h, coef, t)
            xo[j] = xj
            yo[j] = yj
        x, xo = xo, x
        y, yo = yo, y
        f, fo = fo, f
        loss_grad_block(sid, sp, batch, t + 1, x, y, f, gx, gy)
        if guard:  # a step across where a typed f is undefined ends as if it landed there
            for j in range(n):
                if stop[j] == 0 and step_crosses_undefined(sp, xo[j], yo[j], x[j], y[j], limit):
                    x[j] = math.nan
                    y[j] = math.nan
        # The book-keeping, one loop of selects that the compiler vectorizes: best loss, the
        # first step at f_min, and a count of the lanes that stop at this step (the point left
        # the box, or its loss or gradient is not finite). Only a step with such a lane runs
        # the scalar loop that records where they stopped.
        ends = 0
        for j in range(n):
            fj = f[j]
            fine = ((x[j] >= xlo) & (x[j] <= xhi) & (y[j] >= ylo) & (y[j] <= yhi)
                    & (fj * 0.0 + gx[j] * 0.0 + gy[j] * 0.0 == 0.0))
            running = stop[j] == 0
            ends += running & ~fine
            live = running & fine
            best[j] = fj if live & (fj < best[j]) else best[j]
            reach[j] = t if live & (reach[j] < 0) & (abs(fj - fmin) <= tol) else reach[j]
        if ends:
            for j in range(n):
                inside = x[j] >= xlo and x[j] <= xhi and y[j] >= ylo and y[j] <= yhi
                finite = f[j] * 0.0 + gx[j] * 0.0 + gy[j] * 0.0 == 0.0
                if stop[j] == 0 and not (inside and finite):
                    stop[j] = t
                    inside_at_stop[j] = inside
                    endx[j], endy[j], endf[j] = xo[j], yo[j], fo[j]
                    ex[j], ey[j], ef[j] = x[j], y[j], f[j]
        living -= ends
    for j in range(n):
        if stop[j] == 0:
            endx[j], endy[j], endf[j] = x[j], y[j], f[j]
    for j in range(n):
        r = order[first + j]
        out_best[r] = best[j]
        out_reach[r] = reach[j]
        out_end[r, 0] = endx[j]
        out_end[r, 1] = endy[j]
        out_final[r] = endf[j]
        out_prev_f[r] = endf[j]
        if stop[j] == 0:
            out_ended[r] = steps
            out_stop[r] = COMPLETED
        else:
            out_ended[r] = stop[j]
            # a non-finite loss or gradient inside the box diverged; a run that left the box
            # is told "left" or "diverged" afterwards, from the exit point
            out_stop[r] = DIVERGED if inside_at_stop[j] else LEFT
            if not inside_at_stop[j]:  # where it went (run() records it only when it left)
                out_exit[r, 0] = ex[j]
                out_exit[r, 1] = ey[j]
                out_exit_f[r] = ef[j]


def _sweep(tasks, args, plain):
    """A template, compiled per family with ``_lanes`` bound to the family's copy of it: the
    blocks of ``tasks``, spread over the cores."""
    literally(plain)  # one kernel per family and update, as the trajectory loop
    for i in prange(tasks.shape[0]):
        _lanes(plain, tasks[i], args)


def _family_sweep(module):
    return family_kernel(_sweep, module, parallel=True, _lanes=family_kernel(_lanes, module))


#: The compiled sweep of each per-coordinate family of :mod:`._driver`, built from its module
#: on first lookup; the optimizers with loops of their own are swept run by run.
SWEEP_ENTRIES = FamilyKernels(_family_sweep)


def _varying(info, hyper: dict) -> dict[str, np.ndarray]:
    """The hyperparameters given as one value per run: 1-D arrays (N, 2) for pairs."""
    out = {}
    for key, value in hyper.items():
        spec = info.spec.get(key)
        if spec is None or isinstance(value, str | bool):
            continue
        arr = np.asarray(value)
        if arr.dtype == object or arr.ndim != (2 if spec.kind == "pair" else 1):
            continue
        if arr.ndim == 2 and arr.shape[1] != 2:
            raise ValueError(f"Invalid {key}: one pair per run expected, got shape {arr.shape}")
        out[key] = arr.astype(np.float64).reshape(len(arr), -1)
    return out


def _runs(surf: Surface, starts, varying: dict) -> tuple[np.ndarray, int]:
    from . import _start

    lengths = {len(a) for a in varying.values()}
    if len(lengths) > 1:
        raise ValueError("Invalid sweep: every hyperparameter array must have one value per run"
                         f" (got lengths {sorted(lengths)})")
    pts = np.asarray(starts, dtype=np.float64) if starts is not None else None
    if pts is None or pts.ndim == 1:
        x0, y0 = _start(surf, None if pts is None else tuple(pts))
        n = lengths.pop() if lengths else 1
        return np.tile([x0, y0], (n, 1)), n
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"Invalid starts: expected an (N, 2) array, got shape {pts.shape}")
    n = len(pts)
    if lengths and lengths != {n}:
        raise ValueError(f"Invalid sweep: {n} starts but hyperparameter arrays of length "
                         f"{lengths.pop()}")
    (xlo, xhi), (ylo, yhi) = surf.limit
    bad = ~((pts[:, 0] >= xlo) & (pts[:, 0] <= xhi) & (pts[:, 1] >= ylo) & (pts[:, 1] <= yhi))
    if bad.any():
        x, y = pts[np.flatnonzero(bad)[0]]
        raise ValueError(f"Invalid start: ({x:g}, {y:g}) (must lie within x in [{xlo:g}, "
                         f"{xhi:g}] and y in [{ylo:g}, {yhi:g}])")
    return pts.copy(), n


def _groups(info, hyper: dict, varying: dict, n: int):
    """Distinct settings: (validated settings per group, group index per run)."""
    if not varying:
        return [info.validate(hyper)], np.zeros(n, np.int64)
    keys = list(varying)
    table = np.concatenate([varying[k] for k in keys], axis=1)
    rows, inverse = np.unique(table, axis=0, return_inverse=True)
    settings = []
    for row in rows:
        hp = dict(hyper)
        col = 0
        for key in keys:
            width = varying[key].shape[1]
            hp[key] = tuple(float(v) for v in row[col:col + width]) if width == 2 else float(
                row[col])
            col += width
        settings.append(info.validate(hp))
    return settings, inverse.reshape(-1).astype(np.int64)


def _tasks(inverse: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=groups)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    tasks = [(g, first, min(BLOCK, offsets[g + 1] - first))
             for g in range(groups) for first in range(offsets[g], offsets[g + 1], BLOCK)]
    return order.astype(np.int64), np.array(tasks, dtype=np.int64).reshape(-1, 3)


def _chunks(tasks: np.ndarray, steps: int) -> list[np.ndarray]:
    """Tasks cut into chunks of about 2·10^7 run-steps, or of a few blocks per core when blocks
    are larger. A block is counted by the runs it holds, which may be fewer than BLOCK, plus
    the fixed cost of its steps (about that of 48 runs), so a chunk takes about as long
    whatever its blocks hold."""
    if not len(tasks):
        return []
    work = (tasks[:, 2] + 48) * max(1, steps)
    chunk = np.minimum((np.cumsum(work) - work) // int(2e7),
                       np.arange(len(tasks)) // (2 * (os.cpu_count() or 1)))
    return np.split(tasks, np.flatnonzero(np.diff(chunk)) + 1)


def sweep(surface, optimizer: str, starts=None, steps: int = 500, *, tol: float = 1e-3,
          schedule=None, noise: float = 0.0, sparsity=0.0, seed: int = 0, batch_size=None,
          progress=None, **hyper) -> SweepResult:
    """Run many independent trajectories of ``optimizer`` on ``surface`` as one kernel.

    Parameters
    ----------
    starts : (N, 2) array of starts, one (x, y), or None (the surface's demonstration start)
    steps, schedule, noise, sparsity, seed, batch_size : as :func:`optimizers.run`; every run
        gets the same noise and drop draws and the same minibatches, as separate ``run()``
        calls with the same seed do
    tol : a run has reached the global minimum once its loss is within ``tol`` of ``f_min``
    progress : optional ``callable(done_runs, total_runs)``, called between chunks of work;
        returning False stops the sweep with :class:`SweepCancelled`
    **hyper : the optimizer's hyperparameters as for ``run()``; any of them may instead hold
        one value per run (a 1-D array, or an (N, 2) array for ``betas``). With one start,
        the arrays' length sets N; a grid is given as raveled arrays.

    Raises ``ValueError`` as ``run()`` does, naming the bad argument.
    """
    from . import (
        MAX_STEPS,
        OPTIMIZERS,
        _surface,
        batches,
        learning_rates,
        stochastic,
        work_per_step,
    )

    surf = surface if isinstance(surface, Surface) else _surface(surface)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
    info = OPTIMIZERS[optimizer]
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or not (
            0 <= steps <= MAX_STEPS):
        raise ValueError(f"Invalid steps: {steps!r} (must be an integer in [0, {MAX_STEPS}])")
    steps = int(steps)
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"Invalid tol: {tol} (must be a finite number >= 0)")
    varying = _varying(info, hyper)
    pts, n = _runs(surf, starts, varying)
    batch = batches(surf, batch_size, seed)
    per = work_per_step(surf, batch_size)
    if n > MAX_RUNS or n * max(steps, 1) * per > MAX_WORK:
        each = f" of {per:,.0f} surface evaluations" if per > 1 else ""
        raise ValueError(f"Invalid sweep: {n:,} runs × {steps:,} steps{each} is more than this "
                         f"app computes at once ({MAX_RUNS:,} runs, {MAX_WORK:,.0f} run-steps)")
    settings, inverse = _groups(info, hyper, varying, n)
    lrs = sorted({hp["lr"] for hp in settings})
    lr_rows = np.array([learning_rates(lr, steps, schedule) for lr in lrs]).reshape(len(lrs), steps)
    group_lr = np.array([lrs.index(hp["lr"]) for hp in settings], dtype=np.int64)
    hs = np.array([info.pack(hp) for hp in settings])
    state0 = np.array([info.initial_state(hp) for hp in settings])
    noise_arr, drop = stochastic(steps, float(noise), sparsity, seed)
    order, tasks = _tasks(inverse, len(settings))
    (xlo, xhi), (ylo, yhi) = surf.limit
    limit = np.array([xlo, xhi, ylo, yhi], dtype=np.float64)
    fmin = np.nan if surf.f_min is None else float(surf.f_min)
    out = {"end": np.full((n, 2), np.nan), "final": np.full(n, np.nan),
           "best": np.full(n, np.nan), "reach": np.full(n, -1, np.int64),
           "ended": np.zeros(n, np.int64), "stop": np.zeros(n, np.int8),
           "exit": np.full((n, 2), np.nan), "exit_f": np.full(n, np.nan),
           "prev_f": np.full(n, np.nan), "first_f": np.full(n, np.nan)}
    args = (hs, lr_rows, group_lr, state0, order, surf.sid, surf.p, pts, noise_arr, drop, batch,
            limit, fmin, tol, info.module.COEFFS, out["end"], out["final"], out["best"],
            out["reach"], out["ended"], out["stop"], out["exit"], out["exit_f"], out["prev_f"],
            out["first_f"])
    if info.family not in SWEEP_ENTRIES:  # an optimizer with a loop of its own
        _by_runs(surf, optimizer, pts, steps, settings, inverse, progress,
                 {"schedule": schedule, "noise": noise, "sparsity": sparsity, "seed": seed,
                  "batch_size": batch_size},
                 out, fmin, tol)
        return _result(surf, optimizer, steps, tol, pts, out, told=True)
    entry = SWEEP_ENTRIES[info.family]
    # Settings that take the family's short update run in their own kernel (compiled only
    # when some run needs it), so each kernel's loop holds one update and no branch.
    plain = np.array([is_plain(info.family, h) for h in hs])
    done = 0
    for chunk in _chunks(tasks, steps):
        for flag in (True, False):
            part = chunk[plain[chunk[:, 0]] == flag]
            if len(part):
                _call(entry, part, args, flag)
        done += int(chunk[:, 2].sum())
        if progress is not None and progress(done, n) is False:
            raise SweepCancelled(f"sweep stopped after {done:,} of {n:,} runs")
    return _result(surf, optimizer, steps, tol, pts, out)


def _call(entry, tasks: np.ndarray, args: tuple, plain: bool) -> None:
    """Call ``entry`` through its compiled code for ``plain``. Called from Python with a value
    that the kernel reads as a constant (``literally``), Numba would type the whole kernel again
    on every call (several milliseconds each, whatever the work); the compiled code is found
    instead by its argument types, and compiled or loaded by an ordinary call the first time."""
    compiled = entry.overloads.get((typeof(tasks), typeof(args), types.literal(bool(plain))))
    if compiled is None:
        entry(tasks, args, plain)
    else:
        compiled.entry_point(tasks, args, plain)


def _by_runs(surf, optimizer, pts, steps, settings, inverse, progress, common, out, fmin,
             tol) -> None:
    """Fill ``out`` run by run with :func:`optimizers.run`, for the optimizers whose loop
    does not fit the per-coordinate step (L-BFGS, SAM, Schedule-Free): one compiled call per
    run, on all cores (the loops release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from . import run

    codes = {name: i for i, name in enumerate(STATUS_NAMES)}

    def one(i: int) -> None:
        traj = run(surf, optimizer, start=pts[i], steps=steps, **common,
                   **settings[inverse[i]])
        out["end"][i] = traj.xy[-1]
        out["final"][i] = traj.loss[-1]
        out["best"][i] = traj.loss.min()
        hit = np.flatnonzero(np.abs(traj.loss - fmin) <= tol)
        out["reach"][i] = hit[0] if hit.size else -1
        out["ended"][i] = traj.diverged_at or steps
        out["stop"][i] = codes[traj.status]

    n = len(pts)
    per = max(64, int(2e7 // max(1, steps)) // 8)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for first in range(0, n, per):
            list(pool.map(one, range(first, min(n, first + per))))
            done = min(n, first + per)
            if progress is not None and progress(done, n) is False:
                raise SweepCancelled(f"sweep stopped after {done:,} of {n:,} runs")


def _result(surf: Surface, optimizer: str, steps: int, tol: float, pts: np.ndarray,
            out: dict, told: bool = False) -> SweepResult:
    """The result, with how each stopped run ended told as ``run()`` tells it (``told``:
    already told, run by run)."""
    status = out["stop"]
    if steps == 0:
        status[:] = COMPLETED
        out["ended"][:] = 0
    exit_pt, exit_f = out["exit"], out["exit_f"]
    if not told:
        with np.errstate(invalid="ignore"):
            downhill = (np.isfinite(exit_pt).all(axis=1) & np.isfinite(exit_f)
                        & (exit_f < out["prev_f"]) & (exit_f < out["first_f"]))
        status[(status == LEFT) & ~downhill] = DIVERGED
        if surf.name == FORMULA:  # stopped where the typed f (or its gradient) is undefined
            status[(status == DIVERGED) & np.isnan(exit_pt).all(axis=1)] = DOMAIN
    nearest = np.full(len(status), -1, np.int64)
    if surf.minima:
        (x0, x1), (y0, y1) = surf.bounds
        radius = 0.02 * max(x1 - x0, y1 - y0)
        mins = np.array([(m.x, m.y) for m in surf.minima])
        d = np.hypot(out["end"][:, None, 0] - mins[None, :, 0],
                     out["end"][:, None, 1] - mins[None, :, 1])
        closest = np.argmin(d, axis=1)
        near = (d[np.arange(len(d)), closest] <= radius) & (status == COMPLETED)
        nearest[near] = closest[near]
    return SweepResult(surface=surf.name, optimizer=optimizer, steps=steps, tol=tol, starts=pts,
                       end=out["end"], final_loss=out["final"], best_loss=out["best"],
                       reach=out["reach"], nearest=nearest, status=status,
                       ended_at=out["ended"])
