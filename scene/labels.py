"""The label a racer is shown with: its own, or one derived from the settings that tell it
apart from the racers of the same optimizer ("Momentum (μ 0.97)", "Adam (lr 0.1)")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from .model import Entry

#: What a racer may set for itself, else it follows the scene (scene.model.Entry.own).
OWN = ("schedule", "noise", "sparsity", "batch")
#: The largest batch size a scene may ask for; a racer's batch this large is the whole data,
#: whatever the scene's (a batch at least the data's rows is the whole).
MAX_BATCH = 100_000


def entry_label(entry: Entry, index: int, entries: list[Entry],
                common: dict | None = None) -> str:
    """The label shown for an entry: its own (kept as typed), or one derived from its settings
    that follows them: the optimizer's title, and when the same optimizer appears more than
    once without a label, the settings that tell them apart ("Momentum (μ 0.97)",
    "Adam (lr 0.1)"), or a number when nothing does."""
    if entry.label:
        return entry.label
    info = OPTIMIZERS[entry.optimizer]
    same = [e for e in entries if e.optimizer == entry.optimizer and not e.label]
    if len(same) < 2:
        return info.title
    full = []
    for e in same:
        try:
            full.append(info.validate(e.hyper))
        except ValueError:
            full.append({**info.defaults(), **e.hyper})
    pos = next(i for i, e in enumerate(same) if e is entry)
    mine = full[pos]
    differ = [k for k in info.spec if any(f[k] != full[0][k] for f in full)]
    # Racers of one optimizer may differ only in their own schedule, noise, sparsity or batch.
    common = common or {}
    runs = [{k: getattr(e, k) if getattr(e, k) is not None else common.get(k)
             for k in OWN} for e in same]
    for r in runs:  # a batch of the whole data is the whole data, however it is asked for
        if r["batch"] is not None and r["batch"] >= MAX_BATCH:
            r["batch"] = None
    run_differ = [k for k in OWN if any(r[k] != runs[0][k] for r in runs)]
    if not differ and not run_differ:
        return f"{info.title} #{pos + 1}"
    parts = [_setting_text(k, runs[pos][k]) for k in run_differ]
    for k in differ[:max(0, 2 - len(parts))]:
        v = mine[k]
        name = SYMBOLS.get(k, k)
        if isinstance(v, bool):
            parts.append(f"{name} {'on' if v else 'off'}")
        elif isinstance(v, tuple):
            parts.append(f"{name} {', '.join(f'{x:g}' for x in v)}")
        else:
            parts.append(f"{name} {v:g}")
    return f"{info.title} ({'; '.join(parts)})"


def _setting_text(key: str, value) -> str:
    """A racer's schedule, noise, sparsity or batch size in a derived label: "warmup cosine",
    "σ 0.5", "batch 8"."""
    if key == "batch":
        return "full batch" if value is None or value >= MAX_BATCH else f"batch {value:g}"
    if key == "schedule":
        name = (value or {}).get("name", "constant")
        return "constant lr" if name == "constant" else name.replace("_", " ")
    if key == "noise":
        return f"σ {value or 0:g}"
    if isinstance(value, tuple | list):
        return f"sparsity {value[0]:g},{value[1]:g}"
    return f"sparsity {value or 0:g}"


#: How a derived label names a hyperparameter ("Momentum (μ 0.9)").
SYMBOLS = {"momentum": "μ", "alpha": "α", "betas": "β", "eps": "ε", "dampening": "τ",
           "weight_decay": "wd", "momentum_decay": "ψ"}
