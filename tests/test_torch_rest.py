"""Muon, Adafactor and SparseAdam: against torch 2.13's trajectories
(``tests/data/reference.json``, 200 steps on Rosenbrock, a rotated ravine and Himmelblau, made
by ``python -m tests.make_reference``), against the naive transcriptions of ``tests/naive.py``,
and what each docstring says they do on a point taken as a 1×2 matrix (Muon, Adafactor) or as
two coordinates of a sparse gradient (SparseAdam)."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from landscapes import SURFACES, formula_surface, get_surface
from optimizers import OPTIMIZERS, muon, run, stochastic
from optimizers.adafactor import EPS1_NONE
from tests import naive

DATA = json.loads((Path(__file__).with_name("data") / "reference.json").read_text())
NEW = ("muon", "adafactor", "sparse_adam")
CASES = [c for c in DATA["cases"] if c["optimizer"] in NEW]
DRAWS = ("noise", "sparsity", "seed")


def _id(case: dict) -> str:
    hyper = ",".join(f"{k}={v}" for k, v in case["hyper"].items()) or "defaults"
    draws = ",".join(f"{k}={case[k]}" for k in DRAWS if k in case)
    return f"{case['optimizer']}-{case['surface']}-{hyper}{'-' + draws if draws else ''}"


def _run(case: dict, **extra):
    surf = get_surface(case["surface"], **case["surface_args"])
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in case["hyper"].items()}
    draws = {k: case[k] for k in DRAWS if k in case}
    return run(surf, case["optimizer"], start=case["xy"][0], steps=case["steps"], **hyper,
               **draws, **extra)


# --------------------------------------------------------------------------------------------
# torch's own trajectories


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    traj = _run(case)
    assert traj.status == "completed" and traj.steps == len(case["xy"]) - 1 >= 200
    np.testing.assert_allclose(traj.xy, np.array(case["xy"]), rtol=0, atol=1e-12)


def test_reference_covers_each_optimizer_on_three_surfaces_with_its_options():
    seen = Counter((c["optimizer"], c["surface"]) for c in CASES)
    for name in NEW:
        assert {s for (n, s) in seen if n == name} == {"rosenbrock", "ravine", "himmelblau"}
    muons = [c["hyper"] for c in CASES if c["optimizer"] == "muon"]
    assert {h.get("nesterov", True) for h in muons} == {True, False}
    assert {h.get("adjust_lr_fn") for h in muons} == {None, "match_rms_adamw"}
    assert any("weight_decay" not in h for h in muons)  # torch's default 0.1
    assert any("sparsity" in c for c in CASES if c["optimizer"] == "sparse_adam")
    assert any("eps" in c["hyper"] for c in CASES if c["optimizer"] == "adafactor")


@pytest.mark.parametrize("case", [c for c in CASES if "xy_vector" in c],
                         ids=[_id(c) for c in CASES if "xy_vector" in c])
def test_adafactor_on_one_row_takes_the_steps_of_its_unfactored_vector_path(case):
    """The docstring: for a 1×2 matrix the factored estimate R C / R is C, so torch's vector
    path (``variance``) gives the same steps up to rounding."""
    np.testing.assert_allclose(np.array(case["xy_vector"]), np.array(case["xy"]), rtol=0,
                               atol=1e-14)


# --------------------------------------------------------------------------------------------
# The naive transcriptions


NAIVE_CASES = [
    ("muon", {"lr": 0.01}),
    ("muon", {"lr": 0.02, "weight_decay": 0.0, "momentum": 0.8, "nesterov": False,
              "ns_steps": 2}),
    ("muon", {"lr": 0.01, "adjust_lr_fn": True, "ns_steps": 0}),
    ("adafactor", {}),
    ("adafactor", {"lr": 0.03, "eps": (1e-20, 0.05), "d": 1.2, "weight_decay": 0.02}),
    ("sparse_adam", {"lr": 0.01}),
    ("sparse_adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-4}),
]


@pytest.mark.parametrize(("name", "hyper"), NAIVE_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(NAIVE_CASES)])
@pytest.mark.parametrize("surface", ["rosenbrock", "booth", "beale"])
def test_kernels_match_naive_transcriptions(name, hyper, surface):
    surf = SURFACES[surface]
    steps = 60
    traj = run(surf, name, steps=steps, **hyper)
    assert traj.status == "completed"
    hp = dict(hyper)
    lrs = [hp.pop("lr", OPTIMIZERS[name].spec["lr"].default)] * steps
    ref = naive.NAIVE[name](surf.grad, surf.start, steps, lrs, **hp)
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sparsity", [0.5, (0.9, 0.0), (0.3, 0.6)])
def test_sparse_adam_matches_its_transcription_with_absent_coordinates(sparsity):
    surf = SURFACES["booth"]
    _, drop = stochastic(150, 0.0, sparsity, seed=5)
    traj = run(surf, "sparse_adam", steps=150, lr=0.05, sparsity=sparsity, seed=5)
    ref = naive.sparse_adam(surf.grad, surf.start, 150, [0.05] * 150, drop=drop.astype(bool))
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


def test_newton_schulz_kernel_is_the_transcription_bit_for_bit():
    rng = np.random.default_rng(3)
    for k in range(400):
        u, v = rng.standard_normal(2) * 10.0 ** rng.uniform(-8, 4, 2)
        steps, eps = int(k % 13), (1e-7, 1e-3, 0.5)[k % 3]
        h = np.array(muon.pack({**OPTIMIZERS["muon"].defaults(), "ns_steps": float(steps),
                                "eps": eps}))
        assert muon.newton_schulz(u, v, h) == naive.newton_schulz(u, v, steps, eps)


# --------------------------------------------------------------------------------------------
# Muon on a 1×2 matrix: a normalised momentum step


def test_newton_schulz_keeps_a_rank_one_direction_and_sets_its_singular_value():
    """NS_k([u v]) = σ_k [u v] / ‖[u v]‖: in exact arithmetic σ_1 ≈ 0.70, then swinging between
    about 0.7 and 1.1 (σ_5 ≈ 0.70 with the defaults); torch's bfloat16 gives 0.67 to 0.72."""
    sigma = [muon.singular_value(k) for k in range(7)]
    assert sigma[0] == 1.0 and sigma[1] == pytest.approx(0.7010, abs=1e-4)
    assert all(0.69 <= s <= 0.73 for s in sigma[1::2]) and all(1.08 <= s <= 1.12
                                                                for s in sigma[2::2])
    assert sigma[5] == pytest.approx(0.696, abs=1e-3)
    rng = np.random.default_rng(0)
    lengths = []
    for _ in range(200):
        u, v = rng.standard_normal(2) * 10.0 ** rng.uniform(-5, 5)
        for k in (0, 1, 2, 5):
            h = np.array(muon.pack({**OPTIMIZERS["muon"].defaults(), "ns_steps": float(k)}))
            o = np.array(muon.newton_schulz(u, v, h))
            unit = np.array([u, v]) / math.hypot(u, v)
            np.testing.assert_allclose(o, sigma[k] * unit, rtol=0, atol=0.025)
            assert abs(o[0] * unit[1] - o[1] * unit[0]) < 0.01  # parallel: one direction
            if k == 5:
                lengths.append(math.hypot(*o))
    assert 0.67 <= min(lengths) and max(lengths) <= 0.72


