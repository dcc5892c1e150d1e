"""The six per-coordinate optimizers added to the nine: Adadelta, Adamax, RAdam, Rprop, ASGD and
AdaBelief. Each is checked against the stored reference data (torch.optim and the
``adabelief-pytorch`` package, first 50 steps on three surfaces), against torch itself when it
is installed (defaults, error messages, state names, a learning-rate schedule), against the
plain transcriptions in ``tests/naive.py``, and for what the app shows of it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from figures._text import hyper_text
from landscapes import SURFACES, get_surface
from optimizers import OPTIMIZERS, run
from tests import naive
from ui.equations import update_rules

NEW = ("adadelta", "adamax", "radam", "rprop", "asgd", "adabelief")
TORCH_CLASS = {"adadelta": "Adadelta", "adamax": "Adamax", "radam": "RAdam", "rprop": "Rprop",
               "asgd": "ASGD"}
REFERENCE = Path(__file__).with_name("data") / "reference.json"


def _torch():
    return pytest.importorskip("torch")


def _reference_cases():
    if not REFERENCE.exists():
        return []
    cases = json.loads(REFERENCE.read_text())["cases"]
    return [c for c in cases if c["optimizer"] in NEW]


def _hyper(stored: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}


CASES = _reference_cases()


def test_reference_data_covers_every_new_optimizer_on_three_surfaces():
    if not REFERENCE.exists():
        pytest.skip("tests/data/reference.json not generated yet (python -m tests.make_reference)")
    for name in NEW:
        assert {c["surface"] for c in CASES if c["optimizer"] == name} == {
            "rosenbrock", "ravine", "himmelblau"}, name


@pytest.mark.parametrize("case", CASES,
                         ids=[f"{c['optimizer']}-{c['surface']}-{i}" for i, c in enumerate(CASES)])
def test_first_fifty_steps_match_the_reference_data(case):
    surf = get_surface(case["surface"], **case["surface_args"])
    ref = np.array(case["xy"])
    traj = run(surf, case["optimizer"], start=ref[0], steps=len(ref) - 1, **_hyper(case["hyper"]))
    assert traj.status == "completed"
    np.testing.assert_allclose(traj.xy, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", list(TORCH_CLASS))
def test_defaults_are_torchs(name):
    torch = _torch()
    params = inspect.signature(getattr(torch.optim, TORCH_CLASS[name]).__init__).parameters
    for key, h in OPTIMIZERS[name].spec.items():
        default = params[key].default
        assert (tuple(h.default) == tuple(default)) if h.kind == "pair" else h.default == default


def test_adabelief_defaults_are_the_packages():
    assert OPTIMIZERS["adabelief"].defaults() == {
        "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-16, "weight_decay": 0.0, "amsgrad": False,
        "weight_decouple": True, "fixed_decay": False, "rectify": True,
        "degenerated_to_sgd": True}
    pkg = pytest.importorskip("adabelief_pytorch")
    params = inspect.signature(pkg.AdaBelief.__init__).parameters
    for key, h in OPTIMIZERS["adabelief"].spec.items():
        default = params[key].default
        assert (tuple(h.default) == tuple(default)) if h.kind == "pair" else h.default == default


BAD = [
    ("adadelta", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("adadelta", {"rho": -0.1}, "Invalid rho value: -0.1"),
    ("adadelta", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("adadelta", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("adamax", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    ("adamax", {"betas": (0.9, -0.5)}, "Invalid beta parameter at index 1: -0.5"),
    ("adamax", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("adamax", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("radam", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("radam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("radam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("radam", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("rprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("rprop", {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
    ("rprop", {"etas": (0.0, 1.2)}, "Invalid eta values: 0.0, 1.2"),
    ("asgd", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("asgd", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
]


@pytest.mark.parametrize(("name", "kwargs", "message"), BAD,
                         ids=[f"{n}-{next(iter(k))}" for n, k, _ in BAD])
def test_bad_values_raise_torchs_message_and_the_valid_range(name, kwargs, message):
    with pytest.raises(ValueError) as err:
        run("rosenbrock", name, **kwargs)
    text = str(err.value)
    assert text.startswith(message)
    assert "(" in text[len(message):]  # followed by what is valid


@pytest.mark.parametrize(("name", "kwargs", "message"),
                         [b for b in BAD if b[0] in TORCH_CLASS],
                         ids=[f"{n}-{next(iter(k))}" for n, k, _ in BAD if n in TORCH_CLASS])
def test_torch_raises_the_same_message(name, kwargs, message):
    torch = _torch()
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError) as err:
        getattr(torch.optim, TORCH_CLASS[name])([w], **kwargs)
    assert str(err.value) == message


def test_adabelief_raises_the_packages_messages():
    for kwargs, message in (({"lr": -1.0}, "Invalid learning rate: -1.0"),
                            ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
                            ({"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
                            ({"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0")):
        with pytest.raises(ValueError) as err:
            run("rosenbrock", "adabelief", **kwargs)
        assert str(err.value).startswith(message)


@pytest.mark.parametrize(("name", "kwargs"), [
    ("rprop", {"step_sizes": (1e-3, 1e-4)}),  # torch does not check them (s_max wins)
    ("asgd", {"lambd": -1e-4, "alpha": 2.0, "t0": -5.0}),  # nor these
])
def test_values_torch_accepts_are_accepted(name, kwargs):
    assert run("booth", name, steps=5, lr=1e-3, **kwargs).status == "completed"


STATE = [
    ("adadelta", {}, ["square_avg", "acc_delta"]),
    ("adamax", {}, ["exp_avg", "exp_inf"]),
    ("radam", {}, ["exp_avg", "exp_avg_sq"]),
    ("rprop", {}, ["prev", "step_size"]),
    ("asgd", {}, ["ax", "eta", "mu"]),
    ("adabelief", {}, ["exp_avg", "exp_avg_var"]),
    ("adabelief", {"amsgrad": True}, ["exp_avg", "exp_avg_var", "max_exp_avg_var"]),
]


@pytest.mark.parametrize(("name", "hyper", "held"), STATE,
                         ids=[f"{n}-{len(h)}" for n, h, _ in STATE])
def test_recorded_state_has_the_names_torch_keeps(name, hyper, held):
    traj = run("booth", name, steps=5, record=True, **hyper)
    assert list(traj.state) == held
    assert all(a.shape == (5, 2) for a in traj.state.values())


@pytest.mark.parametrize("name", list(TORCH_CLASS))
def test_state_names_and_values_are_torchs(name):
    """The inspector's state, name by name, equals torch's after each of 20 updates."""
    torch = _torch()
    surf = SURFACES["himmelblau"]
    hyper = {"lr": 1e-3, **({"t0": 5.0} if name == "asgd" else {})}
    traj = run(surf, name, steps=20, record=True, **hyper)
    torch.set_default_dtype(torch.float64)
    try:
        w = torch.tensor(surf.start, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, TORCH_CLASS[name])([w], **hyper)
        for t in range(20):
            w.grad = torch.tensor(surf.grad(*w.detach().tolist()), dtype=torch.float64)
            opt.step()
            state = opt.state[w]
            assert set(state) - {"step"} == set(traj.state), name
            for key, arr in traj.state.items():
                want = np.broadcast_to(np.asarray(state[key].tolist(), dtype=float), (2,))
                np.testing.assert_allclose(arr[t], want, rtol=1e-12, atol=1e-15)
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", list(TORCH_CLASS))
def test_a_schedule_reaches_each_update_as_in_torch(name):
    """A warmup-cosine schedule against torch's LambdaLR stepped after each update."""
    torch = _torch()
    from optimizers import learning_rates

    surf = SURFACES["booth"]
    sched = {"name": "warmup_cosine", "warmup": 5, "total": 40}
    hyper = {"lr": 0.05, **({"t0": 5.0, "lambd": 0.01} if name == "asgd" else {})}
    traj = run(surf, name, steps=40, schedule=sched, **hyper)
    factors = learning_rates(1.0, 40, sched)
    w = torch.tensor(surf.start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASS[name])([w], **hyper)
    lam = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: float(factors[min(k, 39)]))
    torch.set_default_dtype(torch.float64)
    try:
        for t in range(40):
            w.grad = torch.tensor(surf.grad(*w.detach().tolist()), dtype=torch.float64)
            opt.step()
            lam.step()
            np.testing.assert_allclose(traj.xy[t + 1], w.detach().numpy(), rtol=0, atol=1e-12)
    finally:
        torch.set_default_dtype(torch.float32)


