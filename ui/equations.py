"""Each optimizer's update rule in LaTeX, with the current hyperparameter values written in.

Pure text (no Streamlit): the app shows these with ``st.latex``. Each optimizer's module writes
its own rule (its ``latex``); this is the one place the app asks for it.
"""

from __future__ import annotations

from optimizers import OPTIMIZERS
from optimizers._latex import num as _n


def update_rules(optimizer: str, hp: dict, lr_text: str | None = None) -> list[str]:
    """LaTeX lines of the update rule of ``optimizer`` with hyperparameters ``hp`` (validated,
    all keys present). ``lr_text`` replaces the learning rate's value (e.g. "schedule")."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}")
    lr = lr_text or _n(hp["lr"])
    return OPTIMIZERS[optimizer].latex(hp, rf"\gamma_t = {lr}")