def test_muon_update_has_eight_significant_bits():
    traj = run("rosenbrock", "muon", steps=50, record=True)
    o = traj.state["update"]
    mantissa, _ = np.frexp(o[o != 0])
    assert np.all(mantissa * 256 == np.round(mantissa * 256))


@pytest.mark.parametrize("surface", ["rosenbrock", "ravine", "himmelblau", "booth"])
def test_every_muon_step_without_weight_decay_has_the_same_length(surface):
    lr = 0.01
    traj = run(surface, "muon", steps=300, lr=lr, weight_decay=0.0, record=True)
    lengths = np.hypot(*traj.updates.T)
    sigma5 = muon.singular_value(5)
    np.testing.assert_allclose(lengths, lr * sigma5, rtol=0.04)  # bfloat16 rounding
    np.testing.assert_allclose(traj.step_size[:, 0], lengths, rtol=1e-12)
    # whatever the gradient's size, which varies along the way
    sizes = np.hypot(*traj.grads.T)
    assert sizes.max() > 1.5 * sizes.min()


def test_muon_match_rms_adamw_scales_the_rate_by_02_sqrt_2():
    assert muon.lr_ratio(False) == 1.0 and muon.lr_ratio(False, (2, 1)) == math.sqrt(2)
    assert muon.lr_ratio(True) == 0.2 * math.sqrt(2)
    a = run("booth", "muon", steps=1, lr=0.1, weight_decay=0.0)
    b = run("booth", "muon", steps=1, lr=0.1, weight_decay=0.0, adjust_lr_fn="match_rms_adamw")
    np.testing.assert_allclose(b.xy[1] - b.xy[0], 0.2 * math.sqrt(2) * (a.xy[1] - a.xy[0]),
                               rtol=1e-12)


