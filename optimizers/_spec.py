"""Hyperparameter specifications shared by every optimizer module.

Each optimizer states its hyperparameters as a dict of :class:`Hyper` records: the torch.optim
name, default, valid range and the range the app offers on its sliders. Validation raises
``ValueError`` with torch's wording ("Invalid learning rate: -1.0") followed by the valid range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The largest magnitude this app accepts for a hyperparameter without a finite bound of its
#: own and no cost of its own (a learning rate, a weight decay, ASGD's λ): far beyond any value
#: that changes what a race shows.
MOST = 1e6


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter.

    Parameters
    ----------
    name : str
        torch.optim keyword (``lr``, ``momentum``, ``betas`` ...).
    default : float | bool | tuple
        torch.optim's default.
    low, high : float
        Valid closed range (``high`` may be ``math.inf``); ``low_open``/``high_open`` make an end
        exclusive. For ``kind="pair"`` they apply to each element.
    kind : {"float", "bool", "pair"}
    label : str
        What the app shows.
    labels : tuple of str
        For ``kind="pair"``: what the app shows for each element, in order, e.g.
        ``("β1 (first moment)", "β2 (second moment)")`` for Adam's betas. Each optimizer
        names what its own elements do (Lion's β2 is a momentum decay, not a second moment).
    error : str
        torch's phrase for a bad value, e.g. ``"Invalid learning rate"``.
    ui_low, ui_high : float
        Slider range in the app (a sub-range of the valid one).
    log : bool
        Whether the app offers the value on a log scale.
    help : str
        One line for the app's tooltip.
    symbol : str
        How a legend names the value: a letter ("μ", shown as "μ=0.9"), a short word ("wd",
        shown as "wd 0.01"), or for a flag the word shown when it is on ("AMSGrad").
    whole : bool
        Whether only whole numbers are valid (a count such as L-BFGS's ``history_size``).
    most : float
        The largest value this app accepts (for ``kind="pair"``, of each element), whatever
        torch accepts; ``-most`` is the smallest where torch has no lower end. Every path in
        (the widgets, links, scene files, the live route, the command line and the numerical
        core) shares it: a count that sets how much work a step does (L-BFGS's ``max_eval``
        and ``history_size``) is bounded by what a shared server can run, any other value by
        :data:`MOST`, far beyond what changes a race.
    """

    name: str
    default: float | bool | tuple
    low: float = 0.0
    high: float = math.inf
    kind: str = "float"
    label: str = ""
    labels: tuple[str, ...] = ()
    error: str = ""
    low_open: bool = False
    high_open: bool = False
    ui_low: float = 0.0
    ui_high: float = 1.0
    log: bool = False
    help: str = ""
    symbol: str = ""
    whole: bool = False
    most: float = 0.0  # 0: MOST, or high when that is finite

    @property
    def upper(self) -> float:
        """The largest value the app accepts: :attr:`most`, or ``high`` when finite, or
        :data:`MOST`."""
        if self.most:
            return self.most
        return self.high if math.isfinite(self.high) else MOST

    @property
    def lower(self) -> float:
        """The smallest value the app accepts: ``low``, or ``-upper`` where torch has none."""
        return self.low if math.isfinite(self.low) else -self.upper

    def bounded(self, value):
        """``value`` brought within the app's bounds (each element of a pair; a whole number
        stays whole), and whether that changed it. Values torch refuses are left alone for
        :meth:`check` to name; a value that is not a number is returned unchanged."""
        if self.kind == "bool":
            return value, False
        if self.kind == "pair":
            try:
                pair = [float(v) for v in value]
            except (TypeError, ValueError):
                return value, False
            out = [min(max(v, self.lower), self.upper) if self._inside(v) else v for v in pair]
            return (tuple(out), True) if out != pair else (value, False)
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            return value, False
        if not self._inside(v) or self.lower <= v <= self.upper:
            return value, False
        return min(max(v, self.lower), self.upper), True

    def bound_text(self) -> str:
        """The app's bounds in words: "at most 1000", "from -1e+06 to 1e+06"."""
        if math.isfinite(self.low):
            return f"at most {self.upper:g}"
        return f"from {self.lower:g} to {self.upper:g}"

    def range_text(self) -> str:
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open or math.isinf(self.high) else "]"
        high = "inf" if math.isinf(self.high) else f"{self.high:g}"
        return f"{lo}{self.low:g}, {high}{hi}"

    def check(self, value):
        """Return ``value`` normalised (float, bool or tuple of floats) or raise ``ValueError``."""
        if self.kind == "bool":
            if isinstance(value, bool | int) or (isinstance(value, float) and value in (0.0, 1.0)):
                return bool(value)
            raise ValueError(f"{self.error or 'Invalid ' + self.name + ' value'}: {value!r} "
                             f"({self.name} must be True or False)")
        if self.kind == "pair":
            try:
                pair = tuple(float(v) for v in value)
            except TypeError:
                raise ValueError(f"Invalid {self.name}: {value!r} (expected two numbers)") from None
            if len(pair) != 2:
                raise ValueError(f"Invalid {self.name}: {value!r} (expected two numbers)")
            for i, v in enumerate(pair):
                if not self._inside(v):
                    what = (f"{self.error}: {pair[0]}, {pair[1]}" if self.error
                            else f"Invalid beta parameter at index {i}: {v}")
                    raise ValueError(f"{what} (each of {self.name} must be in "
                                     f"{self.range_text()})")
                if not self.lower <= v <= self.upper:
                    raise ValueError(f"Invalid {self.name}: {pair[0]}, {pair[1]} (this app "
                                     f"accepts each of {self.name} {self.bound_text()})")
            return pair
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.error}: {value!r} ({self.name} must be a number)") from None
        if not self._inside(v):
            raise ValueError(f"{self.error}: {v} ({self.name} must be in {self.range_text()})")
        if not self.lower <= v <= self.upper:
            raise ValueError(f"{self.error}: {v:g} (this app accepts {self.name} "
                             f"{self.bound_text()})")
        if self.whole and v != int(v):
            raise ValueError(f"{self.error}: {v} ({self.name} must be a whole number)")
        return v

    def _inside(self, v: float) -> bool:
        if math.isnan(v):
            return False
        if v < self.low or (self.low_open and v == self.low):
            return False
        if v > self.high or (self.high_open and v == self.high):
            return False
        return True


