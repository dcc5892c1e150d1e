"""Data surfaces: a model's loss over a dataset, its exact derivatives, true minibatches drawn as
a shuffling DataLoader draws them, and 200 minibatch steps equal to torch.optim's."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from landscapes import DATASETS, MODELS, get_surface, grid
from landscapes import _data_kernels as D
from landscapes.data import dataset, max_margin_direction, pack
from optimizers import OPTIMIZERS, run, sweep, work_per_step

REFERENCE = json.loads((Path(__file__).with_name("data") / "batch_reference.json")
                       .read_text(encoding="utf-8"))

#: Every model with every dataset of its kind, raw and standardised.
PAIRS = [(m, d, s) for m, model in MODELS.items() for d, (_, kind) in DATASETS.items()
         if kind == model.kind for s in (0, 1)]


def _rows(surf) -> np.ndarray:
    n, d = int(surf.p[1]), int(surf.p[2])
    return surf.p[D.HEAD:].reshape(n, d)


def _naive(model: str, rows: np.ndarray, a: float, b: float) -> float:
    """The mean loss written out in NumPy, independently of the kernels."""
    if model == "linear":
        return float(np.mean((a * rows[:, 0] + b - rows[:, 1]) ** 2))
    if model == "logistic":
        m = rows[:, 2] * (a * rows[:, 0] + b * rows[:, 1])
        return float(np.mean(np.logaddexp(0.0, -m)))
    if model == "product":
        return float(np.mean((b * a * rows[:, 0] - rows[:, 1]) ** 2))
    if model == "features":
        return float(np.mean((a * rows[:, 0] + b * rows[:, 1] - rows[:, 2]) ** 2))
    return float(np.mean((b * np.tanh(a * rows[:, 0]) - rows[:, 1]) ** 2))


@pytest.mark.parametrize("case", REFERENCE["cases"],
                         ids=lambda c: f"{c['surface']['model']}-{c['optimizer']}")
def test_minibatch_paths_equal_torch_fed_the_same_batches(case):
    surf = get_surface("data", **case["surface"])
    traj = run(surf, case["optimizer"], start=case["start"], steps=REFERENCE["steps"],
               batch_size=case["batch"], seed=case["seed"], **case["hyper"])
    ref = np.array(case["xy"])
    assert traj.status == "completed" and traj.xy.shape == ref.shape
    np.testing.assert_allclose(traj.xy, ref, rtol=0, atol=1e-12)
    # and the minibatch path is not the full-batch one: the batches made a difference
    full = run(surf, case["optimizer"], start=case["start"], steps=REFERENCE["steps"],
               **case["hyper"])
    assert np.abs(full.xy[-1] - traj.xy[-1]).max() > 1e-4


@pytest.mark.parametrize("n,size", [(10, 3), (342, 8), (200, 32), (7, 7 - 1), (5, 1)])
def test_batches_are_dataloader_epochs(n, size):
    steps = 3 * math.ceil(n / size) + 2
    rows = D.batch_rows(n, size, 11, steps)
    per = math.ceil(n / size)
    for e in range(3):
        epoch = rows[e * per:(e + 1) * per]
        assert sorted(np.concatenate(epoch).tolist()) == list(range(n))  # each row once
        assert [len(b) for b in epoch] == [size] * (per - 1) + [n - size * (per - 1)]
    firsts = [np.concatenate(rows[e * per:(e + 1) * per]).tolist() for e in range(2)]
    if n > 2:
        assert firsts[0] != firsts[1]  # a fresh order each epoch
    assert [b.tolist() for b in D.batch_rows(n, size, 11, steps)] == [b.tolist() for b in rows]
    other = D.batch_rows(n, size, 12, steps)
    if n > 2:
        assert [b.tolist() for b in other] != [b.tolist() for b in rows]


def test_every_racer_with_the_same_batch_size_sees_the_same_batches():
    """Two optimizers' gradients at step t come from the same rows: SGD's recorded gradient is
    the batch gradient of the rows batch_rows lists, at the point it stood on."""
    surf = get_surface("data", model="tanh", dataset="wave")
    rows = _rows(surf)
    order = D.batch_rows(len(rows), 16, 5, 40)
    for name in ("sgd", "adam"):
        traj = run(surf, name, steps=40, batch_size=16, seed=5, record=True, lr=0.05)
        for t in (0, 13, 39):
            a, b = traj.xy[t]
            sub = pack(MODELS["tanh"], rows[order[t]])
            np.testing.assert_allclose(traj.grads[t], D.data(sub, a, b)[1:], rtol=1e-13,
                                       atol=1e-15)


def test_batch_of_every_row_is_the_full_gradient_and_batch_n_is_full_batch():
    surf = get_surface("data", model="logistic", dataset="penguins-bills")
    n = int(surf.p[1])
    state = D.new_batches(n, n - 1, 0)
    state[0] = n  # one batch holding every row, in a shuffled order
    for a, b in [(0.3, -0.7), (2.0, 1.0)]:
        np.testing.assert_allclose(D.batch_grad(surf.p, a, b, state, 1), D.data(surf.p, a, b),
                                   rtol=1e-12)
    full = run(surf, "adam", steps=200, lr=0.05)
    same = run(surf, "adam", steps=200, lr=0.05, batch_size=n)
    np.testing.assert_allclose(same.xy, full.xy, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model,data,std", PAIRS)
def test_value_gradient_and_hessian_are_exact(model, data, std):
    surf = get_surface("data", model=model, dataset=data, standardize=std)
    rows = _rows(surf)
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = surf.bounds
    for a, b in zip(rng.uniform(x0, x1, 4), rng.uniform(y0, y1, 4), strict=True):
        f, ga, gb = surf.value_grad(a, b)
        assert f == pytest.approx(_naive(model, rows, a, b), rel=1e-11, abs=1e-12)
        h = 1e-6
        fd = [(_naive(model, rows, a + h, b) - _naive(model, rows, a - h, b)) / (2 * h),
              (_naive(model, rows, a, b + h) - _naive(model, rows, a, b - h)) / (2 * h)]
        np.testing.assert_allclose([ga, gb], fd, rtol=1e-5, atol=1e-6 * (1 + abs(f)))
        haa, hab, hbb = surf.hessian(a, b)
        gp, gm = surf.grad(a + h, b), surf.grad(a - h, b)
        qp, qm = surf.grad(a, b + h), surf.grad(a, b - h)
        np.testing.assert_allclose([haa, hab, hbb],
                                   [(gp[0] - gm[0]) / (2 * h), (gp[1] - gm[1]) / (2 * h),
                                    (qp[1] - qm[1]) / (2 * h)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model,data,std", PAIRS)
def test_listed_minima_and_saddles_are_stationary(model, data, std):
    surf = get_surface("data", model=model, dataset=data, standardize=std)
    for p in surf.minima + surf.saddles:
        f, ga, gb = surf.value_grad(p.x, p.y)
        assert f == pytest.approx(p.f, rel=1e-12) and math.hypot(ga, gb) < 1e-8
    for p in surf.minima:
        haa, hab, hbb = surf.hessian(p.x, p.y)
        assert haa * hbb - hab * hab >= -1e-9 and haa >= 0  # no descent direction
    for p in surf.saddles:
        haa, hab, hbb = surf.hessian(p.x, p.y)
        assert haa * hbb - hab * hab < 0
    if surf.minima:
        assert surf.f_min == min(p.f for p in surf.minima)
        (x0, x1), (y0, y1) = surf.bounds
        assert all(x0 <= p.x <= x1 and y0 <= p.y <= y1 for p in surf.minima)


def test_uncentred_inputs_make_a_ravine_and_standardised_ones_a_round_bowl():
    def condition(std):
        surf = get_surface("data", model="linear", dataset="penguins-mass", standardize=std)
        haa, hab, hbb = surf.hessian(0.0, 0.0)
        ev = np.linalg.eigvalsh([[haa, hab], [hab, hbb]])
        return ev[1] / ev[0]

    assert condition(0) > 1000 and condition(1) == pytest.approx(1.0, abs=1e-9)


def test_two_layer_minima_form_a_valley_sharper_where_the_weights_differ():
    surf = get_surface("data", model="product", dataset="line")
    c = surf.minima[0].x * surf.minima[0].y
    sharp = []
    for w1 in (0.5, 1.0, math.sqrt(abs(c)), 2.5):
        w2 = c / w1
        f, ga, gb = surf.value_grad(w1, w2)
        assert f == pytest.approx(surf.f_min, rel=1e-12) and math.hypot(ga, gb) < 1e-9
        haa, hab, hbb = surf.hessian(w1, w2)
        sharp.append((abs(w1 - w2), np.linalg.eigvalsh([[haa, hab], [hab, hbb]])[1]))
    sharp.sort()
    assert [s for _, s in sharp] == sorted(s for _, s in sharp)  # sharper as |w1 − w2| grows


def test_separable_classes_have_no_minimum_and_a_max_margin_ray():
    bills = get_surface("data", model="logistic", dataset="penguins-bills")
    assert bills.minima == [] and bills.f_min is None
    rows = _rows(bills)
    th = max_margin_direction(rows)
    w = np.array([math.cos(th), math.sin(th)])
    margin = (rows[:, :2] @ w * rows[:, 2]).min()
    assert margin > 0
    for d in (-1e-3, 1e-3):  # a local maximum of the margin
        v = np.array([math.cos(th + d), math.sin(th + d)])
        assert (rows[:, :2] @ v * rows[:, 2]).min() < margin
    mixed = np.array([[1.0, 0.0, 1.0], [-1.0, 0.0, 1.0], [0.0, 1.0, -1.0]])
    assert max_margin_direction(mixed) is None


def test_the_rare_feature_is_missing_from_most_minibatches_and_sgd_lags_on_its_weight():
    surf = get_surface("data", model="features", dataset="rare")
    rows = _rows(surf)
    assert rows.shape == (1000, 3) and int(rows[:, 1].sum()) == 5  # 0.5 % of the rows
    batches = D.batch_rows(1000, 8, 0, 1250)  # ten epochs
    share = np.mean([(rows[b, 1] > 0).any() for b in batches])
    assert 0.03 < share < 0.05  # about 1 − 0.995⁸ = 3.9 %: 96 % of batches lack it
    # a batch without it gives its weight no gradient at all
    without = next(b for b in batches if not (rows[b, 1] > 0).any())
    assert D.data(pack(MODELS["features"], rows[without]), 0.3, 0.4)[2] == 0.0
    best = surf.minima[0]
    sgd = run(surf, "sgd", steps=1000, lr=0.05, batch_size=8, seed=0)
    adam = run(surf, "adam", steps=1000, lr=0.02, batch_size=8, seed=0)
    # both learn the common weight; only Adam's rare weight gets near its value
    assert abs(sgd.xy[-1, 0] - best.x) < 0.05 and abs(adam.xy[-1, 0] - best.x) < 0.05
    assert abs(adam.xy[-1, 1] - best.y) < 0.2 < abs(sgd.xy[-1, 1] - best.y)


def test_the_datasets_say_where_they_come_from():
    pen = dataset("penguins-mass")
    assert pen.n == 342 and pen.licence == "CC0 1.0" and "Palmer" in pen.source
    bills = dataset("penguins-bills")
    assert set(bills.rows[:, 2]) == {-1.0, 1.0} and bills.n == 151 + 123
    a, b = dataset("line", 1), dataset("line", 2)
    assert not np.array_equal(a.rows, b.rows)
    np.testing.assert_array_equal(dataset("line", 1).rows, a.rows)
    assert "seed 1" in a.source


@pytest.mark.parametrize("params,words", [
    ({"model": "cubic"}, "Unknown model 'cubic'"),
    ({"model": "linear", "dataset": "penguins-bills"}, "needs regression data"),
    ({"model": "linear", "dataset": "nope"}, "Unknown dataset 'nope'"),
    ({"model": "linear", "seed": -1}, "'seed'"),
    ({"model": "linear", "seed": 1.5}, "'seed'"),
    ({"model": "linear", "standardize": 2}, "'standardize'"),
    ({"model": "linear", "rows": 3}, "only data of your own"),
    ({"model": "linear", "colour": 3}, "Unknown parameter 'colour'"),
])
def test_bad_parameters_are_named(params, words):
    with pytest.raises(ValueError, match=words):
        get_surface("data", **params)


def test_grid_sweep_and_every_optimizer_run_on_data_with_batches():
    surf = get_surface("data", model="tanh", dataset="wave")
    xs, ys, Z = grid(surf, 30, 20)
    assert Z.shape == (20, 30)
    assert Z[7, 11] == pytest.approx(surf.value(xs[11], ys[7]), rel=1e-12)
    starts = np.array([[0.25, -0.4], [1.0, 1.0], [-1.0, 0.5]])
    res = sweep(surf, "adam", starts, steps=120, lr=0.05, batch_size=8, seed=3)
    for i, p in enumerate(starts):
        traj = run(surf, "adam", start=p, steps=120, lr=0.05, batch_size=8, seed=3)
        np.testing.assert_array_equal(res.end[i], traj.xy[-1])
    # every loop of its own, and two of the per-coordinate families (each family's data loop is
    # one template with the family's update inlined: two stand for all, and each costs seconds
    # to compile; the torch reference above runs SGD, momentum and Adam)
    names = [n for n, info in OPTIMIZERS.items() if info.family is None] + ["rmsprop", "lion"]
    for name in names:
        a = run(surf, name, steps=30, batch_size=8, seed=2)
        b = run(surf, name, steps=30, batch_size=8, seed=2)
        assert a.status in ("completed", "left", "diverged")
        np.testing.assert_array_equal(a.xy, b.xy)  # the batches are drawn afresh each run


def test_a_batch_size_costs_its_rows_and_means_nothing_off_data():
    tanh = get_surface("data", model="tanh", dataset="wave")
    assert work_per_step(tanh) == 200 and work_per_step(tanh, 8) == 208
    lin = get_surface("data", model="linear", dataset="line")
    assert work_per_step(lin) == 1 and work_per_step(lin, 32) == 33
    ros = get_surface("rosenbrock")
    assert work_per_step(ros, 8) == 1
    a = run("rosenbrock", "adam", steps=50, batch_size=8)
    b = run("rosenbrock", "adam", steps=50)
    np.testing.assert_array_equal(a.xy, b.xy)
    with pytest.raises(ValueError, match="batch_size"):
        run(tanh, "sgd", steps=5, batch_size=0)


def test_separable_data_draw_the_max_margin_ray_and_the_results_give_the_angle_to_it():
    from figures.landscape import landscape_figure
    from figures.mapspec import RAY_LABEL, map_spec
    from scene.model import Entry, Scene
    from scene.race import angle_to_ray, metrics, simulate

    surf = get_surface("data", model="logistic", dataset="penguins-bills")
    ray = map_spec(surf).to_dict()["ray"]
    assert ray["x"][0] == ray["y"][0] == 0.0
    assert math.atan2(ray["y"][1], ray["x"][1]) == pytest.approx(surf.ray, abs=1e-12)
    (x0, x1), (y0, y1) = surf.bounds
    far = min(abs(ray["x"][1]), abs(ray["y"][1]))
    assert far > max(x1 - x0, y1 - y0)  # reaches beyond the map, which clips it
    # the window reaches along the ray to where the loss is small
    assert any(x0 <= x <= x1 and y0 <= y <= y1 and surf.value(x, y) < 0.06
               for x, y in zip(np.linspace(0, ray["x"][1], 2000), np.linspace(0, ray["y"][1],
                                                                               2000),
                               strict=True))
    scene = Scene(surface="data", surface_params={"model": "logistic",
                                                  "dataset": "penguins-bills"},
                  steps=400, optimizers=[Entry("sgd", hyper={"lr": 1.0})])
    race = simulate(scene)
    row = metrics(race)[0]
    end = race.racers[0].traj.xy[-1]
    assert row["angle to the max-margin direction"] == pytest.approx(angle_to_ray(surf, end))
    early = angle_to_ray(surf, race.racers[0].traj.xy[10])
    assert 0 < row["angle to the max-margin direction"] < early  # turning towards it
    assert any(tr.name == RAY_LABEL for tr in landscape_figure(race).data)
    plain = simulate(Scene(surface="rosenbrock", optimizers=[Entry("adam")], steps=20))
    assert "angle to the max-margin direction" not in metrics(plain)[0]


def test_a_split_trains_on_some_rows_and_tests_on_the_others():
    from landscapes.data import held_out, split
    from scene.model import Entry, Scene
    from scene.race import metrics, sharpness, simulate

    train_i, test_i = split(342, 30, 4)
    assert len(test_i) == 103 and len(train_i) == 239
    assert sorted(np.concatenate([train_i, test_i]).tolist()) == list(range(342))
    assert not np.array_equal(split(342, 30, 5)[1], test_i)  # the seed chooses the rows
    params = {"model": "linear", "dataset": "penguins-mass", "standardize": 1, "seed": 4,
              "test": 30}
    surf = get_surface("data", **params)
    held = held_out(surf)
    raw = dataset("penguins-mass").rows
    assert int(surf.p[1]) == 239 and int(held.p[1]) == 103 and held.bounds == surf.bounds
    # both parts scaled by the training rows' mean and deviation
    mean, std = raw[train_i, 0].mean(), raw[train_i, 0].std()
    np.testing.assert_allclose(_rows(held)[:, 0], (raw[test_i, 0] - mean) / std, rtol=1e-13)
    np.testing.assert_allclose(_rows(surf)[:, 0].mean(), 0.0, atol=1e-12)
    assert held_out(get_surface("data", model="linear", dataset="penguins-mass")) is None
    scene = Scene(surface="data", surface_params=params, steps=200,
                  optimizers=[Entry("sgd", hyper={"lr": 0.1}), Entry("adam", hyper={"lr": 0.1})])
    race = simulate(scene)
    for row, r in zip(metrics(race), race.racers, strict=True):
        end = r.traj.xy[-1]
        assert row["test loss"] == pytest.approx(_naive("linear", _rows(held), *end), rel=1e-12)
        assert row["final loss"] == pytest.approx(_naive("linear", _rows(surf), *end),
                                                  rel=1e-12)
        h = surf.hessian(*end)
        assert row["sharpness"] == pytest.approx(
            np.linalg.eigvalsh([[h[0], h[1]], [h[1], h[2]]])[1], rel=1e-12)
        assert sharpness(surf, end) == row["sharpness"]


def test_the_map_draws_the_held_out_loss_dashed():
    from figures.payload import race_payload, surface_payload
    from scene.model import Entry, Scene
    from scene.race import simulate

    params = {"model": "tanh", "dataset": "wave", "test": 25}
    race = simulate(Scene(surface="data", surface_params=params, steps=50,
                          optimizers=[Entry("adam", hyper={"lr": 0.05})]))
    payload = race_payload(race, surface_payload(race.surface))
    z = np.asarray(payload["surface"]["test_z"], dtype=float)
    assert z.shape == np.asarray(payload["surface"]["z"]).shape
    assert np.isfinite(z).all() and not np.allclose(z, payload["surface"]["z"])
    assert "test_shift" not in payload["surface"]


def test_a_split_that_leaves_too_few_rows_is_refused_by_name():
    from landscapes.data import rows_text

    tiny = rows_text([[0.0, 1.0], [1.0, 2.0], [2.0, 2.5]])
    get_surface("data", model="linear", dataset="custom", rows=tiny, test=30)  # 2 and 1: fine
    with pytest.raises(ValueError, match="leaves 1 to train on"):
        get_surface("data", model="linear", dataset="custom", rows=tiny, test=60)
    with pytest.raises(ValueError, match="0 to test on"):
        get_surface("data", model="linear", dataset="custom", rows=tiny, test=10)
