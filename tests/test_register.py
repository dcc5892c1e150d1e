"""An optimizer defined outside the package runs through the registry's public path alone.

This module is itself the optimizer's module: Signum (signSGD with momentum, Bernstein et al.
2018), which nothing in ``optimizers/`` names. Registering it with ``optimizers.register`` is
all it takes for ``run()`` and ``sweep()`` to compile and race it, which is what keeps adding a
per-coordinate optimizer to its module, one registry line and its tests.

    m_t = β m_{t-1} + (1 - β) g_t,  m_0 = 0        θ_t = θ_{t-1} - γ_t sign(m_t)

With β = 0 it is signSGD, θ_t = θ_{t-1} - γ_t sign(g_t), which takes the short update below.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from landscapes import get_surface
from landscapes._jit import kernel
from optimizers import OPTIMIZERS, OptimizerInfo, register, run, sweep
from optimizers._spec import Hyper, lr_hyper, packed

STATE = ("momentum_buffer",)
SPEC = {
    "lr": lr_hyper(1e-3),
    "momentum": Hyper("momentum", 0.9, 0.0, 1.0, label="momentum β", high_open=True,
                      error="Invalid momentum value", symbol="β"),
}
FIELDS = ("momentum",)
(MOMENTUM,) = range(len(FIELDS))
COEFFS = 1


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, momentum=hp["momentum"])


@kernel(inline=True, cache=False)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k]


@kernel(inline=True, cache=False)
def _update(i, x, g, state, h, c, t):
    m = h[MOMENTUM] * state[0, i] + (1.0 - h[MOMENTUM]) * g
    state[0, i] = m
    return x - c[0, t - 1] * (1.0 if m > 0.0 else (-1.0 if m < 0.0 else 0.0))


@kernel(inline=True, cache=False)
def _is_plain(h):
    return h[MOMENTUM] == 0.0


@kernel(inline=True, cache=False)
def _update_plain(i, x, g, state, h, c, t):
    return x - c[0, t - 1] * (1.0 if g > 0.0 else (-1.0 if g < 0.0 else 0.0))


def step_size(h, c, state):
    return np.repeat(c[0][:, None], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    return [rf"\theta_t = \theta_{{t-1}} - \gamma_t\,\operatorname{{sign}}(m_t), \quad {gamma}"]


NAME = "signum_test"


@pytest.fixture
def signum():
    info = register(OptimizerInfo(NAME, "Signum", sys.modules[__name__], SPEC,
                                  summary="Steps by the sign of a momentum average."))
    yield info
    del OPTIMIZERS[NAME]


def numpy_signum(surface: str, starts, steps: int, lr: float, momentum: float) -> np.ndarray:
    """Every start's path, (steps + 1, N, 2), stepped in NumPy with the surface's gradient."""
    surf = get_surface(surface)
    pos = np.array(starts, dtype=np.float64).reshape(-1, 2)
    m = np.zeros_like(pos)
    path = [pos.copy()]
    for _ in range(steps):
        _, gx, gy = surf.value_grad(pos[:, 0], pos[:, 1])
        m = momentum * m + (1.0 - momentum) * np.stack([gx, gy], axis=1)
        pos = pos - lr * np.sign(m)
        path.append(pos.copy())
    return np.array(path)


def test_a_registered_optimizer_is_in_the_registry(signum):
    assert OPTIMIZERS[NAME] is signum
    assert signum.family is sys.modules[__name__]  # per-coordinate: no loop of its own
    assert signum.entry.py_func.__name__ == "_loop_" + __name__.replace(".", "_")


@pytest.mark.parametrize("momentum", [0.9, 0.0])  # 0.0 takes the short update
def test_run_follows_the_numpy_loop(signum, momentum):
    traj = run("rosenbrock", NAME, start=(-1.2, 1.0), steps=300, lr=2e-3, momentum=momentum,
               record=True)
    want = numpy_signum("rosenbrock", [(-1.2, 1.0)], 300, 2e-3, momentum)[:, 0]
    assert traj.status == "completed" and traj.xy.shape == (301, 2)
    np.testing.assert_allclose(traj.xy, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.abs(traj.updates), 2e-3, rtol=1e-9)  # sign steps: all ±γ
    assert set(traj.state) == {"momentum_buffer"}


def test_sweep_follows_the_numpy_loop_and_run(signum):
    rng = np.random.default_rng(3)
    starts = rng.uniform(-1.5, 1.5, (70, 2))  # two blocks of lanes
    momentum = np.where(np.arange(70) % 3 == 0, 0.0, 0.8)  # short and full updates
    res = sweep("rosenbrock", NAME, starts, steps=120, lr=5e-3, momentum=momentum)
    for beta in (0.0, 0.8):
        rows = np.flatnonzero(momentum == beta)
        want = numpy_signum("rosenbrock", starts[rows], 120, 5e-3, beta)[-1]
        np.testing.assert_allclose(res.end[rows], want, rtol=0, atol=1e-12)
    for i in (0, 1):
        traj = run("rosenbrock", NAME, start=starts[i], steps=120, lr=5e-3,
                   momentum=momentum[i])
        assert np.array_equal(res.end[i], traj.xy[-1]) and res.final_loss[i] == traj.loss[-1]
    assert (res.status == 0).all()


def test_a_registered_optimizer_stops_as_the_others_do(signum):
    # On the saddle x² - y², steps of 1 in y's downhill sign leave the map (|y| <= 100) at
    # the 100th step, which takes y from 99.5 to 100.5.
    traj = run("saddle", NAME, start=(0.5, 0.5), steps=200, lr=1.0, momentum=0.0)
    assert traj.status == "left" and traj.diverged_at == 100
    res = sweep("saddle", NAME, [(0.5, 0.5)], steps=200, lr=1.0, momentum=0.0)
    assert res.status[0] == 1 and res.ended_at[0] == 100  # STATUS_NAMES[1] == "left"


def test_register_names_what_a_module_lacks(signum):
    with pytest.raises(ValueError, match="registered already"):
        register(signum)
    with pytest.raises(ValueError, match=r"lacks .*_update"):
        register(OptimizerInfo("broken", "Broken", math, SPEC))
    assert "broken" not in OPTIMIZERS