def lr_hyper(default: float, ui_high: float = 1.0) -> Hyper:
    """The learning rate, common to every optimizer (torch accepts any lr >= 0)."""
    return Hyper("lr", default, 0.0, math.inf, label="learning rate", error="Invalid learning rate",
                 high_open=True, ui_low=1e-5, ui_high=ui_high, log=True,
                 help="Step size γ multiplying every update.")


def weight_decay_hyper(default: float = 0.0, decoupled: bool = False) -> Hyper:
    how = ("decoupled: θ shrinks by lr·wd each step" if decoupled
           else "L2: wd·θ is added to the gradient")
    return Hyper("weight_decay", default, 0.0, math.inf, label="weight decay",
                 error="Invalid weight_decay value", high_open=True, ui_low=0.0, ui_high=0.5,
                 help=f"Weight decay ({how}).", symbol="wd")


def eps_hyper(default: float) -> Hyper:
    return Hyper("eps", default, 0.0, math.inf, label="eps", error="Invalid epsilon value",
                 high_open=True, ui_low=1e-12, ui_high=1.0, log=True,
                 help="Added to the denominator for numerical stability.", symbol="ε")


def betas_hyper(default: tuple[float, float]) -> Hyper:
    """Adam-style betas: decay rates of the first and second moment averages."""
    return Hyper("betas", default, 0.0, 1.0, kind="pair", label="betas", high_open=True,
                 labels=("β1 (first moment)", "β2 (second moment)"),
                 ui_low=0.0, ui_high=0.9999,
                 help="Decay rates of the first and second moment averages.", symbol="β")


def packed(fields: tuple[str, ...], **values) -> list[float]:
    """The packed hyperparameter array ``h`` in the order of ``fields``: each module names its
    fields once (``FIELDS``) and reads them in its kernels through integer constants made from
    the same tuple, which Numba compiles as constants."""
    if set(values) != set(fields):
        raise TypeError(f"packed fields {sorted(values)} do not match {list(fields)}")
    return [float(values[name]) for name in fields]


def validate(spec: dict[str, Hyper], given: dict) -> dict:
    """Fill defaults and check every value of ``given`` against ``spec``.

    Unknown names raise ``ValueError`` listing the accepted ones.
    """
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError(f"Unknown hyperparameter {unknown[0]!r}; accepted: {', '.join(spec)}")
    out = {}
    for name, h in spec.items():
        out[name] = h.check(given.get(name, h.default))
    return out
