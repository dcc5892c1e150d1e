"""SAM over SGD and Adam, and Schedule-Free SGD and AdamW: settings, refusals and behaviour
(agreement with the reference implementations is in ``tests/test_refs.py``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import OPTIMIZERS, adam, run, schedulefree


@pytest.mark.parametrize(("name", "hyper", "message"), [
    ("sam_sgd", {"rho": -0.1}, "Invalid rho"),
    ("sam_sgd", {"lr": -1.0}, "Invalid learning rate"),
    ("sam_sgd", {"nesterov": True}, "Nesterov momentum requires"),
    ("sam_adam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1"),
    ("sam_adam", {"adaptive": "yes"}, "adaptive must be True or False"),
    ("sgd_schedulefree", {"momentum": 0.0}, "Momentum must be between 0 and 1 exclusive"),
    ("sgd_schedulefree", {"momentum": 1.0}, "Momentum must be between 0 and 1 exclusive"),
    ("sgd_schedulefree", {"warmup_steps": 2.5}, "whole number"),
    ("sgd_schedulefree", {"weight_decay": -1}, "Invalid weight_decay value"),
    ("adamw_schedulefree", {"betas": (0.9, 1.0)}, "index 1"),
    ("adamw_schedulefree", {"eps": -1e-8}, "Invalid epsilon value"),
    ("adamw_schedulefree", {"r": -1}, "Invalid r"),
])
def test_bad_settings_raise_a_value_error_naming_them(name, hyper, message):
    with pytest.raises(ValueError, match=message):
        run("rosenbrock", name, steps=3, **hyper)


def test_defaults_follow_the_reference_implementations():
    assert OPTIMIZERS["sam_sgd"].defaults()["rho"] == 0.05
    assert OPTIMIZERS["sam_adam"].defaults()["betas"] == (0.9, 0.999)
    sgd_sf = OPTIMIZERS["sgd_schedulefree"].defaults()
    assert sgd_sf == {"lr": 1.0, "momentum": 0.9, "weight_decay": 0.0, "warmup_steps": 0.0,
                      "r": 0.0, "weight_lr_power": 2.0}
    assert OPTIMIZERS["adamw_schedulefree"].defaults()["lr"] == 0.0025


def test_sam_with_rho_0_is_its_base_optimizer():
    for sam, base, hyper in (("sam_sgd", "momentum", {"lr": 1e-3, "momentum": 0.9}),
                             ("sam_adam", "adam", {"lr": 0.01, "amsgrad": True})):
        a = run("rosenbrock", sam, steps=100, rho=0.0, **hyper)
        b = run("rosenbrock", base, steps=100, **hyper)
        np.testing.assert_array_equal(a.xy, b.xy)


def test_sam_perturbation_has_length_rho_along_the_gradient():
    traj = run("himmelblau", "sam_sgd", steps=30, record=True, lr=0.005, rho=0.2)
    surf = get_surface("himmelblau")
    e_w = traj.state["e_w"]
    np.testing.assert_allclose(np.hypot(*e_w.T), 0.2, rtol=1e-9)
    for (x, y), e in zip(traj.xy[:-1], e_w, strict=True):
        g = np.array(surf.grad(x, y))
        np.testing.assert_allclose(e, 0.2 * g / np.hypot(*g), rtol=1e-9)
    # the gradient the step used is the one at the perturbed point
    for (x, y), e, g in zip(traj.xy[:-1], e_w, traj.grads, strict=True):
        np.testing.assert_allclose(g, surf.grad(x + e[0], y + e[1]), rtol=1e-12)
    np.testing.assert_allclose(traj.updates, -0.005 * traj.grads, rtol=1e-12)


def test_adaptive_sam_scales_the_perturbation_by_theta_squared():
    traj = run("himmelblau", "sam_sgd", start=(1.0, -3.0), steps=1, record=True, lr=1e-3,
               rho=0.5, adaptive=True)
    g = np.array(get_surface("himmelblau").grad(1.0, -3.0))
    w = np.array([1.0, -3.0])
    expected = 0.5 * w**2 * g / (np.hypot(*(np.abs(w) * g)) + 1e-12)
    np.testing.assert_allclose(traj.state["e_w"][0], expected, rtol=1e-14)


def test_sam_state_lists_the_perturbation_and_the_base_buffers():
    sgd = run("rosenbrock", "sam_sgd", steps=2, record=True, momentum=0.9)
    assert list(sgd.state) == ["e_w", "momentum_buffer"]
    plain = run("rosenbrock", "sam_sgd", steps=2, record=True)
    assert list(plain.state) == ["e_w"]
    ad = run("rosenbrock", "sam_adam", steps=2, record=True, amsgrad=True)
    assert list(ad.state) == ["e_w", *adam.STATE]


def test_schedulefree_first_step_is_a_plain_step_and_x_lies_between():
    """c_1 = 1, so y_1 = z_0 - γ g = y_0 - γ g; z_1 is the same point; x = y + (1 - 1/β)(z - y)."""
    traj = run("rosenbrock", "sgd_schedulefree", steps=40, record=True, lr=1e-3)
    np.testing.assert_allclose(traj.xy[1], traj.xy[0] - 1e-3 * traj.grads[0], rtol=1e-15)
    np.testing.assert_allclose(traj.state["z"][0], traj.xy[1], rtol=1e-15)
    y, z, x = traj.xy[1:], traj.state["z"], traj.state["x"]
    np.testing.assert_allclose(y, 0.1 * z + 0.9 * x, rtol=1e-9, atol=1e-12)


def test_schedulefree_warmup_ramps_the_rate_and_weights():
    hp = OPTIMIZERS["sgd_schedulefree"].validate({"lr": 0.1, "warmup_steps": 4})
    h = OPTIMIZERS["sgd_schedulefree"].pack(hp)
    c = np.empty((schedulefree.COEFFS, 6))
    schedulefree._coefficients.py_func(h, np.full(6, 0.1), c)
    np.testing.assert_allclose(c[0], [0.025, 0.05, 0.075, 0.1, 0.1, 0.1])
    w = np.array([0.025, 0.05, 0.075, 0.1, 0.1, 0.1]) ** 2  # weight_lr_power 2, r 0
    np.testing.assert_allclose(c[1], w / np.cumsum(w))


def test_schedulefree_adamw_at_beta1_0_keeps_y_z_and_x_together():
    traj = run("himmelblau", "adamw_schedulefree", steps=20, record=True, lr=0.05,
               betas=(0.0, 0.999))
    np.testing.assert_allclose(traj.state["z"], traj.xy[1:], rtol=1e-12)
    np.testing.assert_array_equal(traj.state["x"], traj.xy[1:])


def test_schedulefree_adamw_state_and_step_size():
    traj = run("himmelblau", "adamw_schedulefree", steps=20, record=True, lr=0.05)
    assert list(traj.state) == ["z", "x", "exp_avg_sq"]
    assert np.all(np.isfinite(traj.step_size)) and np.all(traj.step_size > 0)
    assert traj.status == "completed"


def test_every_new_module_writes_its_rule():
    for name in ("sam_sgd", "sam_adam", "sgd_schedulefree", "adamw_schedulefree"):
        info = OPTIMIZERS[name]
        hp = info.validate({"weight_decay": 0.01})
        lines = info.latex(hp, r"\gamma_t = 0.01")
        assert lines and all(isinstance(line, str) and line for line in lines)
    sam_lines = OPTIMIZERS["sam_adam"].latex(OPTIMIZERS["sam_adam"].validate({}), "")
    assert any(r"\varepsilon_t" in line for line in sam_lines[1:])  # the base uses ∇f(θ + ε)
    assert not math.isnan(OPTIMIZERS["sam_adam"].defaults()["rho"])


NAIVE_CASES = [
    ("lbfgs", "himmelblau", {"lr": 0.1, "history_size": 5}),
    ("lbfgs", "booth", {"lr": 0.5}),
    ("sam_sgd", "himmelblau", {"lr": 5e-3, "momentum": 0.9, "rho": 0.1, "weight_decay": 0.01}),
    ("sam_sgd", "beale", {"lr": 1e-2, "rho": 0.2, "adaptive": True}),
    ("sam_adam", "rosenbrock", {"lr": 1e-2, "rho": 0.1, "amsgrad": True}),
    ("sgd_schedulefree", "booth", {"lr": 0.02, "warmup_steps": 10, "r": 1.0, "momentum": 0.8}),
    ("adamw_schedulefree", "himmelblau", {"lr": 0.05, "weight_decay": 0.01,
                                          "weight_lr_power": 1.0}),
]


@pytest.mark.parametrize(("name", "surface", "hyper"), NAIVE_CASES,
                         ids=[f"{n}-{s}" for n, s, _ in NAIVE_CASES])
def test_loops_match_naive_transcriptions(name, surface, hyper):
    from tests import naive

    surf = get_surface(surface)
    traj = run(surf, name, steps=60, **hyper)
    assert traj.status == "completed"
    hp = dict(hyper)
    ref = naive.NAIVE[name](surf.grad, surf.start, 60, [hp.pop("lr")] * 60, **hp)
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)