NAIVE_CASES = [
    ("adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.01}),
    ("adamax", {"lr": 2e-2, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.01}),
    ("radam", {"lr": 3e-3, "betas": (0.8, 0.99), "weight_decay": 0.01}),
    ("radam", {"lr": 3e-3, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("rprop", {"lr": 1e-2, "etas": (0.4, 1.3), "step_sizes": (1e-4, 0.2)}),
    ("asgd", {"lr": 1e-3, "lambd": 0.05, "alpha": 0.6, "weight_decay": 0.01}),
    ("adabelief", {"lr": 3e-3, "betas": (0.8, 0.99), "weight_decay": 0.05}),
    ("adabelief", {"lr": 1e-2, "rectify": False, "amsgrad": True, "eps": 1e-12}),
    ("adabelief", {"lr": 1e-2, "weight_decouple": False, "weight_decay": 0.05,
                   "degenerated_to_sgd": False}),
    ("adabelief", {"lr": 3e-3, "fixed_decay": True, "weight_decay": 0.001}),
]


@pytest.mark.parametrize(("name", "hyper"), NAIVE_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(NAIVE_CASES)])
@pytest.mark.parametrize("surface", ["rosenbrock", "booth", "beale"])
def test_kernels_match_naive_transcriptions(name, hyper, surface):
    surf = SURFACES[surface]
    traj = run(surf, name, steps=60, **hyper)
    assert traj.status == "completed"
    hp = dict(hyper)
    ref = naive.NAIVE[name](surf.grad, surf.start, 60, [hp.pop("lr")] * 60, **hp)
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NEW)
def test_noisy_sparse_gradients_are_the_ones_the_step_used(name):
    """With noise and sparsity on, the positions follow the rule fed the recorded gradients."""
    surf = SURFACES["booth"]
    traj = run(surf, name, steps=80, lr=1e-2, noise=0.5, sparsity=(0.3, 0.6), seed=4,
               record=True)
    assert (traj.grads == 0).any() and traj.status == "completed"
    grads = iter(traj.grads)
    ref = naive.NAIVE[name](lambda x, y: tuple(next(grads)), surf.start, 80, [1e-2] * 80)
    np.testing.assert_allclose(traj.xy, np.array(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, hyper, moved_by", [
    ("adadelta", {}, "grads"),
    ("adamax", {"lr": 1e-2}, "exp_avg"),
    ("radam", {"lr": 1e-2}, "exp_avg"),
    ("asgd", {"lr": 1e-3, "lambd": 0.0}, "grads"),
    ("adabelief", {"lr": 1e-2}, "exp_avg"),
    ("adabelief", {"lr": 1e-2, "rectify": False}, "exp_avg"),
])
def test_recorded_step_size_is_the_factor_the_update_applied(name, hyper, moved_by):
    traj = run("rosenbrock", name, steps=60, record=True, **hyper)
    direction = traj.grads if moved_by == "grads" else traj.state[moved_by]
    assert np.all(traj.step_size > 0)
    np.testing.assert_allclose(traj.updates, -traj.step_size * direction, rtol=1e-9, atol=1e-16)


def test_rprop_moves_each_coordinate_by_its_own_step_size():
    traj = run("rosenbrock", "rprop", steps=60, lr=1e-2, record=True)
    moved = traj.updates != 0
    np.testing.assert_allclose(np.abs(traj.updates)[moved], traj.step_size[moved], rtol=1e-12)
    # A sign flip shrinks that coordinate's step and it stands still for one update.
    flips = traj.grads[1:] * traj.state["prev"][:-1] < 0
    assert flips.any()
    assert (traj.updates[1:][flips] == 0).all()
    assert (traj.step_size[1:][flips] < traj.step_size[:-1][flips]).all()


def test_rprop_reads_the_learning_rate_once():
    """torch sets Rprop's step size from lr when it creates the state; a schedule changes
    nothing after the first update."""
    a = run("booth", "rprop", steps=30, lr=0.01)
    b = run("booth", "rprop", steps=30, lr=0.01, schedule={"name": "step", "step_size": 2,
                                                           "gamma": 0.1})
    np.testing.assert_array_equal(a.xy, b.xy)


def test_radam_takes_momentum_steps_for_its_first_five_updates():
    traj = run("rosenbrock", "radam", steps=8, lr=1e-3, record=True)
    mhat = traj.state["exp_avg"] / (1 - 0.9 ** np.arange(1, 9))[:, None]
    np.testing.assert_allclose(traj.updates[:5], -1e-3 * mhat[:5], rtol=1e-12)
    assert not np.allclose(traj.updates[5], -1e-3 * mhat[5], rtol=1e-3)


def test_asgd_keeps_the_average_of_the_weights_after_t0():
    traj = run("booth", "asgd", steps=40, lr=1e-2, t0=10.0, record=True)
    ax = traj.state["ax"]
    np.testing.assert_array_equal(ax[:12], traj.xy[1:13])  # μ = 1 up to update t0 + 2
    # then μ_t = 1 / (t - 1 - t0): the average of the weights from update t0 + 2 on
    np.testing.assert_allclose(ax[-1], traj.xy[12:].mean(axis=0), rtol=1e-12)
    assert not np.allclose(ax[-1], traj.xy[-1])


def test_adabelief_rectifies_from_update_6_and_can_stand_still_before():
    """ρ_t ≥ 5 from update 6 on (ρ_5 = 4.996): before that, momentum SGD steps, or with
    degenerated_to_sgd off no step at all."""
    sgd_like = run("booth", "adabelief", steps=8, lr=1e-2, record=True)
    mhat = sgd_like.state["exp_avg"] / (1 - 0.9 ** np.arange(1, 9))[:, None]
    np.testing.assert_allclose(sgd_like.updates[:5], -1e-2 * mhat[:5], rtol=1e-12)
    assert not np.allclose(sgd_like.updates[5], -1e-2 * mhat[5], rtol=1e-3)
    still = run("booth", "adabelief", steps=8, lr=1e-2, degenerated_to_sgd=False)
    assert (still.xy[:6] == still.xy[0]).all() and (still.xy[6] != still.xy[0]).all()


@pytest.mark.parametrize("name", NEW)
def test_the_app_shows_each_new_optimizer(name):
    info = OPTIMIZERS[name]
    hp = info.validate({})
    lines = update_rules(name, hp, None)
    assert lines and all(line.count("{") == line.count("}") for line in lines)
    assert any(r"\theta_t" in line for line in lines)
    assert hyper_text(name, {"lr": 0.05}).startswith("lr 0.05")
    assert info.summary and info.doc.strip()
    assert run("himmelblau", name, steps=30, lr=1e-3, record=True).state


def test_legend_names_non_default_settings_with_their_symbols():
    assert hyper_text("rprop", {"etas": (0.4, 1.5)}) == "lr 0.01, η=(0.4, 1.5)"
    assert hyper_text("asgd", {"t0": 100.0, "lambd": 0.01}) == "lr 0.01, λ=0.01, t₀=100"
    assert hyper_text("adabelief", {"rectify": False}) == "lr 0.001, β=(0.9, 0.999), no rectify"
    assert hyper_text("adadelta", {"rho": 0.95}) == "lr 1, ρ=0.95"
