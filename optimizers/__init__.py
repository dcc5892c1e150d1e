"""Optimizers that follow ``torch.optim`` exactly, run on the 2-D surfaces of :mod:`landscapes`
(and two that torch does not have: Newton's method and its damped, saddle-free variant, with
the surfaces' exact Hessians).

    >>> from optimizers import run
    >>> traj = run("rosenbrock", "adam", start=(-1.2, 1.0), steps=500, lr=1e-3, betas=(0.9, 0.999))
    >>> traj.xy.shape, traj.status
    ((501, 2), 'completed')

``OPTIMIZERS`` maps each name to an :class:`OptimizerInfo` (hyperparameters with torch's names,
defaults and valid ranges; state names; the module whose docstring states the update rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from landscapes import FORMULA, SURFACES, Surface, _data_kernels, get_surface
from landscapes._kernels import DATA as DATA_SID

from . import (
    _driver,
    adabelief,
    adadelta,
    adafactor,
    adagrad,
    adam,
    adamax,
    asgd,
    lbfgs,
    levenberg_marquardt,
    lion,
    muon,
    nadam,
    newton,
    radam,
    rmsprop,
    rprop,
    sam,
    schedulefree,
    schedules,
    sgd,
    sparse_adam,
)
from ._spec import Hyper, validate
from .schedules import SCHEDULES


@dataclass(frozen=True)
class OptimizerInfo:
    """A registry entry: everything the app and the tests need to know about one optimizer.

    ``fixed`` holds packed flags that the name implies (AdamW's decoupled decay); ``key``
    names the hyperparameters the legend shows even at their default values (Adam's betas).
    """

    name: str
    title: str
    module: ModuleType
    spec: dict[str, Hyper]
    fixed: dict = field(default_factory=dict)
    summary: str = ""
    key: tuple[str, ...] = ()

    @property
    def family(self) -> ModuleType | None:
        """The per-coordinate family this optimizer belongs to (its module, whose step the
        shared compiled loop of :mod:`._driver` runs), or None when the module runs its own
        loop (``module.loop``)."""
        return self.module if _driver.is_per_coordinate(self.module) else None

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.module.STATE

    @property
    def doc(self) -> str:
        return self.module.__doc__ or ""

    def held_state(self, hp: dict) -> tuple[str, ...]:
        """The state names torch holds for the validated settings ``hp`` (a subset of
        ``state_names``, in the same order): e.g. SGD without momentum keeps no buffer, Adam
        keeps ``max_exp_avg_sq`` only with AMSGrad."""
        held = getattr(self.module, "held_state", None)
        return tuple(held(hp)) if held else self.state_names

    def defaults(self) -> dict:
        return {k: h.default for k, h in self.spec.items()}

    def validate(self, hyper: dict) -> dict:
        hp = validate(self.spec, hyper)
        self.module.check(hp)
        return hp

    def pack(self, hp: dict) -> np.ndarray:
        return np.asarray(self.module.pack(hp, **self.fixed), dtype=np.float64)

    def latex(self, hp: dict, gamma: str) -> list[str]:
        """The update rule as LaTeX lines with the values of ``hp`` written in; ``gamma`` is
        the learning rate's part, e.g. ``\\gamma_t = 0.01``."""
        return self.module.latex(hp, gamma, **self.fixed)

    @property
    def entry(self):
        """The compiled loop that runs this optimizer (see :func:`run` for its arguments)."""
        return self.module.loop if self.family is None else _driver.ENTRIES[self.family]

    @property
    def data_entry(self):
        """The compiled loop that runs it on a data surface (a loop of its own takes both)."""
        return self.module.loop if self.family is None else _driver.DATA_ENTRIES[self.family]

    def initial_state(self, hp: dict) -> np.ndarray:
        state = np.zeros((len(self.state_names), 2))
        init = getattr(self.module, "initial_state", None)
        for key, value in (init(hp) if init else {}).items():
            state[self.state_names.index(key)] = value
        return state


# The registry. Adding an optimizer: write its module, add one line here, add its tests.
#
# A line reads  "name": OptimizerInfo("name", "Title", module, module.SPEC,
#                                     [fixed={...},] summary="...", [key=(...)]),
# where "name" is what share links and scene files use (opt=radam;lr=0.01) and the title is
# what the app shows. A module without a ``loop`` of its own is run by the shared compiled loop
# of ._driver (and swept by ._sweep), which each such module gets a copy of, with its step
# inlined, when it is first run: nothing else lists the optimizers. An optimizer defined
# outside this package (in a test, say) is added with register().
#
# The module holds everything else, under these names:
#   docstring              the full update rule, its conventions and its reference
#   SPEC                   {torch keyword: Hyper} with torch's names, defaults, ranges and
#                          ValueError wording; Hyper.symbol is the legend's symbol ("β")
#   STATE                  torch's state names, one row each in the state array (2 columns)
#   STATE_TEXT             {state name: what it holds, in a few words} for the step
#                          inspector; SCALAR_STATE (optional): the names that hold one number
#   FIELDS + constants     the packed layout of h, by name: FIELDS = ("beta1", ...) and
#                          BETA1, ... = range(len(FIELDS)); kernels read h[BETA1]
#   pack(hp, **fixed)      h in FIELDS order (use _spec.packed)
#   check(hp)              cross-parameter rules (raise ValueError); held_state(hp) and
#                          initial_state(hp) when torch holds fewer buffers or non-zero starts
#   COEFFS, _coefficients(h, lrs, c), _update(i, x, g, state, h, c, t)
#                          the per-step scalars and one coordinate's update (compiled, inline)
#   _is_plain(h), _update_plain(i, x, g, state, h, c, t)
#                          optional: a shorter _update for common settings (Adam without
#                          weight decay or AMSGrad), taken when _is_plain(h) holds
#   loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss,
#        rec_grad, rec_update, rec_state) -> points written
#                          only for an optimizer whose step does not fit _update (L-BFGS,
#                          SAM, Schedule-Free): the whole trajectory, as _driver._loop
#   step_size(h, c, state) the effective per-coordinate step size of each recorded update
#   latex(hp, gamma, **fixed)  the update rule as LaTeX lines with the values written in
OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo("sgd", "SGD", sgd, sgd.SPEC,
                         summary="Plain gradient descent: step against the gradient."),
    "momentum": OptimizerInfo("momentum", "Momentum", sgd, sgd.MOMENTUM_SPEC,
                              key=("momentum",),
                              summary="SGD with a velocity that remembers past gradients."),
    "nesterov": OptimizerInfo("nesterov", "Nesterov", sgd, sgd.NESTEROV_SPEC,
                              key=("momentum",),
                              summary="Momentum that corrects itself by looking ahead."),
    "rmsprop": OptimizerInfo("rmsprop", "RMSProp", rmsprop, rmsprop.SPEC,
                             key=("alpha",),
                             summary="Divides each coordinate by its recent gradient size."),
    "adam": OptimizerInfo("adam", "Adam", adam, adam.SPEC, key=("betas",),
                          summary="Momentum plus RMSProp scaling, with bias correction."),
    "adamw": OptimizerInfo("adamw", "AdamW", adam, adam.ADAMW_SPEC,
                           fixed={"decoupled": True}, key=("betas", "weight_decay"),
                           summary="Adam with weight decay applied directly to the weights."),
    "adagrad": OptimizerInfo("adagrad", "Adagrad", adagrad, adagrad.SPEC,
                             summary="Divides by the root of all squared gradients so far."),
    "nadam": OptimizerInfo("nadam", "NAdam", nadam, nadam.SPEC, key=("betas",),
                           summary="Adam with Nesterov momentum and a momentum warm-up."),
    "lion": OptimizerInfo("lion", "Lion", lion, lion.SPEC, key=("betas",),
                          summary="Steps of equal size in the sign of a momentum blend."),
    "adadelta": OptimizerInfo("adadelta", "Adadelta", adadelta, adadelta.SPEC,
                              key=("rho",), summary="Scales each step by the size of past "
                              "steps over the size of past gradients."),
    "adamax": OptimizerInfo("adamax", "Adamax", adamax, adamax.SPEC,
                            key=("betas",), summary="Adam dividing by the largest recent "
                            "gradient instead of their root mean square."),
    "radam": OptimizerInfo("radam", "RAdam", radam, radam.SPEC, key=("betas",),
                           summary="Adam that takes momentum steps until its variance "
                           "estimate can be trusted."),
    "rprop": OptimizerInfo("rprop", "Rprop", rprop, rprop.SPEC, key=("etas",),
                           summary="Uses only the gradient's sign: each coordinate's step "
                           "grows while the sign holds and shrinks when it flips."),
    "asgd": OptimizerInfo("asgd", "ASGD", asgd, asgd.SPEC,
                          summary="SGD with a slowly decaying step and a running average of "
                          "the weights."),
    "adabelief": OptimizerInfo("adabelief", "AdaBelief", adabelief, adabelief.SPEC,
                               key=("betas",), summary="Adam dividing by how far the "
                               "gradient strays from its average."),
    "lbfgs": OptimizerInfo("lbfgs", "L-BFGS", lbfgs, lbfgs.SPEC, key=("line_search_fn",),
                           summary="Quasi-Newton: a curvature estimate from recent steps "
                           "gives few, long steps."),
    "sam_sgd": OptimizerInfo("sam_sgd", "SAM (SGD)", sam, sam.SGD_SPEC,
                             fixed={"base": "sgd"}, key=("rho",),
                             summary="SGD stepping with the gradient from a little uphill, "
                             "which steers it away from sharp minima."),
    "sam_adam": OptimizerInfo("sam_adam", "SAM (Adam)", sam, sam.ADAM_SPEC,
                              fixed={"base": "adam"}, key=("rho",),
                              summary="Adam stepping with the gradient from a little uphill, "
                              "which steers it away from sharp minima."),
    "sgd_schedulefree": OptimizerInfo("sgd_schedulefree", "Schedule-Free SGD", schedulefree,
                                      schedulefree.SGD_SPEC, key=("momentum",),
                                      summary="SGD that takes gradients between its iterate "
                                      "and their running average; needs no schedule."),
    "adamw_schedulefree": OptimizerInfo("adamw_schedulefree", "Schedule-Free AdamW",
                                        schedulefree, schedulefree.ADAMW_SPEC, key=("betas",),
                                        summary="AdamW's steps with Schedule-Free "
                                        "averaging in place of momentum."),
    "muon": OptimizerInfo("muon", "Muon", muon, muon.SPEC, key=("momentum", "weight_decay"),
                          summary="Momentum orthogonalised by Newton–Schulz: on the point "
                          "as a 1×2 matrix, a step of fixed length along the momentum."),
    "adafactor": OptimizerInfo("adafactor", "Adafactor", adafactor, adafactor.SPEC,
                               summary="Divides by factored running means of g²; its step is "
                               "scaled by the point's distance from the origin."),
    "sparse_adam": OptimizerInfo("sparse_adam", "SparseAdam", sparse_adam, sparse_adam.SPEC,
                                 key=("betas",), summary="Lazy Adam: a coordinate missing "
                                 "from a sparse gradient keeps its moments and does not move."),
    "newton": OptimizerInfo("newton", "Newton", newton, newton.SPEC,
                            summary="Not in torch.optim. Steps by the exact inverse Hessian "
                            "times the gradient: drawn to saddles and maxima as to minima."),
    "levenberg_marquardt": OptimizerInfo("levenberg_marquardt", "Newton (LM)",
                                         levenberg_marquardt, levenberg_marquardt.SPEC,
                                         key=("damping",),
                                         summary="Not in torch.optim. Newton damped by λ, each "
                                         "negative curvature's sign dropped: always downhill, "
                                         "repelled by saddles."),
}


#: What every optimizer module defines (see the registry's comment); a per-coordinate one adds
#: _PER_COORDINATE, one with a loop of its own has ``loop``.
_INTERFACE = ("STATE", "COEFFS", "pack", "check", "step_size", "latex")
_PER_COORDINATE = ("_coefficients", "_update")


def register(info: OptimizerInfo) -> OptimizerInfo:
    """Add ``info`` to :data:`OPTIMIZERS` under ``info.name``, after checking that its module
    has what the registry's comment lists (ValueError naming what is missing). ``run`` and
    ``sweep`` take it at once; a per-coordinate module gets its compiled loop on first use.
    Remove it with ``del OPTIMIZERS[name]``."""
    if info.name in OPTIMIZERS:
        raise ValueError(f"An optimizer named {info.name!r} is registered already")
    needed = _INTERFACE + (_PER_COORDINATE if info.family is not None else ())
    missing = [n for n in needed if not hasattr(info.module, n)]
    if hasattr(info.module, "_is_plain") != hasattr(info.module, "_update_plain"):
        missing.append("_update_plain" if hasattr(info.module, "_is_plain") else "_is_plain")
    if missing:
        raise ValueError(f"Cannot register {info.name!r}: module {info.module.__name__} "
                         f"lacks {', '.join(missing)}")
    OPTIMIZERS[info.name] = info
    return info


def _left_downhill(surf: Surface, exit_point: np.ndarray, loss: np.ndarray) -> bool:
    """Whether the update that took a run out of the surface's limit box went downhill: to a
    finite loss lower than the last point's and than the start's."""
    if not np.isfinite(exit_point).all():
        return False
    with np.errstate(all="ignore"):
        f = float(surf.value(float(exit_point[0]), float(exit_point[1])))
    return math.isfinite(f) and f < loss[-1] and f < loss[0]


@dataclass
class Trajectory:
    """One optimizer's run.

    Attributes
    ----------
    xy : float64 array (n, 2)
        Positions; ``xy[0]`` is the start. Only finite points inside the surface's limit box.
    loss : float64 array (n,)
        True (noise-free) loss at each position.
    lr : float64 array (n - 1,)
        Learning rate used by each update: ``lr[i]`` moved ``xy[i]`` to ``xy[i + 1]``.
    status : "completed", "diverged", "left" or "domain"
        "left": an update took the point out of ``surface.limit`` going downhill (to a lower,
        finite loss, below the start's), as on a surface that is unbounded below; "diverged":
        an update gave a non-finite point, gradient or loss, or left the limit box uphill;
        "domain" (typed formulas only): an update reached a point inside the limit box where f
        or its gradient is not defined (log of a negative number, division by zero, ...), or
        jumped across a point where f is undefined or infinite (over the pole of 1/x, out of
        the domain of a log and beyond the limit box).
    diverged_at : int or None
        The update (1-based) that stopped the run, for either kind of stop; ``xy`` stops just
        before it.
    off_map_at : int or None
        The step from which the path stays outside the map as drawn (``surface.bounds``, 50
        times smaller than the limit box), or None when it ends on the map.
    grads, updates, step_size : float64 arrays (n - 1, 2) or None
        With ``record=True``: the gradient the optimizer received (after noise and sparsity),
        the displacement it applied, and its effective per-coordinate step size.
    state : dict[str, float64 array (n - 1, 2)] or None
        With ``record=True``: the optimizer's state after each update, under torch's names;
        only the buffers torch holds for these settings (no ``momentum_buffer`` for SGD at
        momentum 0, no ``max_exp_avg_sq`` for Adam without AMSGrad).
    """

    surface: str
    optimizer: str
    hyper: dict
    xy: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    status: str
    diverged_at: int | None
    steps: int
    grads: np.ndarray | None = None
    updates: np.ndarray | None = None
    step_size: np.ndarray | None = None
    state: dict[str, np.ndarray] | None = None
    off_map_at: int | None = None

    @property
    def stop_text(self) -> str:
        """How the run ended, in words: "" for a completed run, "diverged at step 12", "left
        the map at step 79" (going downhill: the step it left the map as drawn, though it
        stops only at the limit box) or "left the domain at step 30" (where a typed f is not
        defined)."""
        if self.status == "diverged":
            return f"diverged at step {self.diverged_at}"
        if self.status == "left":
            at = self.off_map_at if self.off_map_at is not None else self.diverged_at
            return f"left the map at step {at}"
        if self.status == "domain":
            return f"left the domain at step {self.diverged_at}"
        return ""

    @property
    def n(self) -> int:
        return len(self.xy)


def sparsity_pair(sparsity) -> tuple[float, float]:
    """A sparsity as (x's, y's) probability of a zero gradient coordinate: one number for
    both, or a pair (a rare feature: one coordinate's gradient is mostly missing)."""
    if isinstance(sparsity, tuple | list | np.ndarray):
        if len(sparsity) != 2:
            raise ValueError(f"Invalid sparsity: {sparsity!r} (one probability, or one for x "
                             "and one for y)")
        pair = (float(sparsity[0]), float(sparsity[1]))
    else:
        pair = (float(sparsity), float(sparsity))
    if not all(0 <= p <= 1 for p in pair):
        raise ValueError(f"Invalid sparsity: {sparsity} (probability must be in [0, 1])")
    return pair


def stochastic(steps: int, noise: float, sparsity, seed: int):
    """Gradient noise and drop masks for ``steps`` updates, identical for every optimizer.

    The Gaussian draws and the uniform draws come from two generators seeded by ``(seed, 0)``
    and ``(seed, 1)``, so the noise sequence does not change when only the sparsity changes.
    ``sparsity`` is one probability for both coordinates or a pair (x's, y's); the same
    uniform draws serve both forms, so a pair of equal values drops exactly what one value
    does.
    """
    if not (noise >= 0 and np.isfinite(noise)):
        raise ValueError(f"Invalid noise: {noise} (standard deviation must be in [0, inf))")
    sx, sy = sparsity_pair(sparsity)
    seed = int(seed)
    if noise > 0:
        n = np.random.default_rng([seed, 0]).standard_normal((steps, 2)) * noise
    else:
        n = np.zeros((0, 2))
    if sx > 0 or sy > 0:
        draws = np.random.default_rng([seed, 1]).random((steps, 2))
        d = (draws < np.array([sx, sy])).astype(np.uint8)
    else:
        d = np.zeros((0, 2), np.uint8)
    return n, d


def learning_rates(lr: float, steps: int, schedule=None) -> np.ndarray:
    """The learning rate for each update, from a schedule given as a name or a dict
    ``{"name": ..., **params}`` (None means constant)."""
    if schedule is None:
        return np.full(steps, float(lr))
    if isinstance(schedule, str):
        name, params = schedule, {}
    else:
        params = dict(schedule)
        name = params.pop("name", "constant")
    return schedules.factors(name, steps, params, lr=float(lr))


MAX_STEPS = 100_000


def batch_size_of(surf: Surface, batch_size) -> int | None:
    """The minibatch size a run on ``surf`` takes: None for the whole data (no batch size, one
    at least the number of rows, or a surface that is not a data surface)."""
    if batch_size is None or surf.sid != DATA_SID:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or (
            batch_size < 1):
        raise ValueError(f"Invalid batch_size: {batch_size!r} (must be a whole number of rows, "
                         f"at least 1)")
    n = int(surf.p[1])
    return int(batch_size) if batch_size < n else None


def batches(surf: Surface, batch_size, seed: int) -> np.ndarray:
    """The compiled loops' minibatch state for a run on ``surf`` (empty: the whole data)."""
    size = batch_size_of(surf, batch_size)
    if size is None:
        return np.empty(0, dtype=np.int64)
    return _data_kernels.new_batches(int(surf.p[1]), size, int(seed))


def work_per_step(surf: Surface, batch_size=None) -> float:
    """What one update costs on ``surf``, in evaluations of an analytic surface: 1, or for a
    data surface its rows (the loss over every row, and the batch's gradient; the linear
    models' whole loss comes from a few sums)."""
    if surf.sid != DATA_SID:
        return 1.0
    n = int(surf.p[1])
    size = batch_size_of(surf, batch_size)
    whole = float(n) if int(surf.p[0]) in (_data_kernels.LOGISTIC, _data_kernels.TANH) else 1.0
    return whole + (size or 0)


def run(surface: str | Surface, optimizer: str, start=None, steps: int = 500, *,
        schedule=None, noise: float = 0.0, sparsity=0.0, seed: int = 0,
        batch_size: int | None = None, record: bool = False, **hyper) -> Trajectory:
    """Run ``optimizer`` on ``surface`` from ``start`` for ``steps`` updates.

    Parameters
    ----------
    surface : name in ``landscapes.SURFACES`` or a :class:`landscapes.Surface`
    optimizer : name in ``OPTIMIZERS``
    start : (x, y), default the surface's demonstration start
    steps : number of updates (0 … 100,000)
    schedule : None, a schedule name, or ``{"name": ..., **params}`` (see :mod:`.schedules`)
    noise : standard deviation of Gaussian noise added to each gradient coordinate
    sparsity : probability that a gradient coordinate is zero at a step: one number for both
        coordinates, or a pair (x's, y's)
    seed : seeds the noise and sparsity draws and the minibatches (the same for every optimizer)
    batch_size : on a data surface, the rows of each update's minibatch (drawn as a shuffling
        ``DataLoader`` would, see :mod:`landscapes._data_kernels`); None or at least the number
        of rows: the whole data. Ignored on other surfaces, which have no rows.
    record : keep per-step gradients, updates, step sizes and optimizer state
    **hyper : the optimizer's torch.optim hyperparameters (``lr``, ``betas``, ...)

    Raises ``ValueError`` naming the bad argument and its valid range. Divergence is not an
    error: the trajectory stops with ``status == "diverged"``.
    """
    surf = surface if isinstance(surface, Surface) else _surface(surface)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
    info = OPTIMIZERS[optimizer]
    hp = info.validate(hyper)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or not (
            0 <= steps <= MAX_STEPS):
        raise ValueError(f"Invalid steps: {steps!r} (must be an integer in [0, {MAX_STEPS}])")
    steps = int(steps)
    x0, y0 = _start(surf, start)
    lrs = learning_rates(hp["lr"], steps, schedule)
    noise_arr, drop = stochastic(steps, float(noise), sparsity, seed)
    batch = batches(surf, batch_size, seed)

    xy = np.full((steps + 1, 2), np.nan)
    loss = np.empty(steps + 1)
    m = steps if record else 0
    k = len(info.state_names)
    rec_grad, rec_upd = np.empty((m, 2)), np.empty((m, 2))
    rec_state = np.empty((m, k, 2))
    h = info.pack(hp)
    coef = np.empty((info.module.COEFFS, steps))
    (xlo, xhi), (ylo, yhi) = surf.limit
    limit = np.array([xlo, xhi, ylo, yhi], dtype=np.float64)
    entry = info.data_entry if surf.sid == DATA_SID else info.entry
    n = entry(h, info.initial_state(hp), coef, surf.sid, surf.p, x0, y0,
                                     lrs, noise_arr, drop, batch, limit, xy, loss, rec_grad,
                                     rec_upd, rec_state)
    stopped = n <= steps
    status = "completed"
    if stopped:
        status = "left" if _left_downhill(surf, xy[n], loss[:n]) else "diverged"
        if status == "diverged" and surf.name == FORMULA and np.isnan(xy[n]).all():
            status = "domain"  # where the typed f is not defined, or a step across such a point
    traj = Trajectory(surface=surf.name, optimizer=optimizer, hyper=hp, xy=xy[:n].copy(),
                      loss=loss[:n].copy(), lr=lrs[: n - 1].copy(), status=status,
                      diverged_at=n if stopped else None, steps=steps,
                      off_map_at=off_map_since(surf.bounds, xy[:n]))
    if record:
        traj.grads = rec_grad[: n - 1].copy()
        traj.updates = rec_upd[: n - 1].copy()
        held = info.held_state(hp)
        traj.state = {name: rec_state[: n - 1, i].copy()
                      for i, name in enumerate(info.state_names) if name in held}
        with np.errstate(all="ignore"):
            traj.step_size = info.module.step_size(h, coef[:, : n - 1], rec_state[: n - 1])
    return traj


def off_map_since(bounds, xy: np.ndarray) -> int | None:
    """The step from which the path ``xy`` stays outside ``bounds`` ((xmin, xmax), (ymin,
    ymax)), or None when it ends inside them."""
    if len(xy) == 0:
        return None
    (x0, x1), (y0, y1) = bounds
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    if inside[-1]:
        return None
    on = np.flatnonzero(inside)
    return int(on[-1] + 1) if on.size else 0


def compiled(names=None, cache_dir: Path | None = None) -> bool:
    """Whether the compiled loops of these optimizers (default: all) are on disk already.

    False on the first run after an install that skipped ``python -m optimizers``: the first
    race with each optimizer family then compiles its loop for a few seconds.
    """
    cache = cache_dir or Path(_driver.__file__).with_name("__pycache__")
    entries = {OPTIMIZERS[n].entry.py_func for n in (names or OPTIMIZERS) if n in OPTIMIZERS}
    return all(any(cache.glob(f"{f.__module__.rpartition('.')[2]}.{f.__name__}-*.nbi"))
               for f in entries)


def _surface(name: str) -> Surface:
    if name not in SURFACES:
        raise ValueError(f"Unknown surface {name!r}; choose one of: {', '.join(SURFACES)}")
    return get_surface(name)


def _start(surf: Surface, start) -> tuple[float, float]:
    if start is None:
        return float(surf.start[0]), float(surf.start[1])
    try:
        x0, y0 = (float(v) for v in start)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid start: {start!r} (expected two numbers x, y)") from None
    (xlo, xhi), (ylo, yhi) = surf.limit
    if not (xlo <= x0 <= xhi and ylo <= y0 <= yhi):
        raise ValueError(f"Invalid start: ({x0:g}, {y0:g}) (must lie within x in [{xlo:g}, "
                         f"{xhi:g}] and y in [{ylo:g}, {yhi:g}])")
    return x0, y0


from ._sweep import STATUS_NAMES, SweepCancelled, SweepResult, sweep  # noqa: E402

__all__ = ["OPTIMIZERS", "SCHEDULES", "STATUS_NAMES", "OptimizerInfo", "SweepCancelled",
           "SweepResult", "Trajectory", "batch_size_of", "batches", "compiled", "register", "run",
           "learning_rates", "stochastic", "sweep", "work_per_step"]
