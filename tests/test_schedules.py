"""Learning-rate schedules against the reference value table (factor × base lr)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import learning_rates, run
from optimizers.schedules import SCHEDULES, factors, resolve

IDX = [0, 1, 2, 3, 5, 9, 10, 11]


def _at(values, idx):
    return [values[i] for i in idx]


def test_cosine_annealing_matches_torch_and_is_not_clamped():
    v = factors("cosine", 12, {"T_max": 10})
    np.testing.assert_allclose(_at(v, IDX), [1, .975528, .904508, .793893, .5, .024472, 0,
                                             .024472], atol=5e-7)


def test_onecycle_matches_torch():
    v = factors("onecycle", 10)
    np.testing.assert_allclose(_at(v, [0, 1, 2, 3, 5, 9]), [.04, .52, 1, .950485, .611262,
                                                           .000004], atol=5e-7)


def test_warmup_linear_matches_transformers():
    v = factors("warmup_linear", 12, {"warmup": 2, "total": 10})
    np.testing.assert_allclose(_at(v, IDX), [0, .5, 1, .875, .625, .125, 0, 0], atol=5e-7)


def test_warmup_cosine_matches_transformers():
    v = factors("warmup_cosine", 12, {"warmup": 2, "total": 10})
    np.testing.assert_allclose(_at(v, IDX), [0, .5, 1, .961940, .691342, .038060, 0, .038060],
                               atol=5e-7)


def test_step_and_exponential_closed_forms():
    np.testing.assert_allclose(factors("step", 7, {"step_size": 3, "gamma": 0.5}),
                               [1, 1, 1, .5, .5, .5, .25])
    np.testing.assert_allclose(factors("exponential", 4, {"gamma": 0.9}), [1, .9, .81, .729])
    np.testing.assert_allclose(factors("constant", 3, lr=0.2), [0.2] * 3)


def test_onecycle_linear_and_three_phase_shapes():
    lin = factors("onecycle", 100, {"anneal_strategy": "linear"})
    assert lin[0] == pytest.approx(1 / 25) and lin.max() == pytest.approx(1.0)
    assert int(np.argmax(lin)) == 29  # peak at pct_start * N - 1
    three = factors("onecycle", 100, {"three_phase": True})
    assert three[58] == pytest.approx(1 / 25)  # back to the initial rate at 2 pct N - 2
    assert three[-1] == pytest.approx(1 / 25 / 1e4)


def test_defaults_depend_on_the_run_length():
    assert resolve("cosine", 500)["T_max"] == 500
    assert resolve("warmup_linear", 500) == {"warmup": 50, "total": 500}
    assert resolve("step", 300)["step_size"] == 100


def test_scaled_by_base_learning_rate_and_used_by_run():
    lrs = learning_rates(0.3, 20, {"name": "exponential", "gamma": 0.8})
    np.testing.assert_allclose(lrs, 0.3 * 0.8 ** np.arange(20))
    traj = run("booth", "sgd", steps=20, lr=0.3, schedule={"name": "exponential", "gamma": 0.8})
    np.testing.assert_allclose(traj.lr, lrs)


@pytest.mark.parametrize(("name", "params", "message"), [
    ("cosine", {"T_max": 0}, r"Invalid T_max for schedule 'cosine': 0 \(must be an integer in"),
    ("step", {"gamma": 0}, "Invalid gamma"),
    ("step", {"step_size": 2.5}, "must be an integer"),
    ("warmup_linear", {"warmup": 20, "total": 10}, "must not exceed total"),
    ("onecycle", {"anneal_strategy": "tri"}, "choose one of cos, linear"),
    ("cosine", {"period": 3}, "Unknown parameter 'period'"),
    ("zigzag", {}, "Unknown schedule 'zigzag'"),
])
def test_bad_schedule_parameters_are_named(name, params, message):
    with pytest.raises(ValueError, match=message):
        factors(name, 100, params)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_is_finite_and_non_negative(name):
    for steps in (1, 2, 7, 1000):
        v = factors(name, steps, lr=0.1)
        assert v.shape == (steps,) and np.isfinite(v).all() and (v >= 0).all()


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_formulas_use_symbols_not_parameter_names(name):
    """Each formula is LaTeX in symbols (γ_k = γ·g^{⌊k/s⌋}), never torch's keyword names
    ("gamma", "step_size"), and every symbol it uses is explained by a parameter's label."""
    import re

    sched = SCHEDULES[name]
    latex = sched.latex
    assert latex.startswith(r"\gamma_k")
    assert latex.count("{") == latex.count("}")
    assert r"\mathrm" not in latex and r"\_" not in latex
    # drop environments, words of text and commands such as \gamma, \frac, \max
    words = re.sub(r"\\(begin|end|text)\{[^}]*\}|\\[A-Za-z]+", " ", latex)
    for key in sched.params:
        assert not re.search(rf"(?<![A-Za-z]){re.escape(key)}(?![A-Za-z])", words), key
    assert not re.search(r"[A-Za-z]{3,}", words), words  # no names spelled out in the maths
    for key, p in sched.params.items():
        if p.kind in ("choice", "bool"):
            continue
        assert p.symbol and p.symbol in latex, key  # the formula uses the parameter's symbol
        plain = p.symbol.replace("\\eta", "η").replace("\\", "").replace("{", "").replace("}", "")
        assert p.label.endswith(" " + plain), (p.label, plain)  # ... and the label names it


def test_step_decay_formula_reads_as_latex():
    assert SCHEDULES["step"].latex == r"\gamma_k = \gamma\, g^{\lfloor k/s \rfloor}"
    assert SCHEDULES["exponential"].latex == r"\gamma_k = \gamma\, g^{k}"
