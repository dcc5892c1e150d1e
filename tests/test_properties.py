"""Property tests: valid hyperparameters on any surface give finite trajectories, never errors."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landscapes import SURFACES
from optimizers import OPTIMIZERS, run
from optimizers.schedules import SCHEDULES


def _value(h):
    """A strategy drawing values inside a hyperparameter's documented range."""
    if h.kind == "bool":
        return st.booleans()
    hi = h.high if math.isfinite(h.high) else 1e3
    if getattr(h, "whole", False):
        return st.integers(math.ceil(h.low), math.floor(hi)).map(float)
    one = st.floats(min_value=h.low, max_value=hi, exclude_min=h.low_open,
                    exclude_max=h.high_open or not math.isfinite(h.high), allow_nan=False)
    if h.kind == "pair":
        return st.tuples(one, one)
    if h.log or h.name == "lr":
        return st.one_of(one, st.floats(min_value=1e-8, max_value=10.0))
    return one


@st.composite
def scenes(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    info = OPTIMIZERS[name]
    hyper = {k: draw(_value(h)) for k, h in info.spec.items()}
    if "nesterov" in hyper and hyper["nesterov"]:
        hyper["dampening"] = 0.0
        hyper["momentum"] = max(hyper["momentum"], 0.1)
    try:  # rules across settings (Rprop's 0 < η- < 1 < η+) leave some draws invalid
        info.validate(hyper)
    except ValueError:
        assume(False)
    surface = SURFACES[draw(st.sampled_from(sorted(SURFACES)))]
    (x0, x1), (y0, y1) = surface.bounds
    start = (draw(st.floats(x0, x1)), draw(st.floats(y0, y1)))
    schedule = draw(st.sampled_from([None, *SCHEDULES]))
    return dict(surface=surface, optimizer=name, start=start, schedule=schedule,
                steps=draw(st.integers(0, 300)), noise=draw(st.sampled_from([0.0, 0.1, 5.0])),
                sparsity=draw(st.sampled_from([0.0, 0.5, 1.0])),
                seed=draw(st.integers(0, 2**31)), record=draw(st.booleans()), **hyper)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_any_valid_scene_gives_a_finite_trajectory(kw):
    traj = run(**kw)
    assert traj.status in ("completed", "diverged", "left")
    n = len(traj.xy)
    assert 1 <= n <= kw["steps"] + 1
    assert np.isfinite(traj.xy).all() and np.isfinite(traj.loss).all()
    assert np.isfinite(traj.lr).all() and len(traj.lr) == n - 1
    if traj.status == "completed":
        assert n == kw["steps"] + 1 and traj.diverged_at is None
    else:
        assert traj.diverged_at == n
    if kw["record"]:
        assert traj.grads.shape == traj.updates.shape == (n - 1, 2)
        assert np.isfinite(traj.updates).all()
