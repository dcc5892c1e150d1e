"""L-BFGS, SAM and Schedule-Free against trajectories computed by PyTorch, a transcription of
the SAM reference implementation and the ``schedulefree`` package (``tests/data/reference.json``,
made by ``python -m tests.make_reference``): the first 50 steps on Rosenbrock, a rotated ravine
and Himmelblau, to 1e-12. The per-coordinate optimizers' cases in the same file are checked in
``tests/test_roster.py``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import OPTIMIZERS, run

DATA = json.loads((Path(__file__).with_name("data") / "reference.json").read_text())
OWN_LOOP = ("lbfgs", "sam_sgd", "sam_adam", "sgd_schedulefree", "adamw_schedulefree")
CASES = [c for c in DATA["cases"] if c["optimizer"] in OWN_LOOP]


def _id(case: dict) -> str:
    hyper = ",".join(f"{k}={v}" for k, v in case["hyper"].items()) or "defaults"
    return f"{case['optimizer']}-{case['surface']}-{hyper}"


def _run(case: dict, **extra):
    surf = get_surface(case["surface"], **case["surface_args"])
    return run(surf, case["optimizer"], start=case["xy"][0], steps=DATA["meta"]["steps"],
               **case["hyper"], **extra)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_matches_reference(case):
    traj = _run(case)
    assert traj.status == "completed"
    np.testing.assert_allclose(traj.xy, np.array(case["xy"]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in CASES if "func_evals" in c or "z" in c],
                         ids=[_id(c) for c in CASES if "func_evals" in c or "z" in c])
def test_recorded_state_matches_reference(case):
    """L-BFGS's function evaluations per step; Schedule-Free's z."""
    traj = _run(case, record=True)
    if "func_evals" in case:
        assert traj.state["step_func_evals"][:, 0].tolist() == case["func_evals"]
        assert traj.state["func_evals"][:, 0].tolist() == np.cumsum(case["func_evals"]).tolist()
    if "z" in case:
        np.testing.assert_allclose(traj.state["z"], np.array(case["z"]), rtol=0, atol=1e-12)


def test_reference_covers_every_new_optimizer_on_three_surfaces():
    new = {"adadelta", "adamax", "radam", "rprop", "asgd", "lbfgs", "sam_sgd", "sam_adam",
           "adabelief", "sgd_schedulefree", "adamw_schedulefree"}
    assert new <= set(OPTIMIZERS)
    seen = Counter((c["optimizer"], c["surface"]) for c in DATA["cases"])
    for name in new:
        assert {s for (n, s) in seen if n == name} == {"rosenbrock", "ravine", "himmelblau"}
    lbfgs = [c["hyper"] for c in CASES if c["optimizer"] == "lbfgs"]
    assert any(h.get("line_search_fn") == "strong_wolfe" for h in lbfgs)
    assert any("line_search_fn" not in h for h in lbfgs)
    assert any(c["hyper"].get("decoupled_weight_decay") for c in DATA["cases"]
               if c["optimizer"] == "radam")
    assert {c["hyper"].get("adaptive", False) for c in CASES
            if c["optimizer"].startswith("sam_")} == {True, False}
