"""Regenerate ``tests/data/batch_reference.json``: 200 minibatch steps of SGD, momentum and Adam
on data surfaces, computed by PyTorch in float64 from the same batch indices the app draws.

    python -m tests.make_batch_reference

Needs ``torch``, which the app and its test suite do not need: ``tests/test_data_surfaces.py``
reads the stored paths. Each case writes its model in torch (``torch.nn.functional``'s
``mse_loss`` and ``binary_cross_entropy_with_logits``, mean reduction), feeds it at step t the
rows :func:`landscapes._data_kernels.batch_rows` lists for update t (what a ``DataLoader`` with
``shuffle=True, drop_last=False`` would hand over, with the app's shuffle), and lets autograd
supply the gradient.
"""

from __future__ import annotations

import json
from pathlib import Path

from landscapes import get_surface
from landscapes._data_kernels import batch_rows

STEPS = 200
BATCH = 8
SEED = 3
OUT = Path(__file__).with_name("data") / "batch_reference.json"

#: (keyword arguments of get_surface("data", ...), start)
SURFACES = [
    ({"model": "linear", "dataset": "penguins-mass", "standardize": 1}, (0.0, 0.0)),
    ({"model": "logistic", "dataset": "penguins-bills"}, (0.0, 0.0)),
    ({"model": "product", "dataset": "line", "seed": 1}, (0.2, 2.5)),
    ({"model": "tanh", "dataset": "wave"}, (0.25, -0.4)),
]
#: (optimizer name in the app, torch class, keyword arguments)
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.05}),
    ("momentum", "SGD", {"lr": 0.02, "momentum": 0.9}),
    ("adam", "Adam", {"lr": 0.05}),
]


def _loss(torch, model: str, rows, w):
    F = torch.nn.functional
    a, b = w[0], w[1]
    if model == "linear":
        return F.mse_loss(a * rows[:, 0] + b, rows[:, 1])
    if model == "logistic":
        z = a * rows[:, 0] + b * rows[:, 1]
        return F.binary_cross_entropy_with_logits(z, (rows[:, 2] > 0).to(torch.float64))
    if model == "product":
        return F.mse_loss(b * a * rows[:, 0], rows[:, 1])
    return F.mse_loss(b * torch.tanh(a * rows[:, 0]), rows[:, 1])


def case(torch, params: dict, start, name: str, cls: str, kw: dict) -> list[list[float]]:
    surf = get_surface("data", **params)
    n = int(surf.p[1])
    data = torch.tensor(surf.p[8:].reshape(n, int(surf.p[2])), dtype=torch.float64)
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([w], **kw)
    out = [list(map(float, start))]
    for rows in batch_rows(n, BATCH, SEED, STEPS):
        opt.zero_grad()
        _loss(torch, params["model"], data[torch.as_tensor(rows)], w).backward()
        opt.step()
        out.append([float(v) for v in w.detach()])
    return out


def main() -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    cases = []
    for params, start in SURFACES:
        for name, cls, kw in OPTIMIZERS:
            cases.append({"surface": params, "start": list(start), "optimizer": name,
                          "hyper": {k: v for k, v in kw.items()}, "batch": BATCH,
                          "seed": SEED, "xy": case(torch, params, start, name, cls, kw)})
    OUT.write_text(json.dumps({"torch": torch.__version__, "steps": STEPS, "cases": cases},
                              indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}: {len(cases)} cases of {STEPS} steps (torch {torch.__version__})")


if __name__ == "__main__":
    main()