def test_muon_weight_decay_keeps_it_within_sigma_over_lambda_of_the_origin():
    """A step of fixed length γσ against the decay's pull γλ‖θ‖: Muon settles at the minimum
    of f within ‖θ‖ ≤ σ/λ (≈ 6.9 at torch's default λ = 0.1), on the disc's edge when the
    minimum lies beyond it; a minimum inside the disc is reached as without decay."""
    far = formula_surface("(x-8)^2+(y-8)^2", -20, 20, -20, 20)  # minimum 11.3 from the origin
    free = run(far, "muon", start=(0, 0), steps=4000, lr=0.05, weight_decay=0.0)
    decayed = run(far, "muon", start=(0, 0), steps=4000, lr=0.05)
    np.testing.assert_allclose(free.xy[-500:].mean(axis=0), [8, 8], atol=0.01)
    end = decayed.xy[-500:].mean(axis=0)
    assert np.linalg.norm(end) == pytest.approx(muon.singular_value(5) / 0.1, rel=0.03)
    assert end[0] == pytest.approx(end[1], abs=0.01)  # the disc's point nearest (8, 8)
    near = run("booth", "muon", steps=4000, lr=0.01)  # Booth's minimum (1, 3): 3.2 out
    np.testing.assert_allclose(near.xy[-500:].mean(axis=0), [1, 3], atol=0.01)
    small = run("booth", "muon", steps=4000, lr=0.01, weight_decay=1.0)  # σ/λ ≈ 0.7
    assert np.linalg.norm(small.xy[-500:].mean(axis=0)) == pytest.approx(0.7, abs=0.03)


def test_muon_with_zero_momentum_and_no_decay_steps_along_minus_the_gradient():
    traj = run("rosenbrock", "muon", steps=40, lr=0.01, momentum=0.0, weight_decay=0.0,
               record=True)
    g = traj.grads / np.hypot(*traj.grads.T)[:, None]
    u = traj.updates / np.hypot(*traj.updates.T)[:, None]
    np.testing.assert_allclose(u, -g, atol=0.01)


# --------------------------------------------------------------------------------------------
# Adafactor: the step scales with the point


@pytest.mark.parametrize("start", [(0.5, -0.5), (2.0, 1.0), (-4.0, 3.0)])
def test_adafactor_first_step_is_rate_times_rms_of_the_point_in_the_gradients_sign(start):
    """At t = 1, V = g², so U = sign(g) with RMS 1, and α = 0.01 RMS(θ0) (above ε2)."""
    traj = run("booth", "adafactor", start=start, steps=1)
    g = np.array(SURFACES["booth"].grad(*start))
    rms = math.hypot(*start) / math.sqrt(2)
    np.testing.assert_allclose(traj.xy[1] - traj.xy[0], -0.01 * rms * np.sign(g), rtol=1e-12)


def test_adafactor_is_slower_near_the_origin_on_the_same_bowl():
    """The same quadratic bowl, the same start relative to its minimum: with the minimum at the
    origin the point shrinks toward ε2 and its steps with it."""
    near = run(get_surface("ravine", condition=1.0, angle=0.0), "adafactor",
               start=(1.0, 1.0), steps=300)
    far = run("booth", "adafactor", start=(2.0, 4.0), steps=300)  # Booth's minimum is (1, 3)
    assert np.hypot(*np.diff(far.xy[:50], axis=0).T).mean() > 2 * np.hypot(
        *np.diff(near.xy[:50], axis=0).T).mean()


def test_adafactor_eps1_none_is_float64_machine_epsilon():
    a = run("rosenbrock", "adafactor", steps=30)
    b = run("rosenbrock", "adafactor", steps=30, eps=(None, 1e-3))
    np.testing.assert_array_equal(a.xy, b.xy)
    assert OPTIMIZERS["adafactor"].defaults()["eps"] == (EPS1_NONE, 1e-3) == (2.0**-52, 1e-3)


