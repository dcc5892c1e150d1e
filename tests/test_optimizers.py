"""The optimizers against reference values, closed forms, naive transcriptions and each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscapes import SURFACES, get_surface
from optimizers import OPTIMIZERS, adam, compiled, rmsprop, run, sgd
from tests import naive

ROSEN_START = (-1.2, 1.0)

# First three iterates on Rosenbrock from (-1.2, 1), float64 (reference tables of torch.optim).
FIRST_THREE = [
    ("sgd", {"lr": 1e-3},
     [(-0.9844, 1.088), (-1.027271566566, 1.064208672000), (-1.026883068234, 1.062424311895)]),
    ("sgd", {"lr": 1e-3, "momentum": 0.9},
     [(-0.9844, 1.088), (-0.833231566566, 1.143408672000), (-0.843206506743, 1.103449711105)]),
    ("momentum", {"lr": 1e-3},
     [(-0.9844, 1.088), (-0.833231566566, 1.143408672000), (-0.843206506743, 1.103449711105)]),
    ("sgd", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.5},
     [(-0.9844, 1.088), (-0.811795783283, 1.155304336000), (-0.735217733653, 1.166249044176)]),
    ("nesterov", {"lr": 1e-3},
     [(-0.79036, 1.1672), (-0.934804723169, 1.032318193248), (-1.018886182937, 0.948365997183)]),
    ("rmsprop", {"lr": 1e-3},
     [(-1.190000000005, 1.009999999989), (-1.183223387250, 1.016800702256),
      (-1.177833313744, 1.022220908916)]),
    ("rmsprop", {"lr": 1e-3, "centered": True},
     [(-1.189949621852, 1.010050378141), (-1.183106363460, 1.016918112790),
      (-1.177638212441, 1.022417128174)]),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.9},
     [(-1.190000000005, 1.009999999989), (-1.174223387254, 1.025800702245),
      (-1.154967221693, 1.045129104206)]),
    ("adam", {"lr": 1e-3},
     [(-1.199, 1.001), (-1.198000228389, 1.001999790346), (-1.197000838814, 1.002999229763)]),
    ("adam", {"lr": 1e-3, "amsgrad": True},
     [(-1.199, 1.001), (-1.198000228389, 1.001999790346), (-1.197000838814, 1.002999229763)]),
    ("adamw", {"lr": 1e-3},
     [(-1.198988, 1.00099), (-1.197976239975, 1.001979779241), (-1.196964874562, 1.002969195633)]),
    ("adagrad", {"lr": 1e-2},
     [(-1.19, 1.01), (-1.183241819965, 1.016782315453), (-1.177880701593, 1.022173556167)]),
    ("nadam", {},
     [(-1.197887096443, 1.002112903556), (-1.196332185454, 1.003668800606),
      (-1.194886028180, 1.005116389396)]),
    ("lion", {}, [(-1.1999, 1.0001), (-1.1998, 1.0002), (-1.1997, 1.0003)]),
]


@pytest.mark.parametrize(("name", "hyper", "expected"), FIRST_THREE,
                         ids=[f"{n}-{'-'.join(map(str, h.values()))}" for n, h, _ in FIRST_THREE])
def test_first_three_steps_match_torch(name, hyper, expected):
    traj = run("rosenbrock", name, start=ROSEN_START, steps=3, **hyper)
    np.testing.assert_allclose(traj.xy[0], ROSEN_START)
    np.testing.assert_allclose(traj.xy[1:], np.array(expected), rtol=0, atol=1e-12)
    assert traj.status == "completed"
    assert traj.loss[0] == pytest.approx(24.2, abs=1e-12)


def _ravine(k):
    return get_surface("ravine", condition=k, angle=0.0)


def test_gradient_descent_ravine_closed_form():
    k, lr = 10.0, 0.05
    traj = run(_ravine(k), "sgd", start=(1.0, 1.0), steps=40, lr=lr)
    t = np.arange(41)
    np.testing.assert_allclose(traj.xy[:, 0], (1 - lr) ** t, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(traj.xy[:, 1], (1 - lr * k) ** t, rtol=1e-12, atol=1e-15)


def test_heavy_ball_and_nesterov_ravine_values():
    surf = _ravine(10.0)
    hb = run(surf, "momentum", start=(1.0, 1.0), steps=5, lr=0.05, momentum=0.9)
    np.testing.assert_allclose(hb.xy[1:, 1], [0.5, -0.2, -0.73, -0.842, -0.5218], atol=1e-12)
    nv = run(surf, "nesterov", start=(1.0, 1.0), steps=5, lr=0.05, momentum=0.9)
    np.testing.assert_allclose(nv.xy[1:, 1],
                               [0.05, -0.4025, -0.404875, -0.20350625, -0.0111371875], atol=1e-12)


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_heavy_ball_follows_its_characteristic_polynomial(mu):
    # theta_t = (1 + mu - lr*lam) theta_{t-1} - mu theta_{t-2} for t >= 2.
    k, lr = 10.0, 0.03
    xy = run(_ravine(k), "momentum", start=(2.0, -1.5), steps=60, lr=lr, momentum=mu).xy
    for col, lam in ((0, 1.0), (1, k)):
        th = xy[:, col]
        pred = (1 + mu - lr * lam) * th[1:-1] - mu * th[:-2]
        np.testing.assert_allclose(th[2:], pred, rtol=1e-10, atol=1e-13)


def test_stability_thresholds_on_the_ravine():
    k = 10.0
    # GD is stable iff lr*k < 2; heavy ball iff lr*k < 2(1+mu).
    assert run(_ravine(k), "sgd", start=(1, 1), steps=300, lr=0.19).loss[-1] < 1e-6
    grows = run(_ravine(k), "sgd", start=(1, 1), steps=300, lr=0.21)
    assert grows.status == "diverged" or grows.loss[-1] > 1e3
    assert run(_ravine(k), "momentum", start=(1, 1), steps=2000, lr=0.37,
               momentum=0.9).loss[-1] < 1e-6


def test_momentum_zero_equals_sgd():
    for surf in ("rosenbrock", "himmelblau", "rastrigin"):
        a = run(surf, "sgd", steps=200, lr=1e-3)
        b = run(surf, "momentum", steps=200, lr=1e-3, momentum=0.0)
        np.testing.assert_array_equal(a.xy, b.xy)


def test_nesterov_kernel_with_zero_momentum_equals_sgd_and_api_refuses_it_like_torch():
    surf = SURFACES["rosenbrock"]
    lrs = np.full(20, 1e-3)
    h_nesterov, h_sgd = np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 0.0, 0.0, 0.0])
    c_nesterov, c_sgd = np.empty((sgd.COEFFS, 20)), np.empty((sgd.COEFFS, 20))
    sgd._coefficients(h_nesterov, lrs, c_nesterov)
    sgd._coefficients(h_sgd, lrs, c_sgd)
    theta_a, theta_b = [-1.2, 1.0], [-1.2, 1.0]
    state_a, state_b = np.zeros((1, 2)), np.zeros((1, 2))
    for t in range(1, 21):
        ga, gb = surf.grad(*theta_a), surf.grad(*theta_b)
        theta_a = [sgd._update(i, theta_a[i], ga[i], state_a, h_nesterov, c_nesterov, t)
                   for i in range(2)]
        theta_b = [sgd._update(i, theta_b[i], gb[i], state_b, h_sgd, c_sgd, t)
                   for i in range(2)]
        assert theta_a == theta_b
    assert theta_a != [-1.2, 1.0]
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        run("rosenbrock", "nesterov", momentum=0.0)


@pytest.mark.parametrize("module, h", [
    (sgd, np.array([0.0, 0.3, 0.0, 0.01])),            # no momentum (dampening has no effect)
    (rmsprop, np.array([0.9, 1e-8, 0.01, 0.0, 0.0])),  # neither momentum nor centered
    (adam, np.array([0.9, 0.99, 1e-8, 0.0, 0.0, 0.0])),  # no weight decay, no AMSGrad
])
def test_short_path_of_a_step_is_the_full_step_bit_for_bit(module, h):
    # The loop takes a step's short path when its flags are off; both must agree exactly.
    surf = SURFACES["rosenbrock"]
    lrs = np.full(30, 1e-3)
    c = np.empty((module.COEFFS, 30))
    module._coefficients(h, lrs, c)
    a, b = [-1.2, 1.0], [-1.2, 1.0]
    state_a, state_b = np.zeros((len(module.STATE), 2)), np.zeros((len(module.STATE), 2))
    for t in range(1, 31):
        ga, gb = surf.grad(*a), surf.grad(*b)
        a = [module._update(i, a[i], ga[i], state_a, h, c, t) for i in range(2)]
        b = [module._update_plain(i, b[i], gb[i], state_b, h, c, t) for i in range(2)]
        assert a == b
    np.testing.assert_array_equal(state_a, state_b)


def test_adam_with_beta1_zero_is_rmsprop_with_bias_correction():
    surf = SURFACES["rosenbrock"]
    lr, b2, eps = 1e-2, 0.99, 1e-8
    traj = run(surf, "adam", start=ROSEN_START, steps=100, lr=lr, betas=(0.0, b2), eps=eps)
    theta, v = list(ROSEN_START), [0.0, 0.0]
    for t in range(1, 101):
        g = surf.grad(*theta)
        for i in range(2):
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            theta[i] -= lr * g[i] / (math.sqrt(v[i] / (1 - b2**t)) + eps)
        np.testing.assert_allclose(traj.xy[t], theta, rtol=1e-11, atol=1e-13)


CASES = [
    ("sgd", {"lr": 2e-3, "momentum": 0.7, "dampening": 0.2, "weight_decay": 0.01}),
    ("nesterov", {"lr": 1e-3, "momentum": 0.8, "weight_decay": 0.05}),
    ("rmsprop", {"lr": 3e-3, "alpha": 0.9, "momentum": 0.5, "centered": True,
                 "weight_decay": 0.01}),
    ("rmsprop", {"lr": 3e-3, "alpha": 0.3, "centered": True}),
    ("adam", {"lr": 1e-2, "betas": (0.8, 0.99), "weight_decay": 0.02, "amsgrad": True}),
    ("adamw", {"lr": 1e-2, "betas": (0.5, 0.9), "weight_decay": 0.1}),
    ("adagrad", {"lr": 5e-2, "lr_decay": 0.01, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.1}),
    ("nadam", {"lr": 1e-2, "momentum_decay": 0.05, "weight_decay": 0.01}),
    ("nadam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("lion", {"lr": 1e-3, "betas": (0.95, 0.98), "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("surface", ["rosenbrock", "booth", "beale"])
def test_kernels_match_naive_transcriptions(name, hyper, surface):
    surf = SURFACES[surface]
    steps = 60
    traj = run(surf, name, steps=steps, **hyper)
    assert traj.status == "completed"
    hp = dict(hyper)
    lrs = [hp.pop("lr")] * steps
    ref = naive.NAIVE[name](surf.grad, surf.start, steps, lrs, **hp)
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_schedule_feeds_the_update_index_from_zero(name):
    surf = SURFACES["booth"]
    sched = {"name": "warmup_cosine", "warmup": 5, "total": 40}
    traj = run(surf, name, steps=40, schedule=sched, lr=0.01)
    assert traj.lr[0] == 0.0  # the warmup starts at 0: the first update does not move ...
    if name == "rprop":  # ... except Rprop's, whose step size is clamped to its smallest
        np.testing.assert_allclose(np.abs(traj.xy[1] - traj.xy[0]), 1e-6, rtol=1e-9)
    else:
        np.testing.assert_array_equal(traj.xy[1], traj.xy[0])
    ref = naive.NAIVE[name](surf.grad, surf.start, 40, list(traj.lr))
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


def test_divergence_is_a_result_with_only_finite_points():
    traj = run("rosenbrock", "sgd", start=ROSEN_START, steps=500, lr=0.05)
    assert traj.status == "diverged"
    assert traj.diverged_at is not None and 1 <= traj.diverged_at <= 500
    assert len(traj.xy) == traj.diverged_at == len(traj.loss)
    assert len(traj.lr) == len(traj.xy) - 1
    assert np.isfinite(traj.xy).all() and np.isfinite(traj.loss).all()
    (xlo, xhi), (ylo, yhi) = SURFACES["rosenbrock"].limit
    assert ((traj.xy[:, 0] >= xlo) & (traj.xy[:, 0] <= xhi)).all()
    # The same settings with a tenth of the step do not diverge.
    assert run("rosenbrock", "sgd", start=ROSEN_START, steps=500, lr=1e-3).status == "completed"


def test_saddle_escape_leaves_the_limit_box_and_is_reported():
    traj = run("saddle", "sgd", start=(1.0, 1e-3), steps=5000, lr=0.1)
    # Running off downhill is not divergence: it is said in neutral words.
    assert traj.status == "left" and traj.stop_text == f"left the map at step {traj.off_map_at}"
    # It left the map as drawn well before it left the limit box, 50 times the map's size.
    (x0, x1), (y0, y1) = get_surface("saddle").bounds
    k = traj.off_map_at
    assert 0 < k < traj.diverged_at
    assert not (x0 <= traj.xy[k, 0] <= x1 and y0 <= traj.xy[k, 1] <= y1)
    assert x0 <= traj.xy[k - 1, 0] <= x1 and y0 <= traj.xy[k - 1, 1] <= y1
    assert np.isfinite(traj.xy).all()
    assert np.all(np.diff(traj.loss[-20:]) < 0)  # it was still going downhill


def test_blowing_up_is_divergence_even_when_it_leaves_the_box():
    traj = run("rosenbrock", "sgd", start=ROSEN_START, steps=500, lr=0.05)
    assert traj.status == "diverged" and traj.stop_text.startswith("diverged at step")
    assert run("rosenbrock", "sgd", start=ROSEN_START, steps=50, lr=1e-3).stop_text == ""


def test_record_keeps_gradients_updates_and_torch_state_names():
    traj = run("rosenbrock", "adam", start=ROSEN_START, steps=50, lr=1e-2, record=True)
    assert set(traj.state) == {"exp_avg", "exp_avg_sq"}  # no max_exp_avg_sq without AMSGrad
    np.testing.assert_allclose(traj.updates, np.diff(traj.xy, axis=0), rtol=0, atol=1e-15)
    surf = SURFACES["rosenbrock"]
    np.testing.assert_allclose(traj.grads[0], surf.grad(*ROSEN_START))
    np.testing.assert_allclose(traj.state["exp_avg"][0], 0.1 * traj.grads[0], rtol=1e-14)
    np.testing.assert_allclose(traj.state["exp_avg_sq"][0], 0.001 * traj.grads[0] ** 2,
                               rtol=1e-12)
    # Adam's update is -step_size * m.
    np.testing.assert_allclose(traj.updates, -traj.step_size * traj.state["exp_avg"], rtol=1e-9,
                               atol=1e-16)
    sgd = run("rosenbrock", "momentum", steps=10, record=True)
    assert list(sgd.state) == ["momentum_buffer"]
    np.testing.assert_allclose(sgd.state["momentum_buffer"][0], sgd.grads[0])
    rms = run("rosenbrock", "rmsprop", steps=10, record=True)
    assert list(rms.state) == ["square_avg"]  # neither centered nor momentum
    assert list(run("rosenbrock", "adagrad", steps=3, record=True,
                    initial_accumulator_value=0.5).state["sum"][0]
                - np.array(surf.grad(*surf.start)) ** 2) == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("name, hyper, moved_by", [
    ("sgd", {"lr": 1e-3}, "grads"),
    ("rmsprop", {"lr": 1e-3}, "grads"),
    ("rmsprop", {"lr": 1e-3, "centered": True}, "grads"),
    ("adagrad", {"lr": 1e-2, "lr_decay": 0.01}, "grads"),
    ("adam", {"lr": 1e-2, "amsgrad": True}, "exp_avg"),
    ("adamw", {"lr": 1e-2, "weight_decay": 0.0}, "exp_avg"),
])
def test_recorded_step_size_is_the_factor_the_update_applied(name, hyper, moved_by):
    traj = run("rosenbrock", name, start=ROSEN_START, steps=60, record=True, **hyper)
    direction = traj.grads if moved_by == "grads" else traj.state[moved_by]
    assert np.all(traj.step_size > 0)
    np.testing.assert_allclose(traj.updates, -traj.step_size * direction, rtol=1e-9, atol=1e-16)


def test_lion_moves_each_coordinate_by_the_recorded_step_size():
    traj = run("rosenbrock", "lion", start=ROSEN_START, steps=60, lr=1e-3, record=True)
    np.testing.assert_allclose(np.abs(traj.updates), traj.step_size, rtol=1e-9)


def test_same_seed_gives_every_optimizer_the_same_noise():
    kw = {"steps": 30, "noise": 0.5, "seed": 7, "record": True}
    surf = SURFACES["booth"]
    a = run(surf, "sgd", lr=1e-3, **kw)
    b = run(surf, "adam", lr=1e-2, **kw)
    true_a = np.array([surf.grad(*p) for p in a.xy[:-1]])
    true_b = np.array([surf.grad(*p) for p in b.xy[:-1]])
    np.testing.assert_allclose(a.grads - true_a, b.grads - true_b, atol=1e-12)
    assert np.std(a.grads - true_a) == pytest.approx(0.5, rel=0.3)
    c = run(surf, "sgd", lr=1e-3, **{**kw, "seed": 8})
    assert not np.allclose(c.grads - np.array([surf.grad(*p) for p in c.xy[:-1]]),
                           a.grads - true_a)


def test_sparsity_zeroes_coordinates_with_the_given_probability():
    traj = run("booth", "sgd", steps=4000, lr=1e-3, sparsity=0.7, seed=3, record=True)
    frac = np.mean(traj.grads == 0.0)
    assert 0.67 < frac < 0.73
    # Noise draws do not change when only the sparsity changes.
    n1 = run("booth", "sgd", steps=50, lr=1e-3, noise=1.0, seed=3, record=True)
    n2 = run("booth", "sgd", steps=50, lr=1e-3, noise=1.0, sparsity=1.0, seed=3, record=True)
    assert (n2.grads == 0).all() and not (n1.grads == 0).any()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": -1.0}, "Invalid learning rate: -1.0"),
    ({"momentum": -0.1}, "Invalid momentum value"),
    ({"weight_decay": -1}, "Invalid weight_decay value"),
    ({"bogus": 1}, "Unknown hyperparameter 'bogus'"),
])
def test_sgd_validation_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run("rosenbrock", "sgd", **kwargs)


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("adam", {"betas": (1.0, 0.9)}, r"Invalid beta parameter at index 0: 1.0 .*\[0, 1\)"),
    ("adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1"),
    ("adam", {"eps": -1e-8}, "Invalid epsilon value"),
    ("rmsprop", {"alpha": -0.5}, "Invalid alpha value"),
    ("adagrad", {"lr_decay": -1}, "Invalid lr_decay value"),
    ("adagrad", {"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value"),
    ("nadam", {"momentum_decay": -1}, "Invalid momentum_decay value"),
    ("sgd", {"nesterov": True}, "Nesterov momentum requires"),
    ("sgd", {"lr": float("nan")}, "Invalid learning rate"),
])
def test_validation_messages_name_parameter_and_range(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run("rosenbrock", name, **kwargs)


def test_run_argument_validation():
    with pytest.raises(ValueError, match="Unknown optimizer"):
        run("rosenbrock", "sgdd")
    with pytest.raises(ValueError, match="Unknown surface"):
        run("banana", "sgd")
    with pytest.raises(ValueError, match="Invalid steps"):
        run("rosenbrock", "sgd", steps=-5)
    with pytest.raises(ValueError, match="Invalid start"):
        run("rosenbrock", "sgd", start=(1e12, 0))
    with pytest.raises(ValueError, match="Invalid noise"):
        run("rosenbrock", "sgd", noise=-1)
    with pytest.raises(ValueError, match="Invalid sparsity"):
        run("rosenbrock", "sgd", sparsity=2)


def test_zero_steps_gives_the_start_only():
    traj = run("rosenbrock", "adam", steps=0)
    assert traj.xy.shape == (1, 2) and traj.lr.shape == (0,) and traj.status == "completed"


def test_compiled_tells_whether_the_loops_are_on_disk(tmp_path):
    assert not compiled(["adam"], cache_dir=tmp_path)
    (tmp_path / "_driver._loop_adam-129.py311.nbi").write_bytes(b"")
    assert compiled(["adam", "adamw"], cache_dir=tmp_path)  # one loop serves both
    assert not compiled(["adam", "sgd"], cache_dir=tmp_path)
    run("rosenbrock", "sgd", steps=2)  # this process has compiled (or loaded) the SGD loop
    assert compiled(["sgd", "momentum"])


def test_each_family_has_one_compiled_loop_under_a_name_of_its_own():
    from optimizers import _driver

    entries = {n: i.entry for n, i in OPTIMIZERS.items() if i.family is not None}
    assert entries["adam"] is entries["adamw"] and entries["sgd"] is entries["nesterov"]
    loops = set(entries.values())
    # the name is the loop's file in Numba's cache: two families sharing one would share code
    assert len({e.py_func.__qualname__ for e in loops}) == len(loops) == len(_driver.families())
    assert OPTIMIZERS["lbfgs"].family is None and "lbfgs" not in entries


def test_a_new_process_loads_the_loops_instead_of_compiling_them():
    import subprocess
    import sys
    from pathlib import Path

    for name in ("adam", "rprop"):
        run("rosenbrock", name, steps=2)  # on disk now, compiled or loaded by this process
    code = ("from optimizers import OPTIMIZERS, run\n"
            "for n in ('adam', 'rprop'):\n"
            "    run('rosenbrock', n, steps=2)\n"
            "    s = OPTIMIZERS[n].entry.stats\n"
            "    print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "0", "1", "0"]  # one cache hit, no miss, for each

@pytest.mark.parametrize("name, hyper, held", [
    ("sgd", {}, []),
    ("sgd", {"momentum": 0.5}, ["momentum_buffer"]),
    ("momentum", {"momentum": 0.0}, []),
    ("nesterov", {}, ["momentum_buffer"]),
    ("adam", {}, ["exp_avg", "exp_avg_sq"]),
    ("adam", {"amsgrad": True}, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
    ("adamw", {}, ["exp_avg", "exp_avg_sq"]),
    ("adamw", {"amsgrad": True}, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
    ("rmsprop", {}, ["square_avg"]),
    ("rmsprop", {"centered": True}, ["square_avg", "grad_avg"]),
    ("rmsprop", {"momentum": 0.9}, ["square_avg", "momentum_buffer"]),
    ("rmsprop", {"centered": True, "momentum": 0.9},
     ["square_avg", "grad_avg", "momentum_buffer"]),
    ("adagrad", {}, ["sum"]),
    ("nadam", {}, ["exp_avg", "exp_avg_sq", "mu_product"]),
    ("lion", {}, ["exp_avg"]),
])
def test_recorded_state_holds_only_the_buffers_torch_keeps(name, hyper, held):
    """The step inspector lists ``traj.state``: it must not show buffers that torch does not
    create for these settings (SGD's momentum_buffer at momentum 0, Adam's max_exp_avg_sq
    without AMSGrad, RMSProp's grad_avg when not centered)."""
    traj = run("rosenbrock", name, steps=5, record=True, **hyper)
    assert list(traj.state) == held
    assert all(arr.shape == (5, 2) for arr in traj.state.values())
    assert list(OPTIMIZERS[name].held_state(traj.hyper)) == held



def test_pair_hyperparameters_label_each_element_from_their_own_spec():
    """The app labels the two betas from the optimizer's spec: Adam's and NAdam's are moment
    decay rates, Lion's are not (Lion keeps no second moment)."""
    for name, info in OPTIMIZERS.items():
        for h in info.spec.values():
            if h.kind == "pair":
                assert len(h.labels) == 2, name
            if h.name == "betas" and h.kind == "pair":
                assert h.labels[0].startswith("β1") and h.labels[1].startswith("β2"), name
    for name in ("adam", "adamw", "nadam"):
        assert OPTIMIZERS[name].spec["betas"].labels == ("β1 (first moment)",
                                                         "β2 (second moment)")
    b1, b2 = OPTIMIZERS["lion"].spec["betas"].labels
    assert "moment)" not in b1 + b2 and "second" not in b1 + b2
    assert "interpolation" in b1  # c_t = β1 m_{t-1} + (1 - β1) g_t gives the update's sign
    assert "momentum decay" in b2  # m_t = β2 m_{t-1} + (1 - β2) g_t


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_module_says_what_its_state_holds(name):
    module = OPTIMIZERS[name].module
    assert set(module.STATE_TEXT) == set(module.STATE)
    assert all(isinstance(v, str) and v.strip() for v in module.STATE_TEXT.values())
    assert set(getattr(module, "SCALAR_STATE", ())) <= set(module.STATE)