def test_adafactor_row_factor_is_the_mean_of_the_column_factors():
    traj = run("rosenbrock", "adafactor", steps=100, record=True)
    np.testing.assert_allclose(traj.state["row_var"][:, 0], traj.state["col_var"].mean(axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(traj.updates, -traj.step_size * traj.grads, rtol=1e-9,
                               atol=1e-18)


# --------------------------------------------------------------------------------------------
# SparseAdam: a missing coordinate is absent


def test_sparse_adam_leaves_an_absent_coordinate_and_its_moments_alone_adam_does_not():
    kw = {"steps": 200, "lr": 0.05, "sparsity": (0.7, 0.2), "seed": 9, "record": True}
    lazy = run("booth", "sparse_adam", **kw)
    dense = run("booth", "adam", **kw)
    _, drop = stochastic(200, 0.0, (0.7, 0.2), 9)
    absent = drop.astype(bool)
    for traj in (lazy, dense):
        assert np.all(traj.grads[absent] == 0.0)
    moved = lazy.updates != 0.0
    np.testing.assert_array_equal(moved, ~absent)  # moves exactly where present
    for name in ("exp_avg", "exp_avg_sq"):
        before = np.vstack([np.zeros((1, 2)), lazy.state[name][:-1]])
        assert np.all(lazy.state[name][absent] == before[absent])  # untouched
        dense_before = np.vstack([np.zeros((1, 2)), dense.state[name][:-1]])
        decayed = absent & (dense_before != 0)
        assert decayed.sum() > 50
        assert np.all(np.abs(dense.state[name][decayed]) < np.abs(dense_before[decayed]))
    # Adam keeps moving an absent coordinate on its momentum
    assert np.all(dense.updates[absent & (dense.state["exp_avg"] != 0)] != 0.0)
    np.testing.assert_array_equal(lazy.step_size[absent], 0.0)


def test_sparse_adam_step_when_both_coordinates_are_absent_does_nothing_but_counts():
    a = run("booth", "sparse_adam", steps=3, lr=0.1, sparsity=(1.0, 1.0))
    assert np.all(a.xy == a.xy[0])
    # t counts every step: a first present gradient at step 4 is bias-corrected with t = 4
    surf = SURFACES["booth"]
    drop = [(True, True)] * 3 + [(False, False)]
    ref = naive.sparse_adam(surf.grad, surf.start, 4, [0.1] * 4, drop=drop)
    mask = np.array(drop, dtype=float)
    lrs = np.full(4, 0.1)
    info = OPTIMIZERS["sparse_adam"]
    hp = info.validate({"lr": 0.1})
    xy, loss = np.full((5, 2), np.nan), np.empty(5)
    (xlo, xhi), (ylo, yhi) = surf.limit
    n = info.entry(info.pack(hp), info.initial_state(hp), np.empty((3, 4)), surf.sid, surf.p,
                   *surf.start, lrs, np.zeros((0, 2)), mask.astype(np.uint8),
                   np.empty(0, dtype=np.int64), np.array([xlo, xhi, ylo, yhi]), xy, loss,
                   np.empty((0, 2)), np.empty((0, 2)), np.empty((0, 2, 2)))
    assert n == 5
    np.testing.assert_allclose(xy, np.array(ref), rtol=1e-12)
    step = xy[4] - xy[3]
    # 0.1 sqrt(1 - 0.999^4)/(1 - 0.9^4) · 0.1 g / (sqrt(0.001) |g|): not Adam's first step of 0.1
    expected = 0.1 * math.sqrt(1 - 0.999**4) / (1 - 0.9**4) * 0.1 / math.sqrt(0.001)
    np.testing.assert_allclose(np.abs(step), expected, rtol=1e-6)


@pytest.mark.parametrize("surface", ["booth", "rosenbrock", "ravine"])
def test_sparse_adam_without_sparsity_is_adam_with_eps_scaled_by_the_bias_correction(surface):
    """Adam adds ε after the bias correction of v, SparseAdam before: SparseAdam at step t is
    Adam with ε/sqrt(1 - β2^t); so with ε small against the gradients the two coincide."""
    surf = SURFACES[surface]
    lazy = run(surf, "sparse_adam", steps=200, lr=0.01, eps=1e-3)
    theta, m, v = list(surf.start), [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 201):
        g = surf.grad(*theta)
        eps_t = 1e-3 / math.sqrt(1 - 0.999**t)
        for i in range(2):
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            theta[i] -= 0.01 * (m[i] / (1 - 0.9**t)) / (math.sqrt(v[i] / (1 - 0.999**t)) + eps_t)
        np.testing.assert_allclose(lazy.xy[t], theta, rtol=1e-10, atol=1e-12)
    a = run(surf, "adam", steps=200, lr=0.01, eps=1e-12)
    b = run(surf, "sparse_adam", steps=200, lr=0.01, eps=1e-12)
    np.testing.assert_allclose(a.xy, b.xy, rtol=0, atol=1e-8)


# --------------------------------------------------------------------------------------------
# Settings, as torch checks them


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("muon", {"ns_steps": 100}, "ns_steps"),
    ("muon", {"ns_steps": 2.5}, "whole number"),
    ("muon", {"momentum": -0.1}, "momentum should be >= 0"),
    ("muon", {"weight_decay": -1.0}, "weight decay should be >= 0"),
    ("muon", {"adjust_lr_fn": "other"}, "not supported"),
    ("adafactor", {"beta2_decay": 0.5}, "beta2_decay should be <= 0"),
    ("adafactor", {"d": 0.5}, "Clipping threshold d should be >= 1"),
    ("adafactor", {"eps": (-1.0, 1e-3)}, "epsilon should be >= 0"),
    ("sparse_adam", {"lr": 0.0}, "Invalid learning rate"),
    ("sparse_adam", {"eps": 0.0}, "Invalid epsilon value"),
    ("sparse_adam", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0"),
])
def test_validation_follows_torch(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run("rosenbrock", name, **kwargs)


def test_torch_spellings_of_adjust_lr_fn_and_defaults():
    spec = OPTIMIZERS["muon"].defaults()
    assert spec == {"lr": 1e-3, "weight_decay": 0.1, "momentum": 0.95, "nesterov": True,
                    "eps": 1e-7, "ns_steps": 5.0, "adjust_lr_fn": False}
    assert muon.NS_COEFFICIENTS == (3.4445, -4.7750, 2.0315)
    for same in (None, "original"):
        np.testing.assert_array_equal(run("booth", "muon", steps=5, adjust_lr_fn=same).xy,
                                      run("booth", "muon", steps=5).xy)
    assert OPTIMIZERS["adafactor"].defaults() == {"lr": 1e-2, "beta2_decay": -0.8,
                                                  "eps": (2.0**-52, 1e-3), "d": 1.0,
                                                  "weight_decay": 0.0}
    assert OPTIMIZERS["sparse_adam"].defaults() == {"lr": 1e-3, "betas": (0.9, 0.999),
                                                    "eps": 1e-8}


def test_the_budget_counts_muons_newton_schulz_iterations():
    """Up to 99 iterations a step (torch refuses 100): a race or a view's budget must see them."""
    from scene import budget

    surf = SURFACES["rosenbrock"]
    base = budget.step_ns("muon", OPTIMIZERS["muon"].validate({}), surf, 1000)
    most = budget.step_ns("muon", OPTIMIZERS["muon"].validate({"ns_steps": 99}), surf, 1000)
    assert most - base == pytest.approx(94 * budget.NEWTON_SCHULZ_NS)
    assert most > 4 * base


def test_a_new_process_loads_the_new_loops_instead_of_compiling_them():
    """Muon's loop holds bit casts of its own (bfloat16): it must be served from the on-disk
    cache like the others."""
    import subprocess
    import sys

    for name in NEW:
        run("rosenbrock", name, steps=2)
    code = ("from optimizers import OPTIMIZERS, run\n"
            f"for n in {NEW!r}:\n"
            "    run('rosenbrock', n, steps=2)\n"
            "    s = OPTIMIZERS[n].entry.stats\n"
            "    print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "0"] * len(NEW)


def test_every_latex_line_has_single_superscripts():
    """``a^{b}^2`` is an error to KaTeX: a squared number is bracketed."""
    import re

    for name in NEW:
        info = OPTIMIZERS[name]
        for hyper in ({}, {"weight_decay": 0.5}):
            hp = info.validate({k: v for k, v in hyper.items() if k in info.spec})
            for line in info.latex(hp, r"\gamma_t = 0.01"):
                assert not re.search(r"\^\{[^{}]*\}\^", line), line
                assert line.count("{") == line.count("}"), line
