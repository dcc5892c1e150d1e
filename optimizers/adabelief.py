r"""AdaBelief (Zhuang et al. 2020), as its authors' ``adabelief-pytorch`` 0.2.1 implements it.

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`, with the package's defaults (``weight_decouple``, ``rectify``
and ``degenerated_to_sgd`` on)::

    θ_{t-1} ← θ_{t-1} (1 - γ_t λ)                    λ = weight_decay (decoupled)
    m_t = β1 m_{t-1} + (1 - β1) g_t                  (exp_avg)
    s_t = β2 s_{t-1} + (1 - β2)(g_t - m_t)² + ε      (exp_avg_var: the "belief" in g_t)
    ρ_t = ρ_∞ - 2 t β2^t / (1 - β2^t),   ρ_∞ = 2 / (1 - β2) - 1
    if ρ_t ≥ 5:  θ_t = θ_{t-1} - γ_t r_t sqrt(1 - β2^t) / (1 - β1^t) · m_t / (sqrt(s_t) + ε)
    else:        θ_t = θ_{t-1} - γ_t / (1 - β1^t) · m_t        (degenerated to SGD)

with r_t RAdam's rectification sqrt((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t)).
Where Adam divides by the spread of g_t around zero (v_t), AdaBelief divides by its spread
around the prediction m_t (s_t): a gradient that agrees with the momentum earns a long step.

Conventions (as the package, which differs from the paper in places):

* ε = 1e-16 by default, and it is added twice: into s_t itself at every update (the package
  adds it in place, so it accumulates in the state) and again after the square root.
* The rectified update does not bias-correct s_t beyond the sqrt(1 - β2^t) in its step size,
  and switches on at ρ_t ≥ 5 (RAdam: ρ_t > 5); with β2 = 0.999 both switch on at update 6
  (ρ_5 = 4.996, ρ_6 = 5.994).
* ``rectify=False`` gives the paper's Algorithm 1: θ_t = θ_{t-1} - γ_t/(1 - β1^t) · m_t /
  (sqrt(s_t)/sqrt(1 - β2^t) + ε). ``degenerated_to_sgd=False`` makes the first updates (ρ_t < 5)
  leave θ where it is.
* ``weight_decouple=False`` adds λθ to the gradient instead (L2); ``fixed_decay=True`` (with
  weight_decouple) shrinks θ by 1 - λ, without the learning rate.
* ``amsgrad`` keeps max_exp_avg_var = max(max_exp_avg_var, s_t); the package divides by it only
  without rectification (with rectify on it is kept but unused, as there).

The package checks lr, eps and betas (with torch's wording) but not weight_decay; here it must
be ≥ 0, as in torch's own optimizers. ``print_change_log`` (a console message) is left out.
The effective per-coordinate step size on m_t is what multiplies m_t in the update above.

Reference: Zhuang et al. (2020), "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
Observed Gradients", NeurIPS; the package ``adabelief-pytorch`` 0.2.1.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("exp_avg", "exp_avg_var", "max_exp_avg_var")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of gradients",
    "exp_avg_var": "the running variance of the gradient around that mean",
    "max_exp_avg_var": "the largest of those so far",
}


def _flag(name: str, default: bool, label: str, help: str, symbol: str) -> Hyper:
    return Hyper(name, default, kind="bool", label=label, help=help, symbol=symbol)


SPEC = {
    "lr": lr_hyper(1e-3),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-16),
    "weight_decay": weight_decay_hyper(0.0, decoupled=True),
    "amsgrad": _flag("amsgrad", False, "AMSGrad", "Keep the largest s_t seen so far (used "
                     "only without rectification).", "AMSGrad"),
    "weight_decouple": _flag("weight_decouple", True, "decoupled weight decay",
                             "Shrink θ directly (AdamW style) instead of adding λθ to g.",
                             "decoupled wd"),
    "fixed_decay": _flag("fixed_decay", False, "fixed decay", "Shrink θ by 1 − λ, without "
                         "the learning rate (with decoupled weight decay).", "fixed decay"),
    "rectify": _flag("rectify", True, "rectify", "RAdam's rectification: momentum steps "
                     "until the variance estimate is reliable.", "rectify"),
    "degenerated_to_sgd": _flag("degenerated_to_sgd", True, "SGD steps at first",
                                "While ρ_t < 5, take momentum SGD steps (off: stand still).",
                                "SGD at first"),
}


def check(hp: dict) -> None:
    return None


def held_state(hp: dict) -> tuple[str, ...]:
    """max_exp_avg_var only with AMSGrad."""
    return STATE if hp["amsgrad"] else STATE[:2]


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "eps", "weight_decay", "amsgrad", "weight_decouple",
          "fixed_decay", "rectify", "degenerated_to_sgd")
(BETA1, BETA2, EPS, WEIGHT_DECAY, AMSGRAD, WEIGHT_DECOUPLE, FIXED_DECAY, RECTIFY,
 DEGENERATED_TO_SGD) = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, **{k: hp[k] for k in FIELDS[2:]})


#: Per-step scalars: the decay's shrink factor, the factor on m_t / denom, the factor on m_t
#: alone (the SGD steps), and the divisor of sqrt(s_t) (sqrt(1 - β2^t) without rectification,
#: 1 with it).
COEFFS = 4


@kernel(inline=True)
def _coefficients(h, lrs, c):
    beta2 = h[BETA2]
    rectify = h[RECTIFY] != 0.0
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    p1 = 1.0
    p2 = 1.0
    for k in range(lrs.shape[0]):
        lr = lrs[k]
        p1 *= h[BETA1]  # β^t as running products (see adam._coefficients)
        p2 *= beta2
        bc1 = 1.0 - p1
        rho_t = rho_inf - 2.0 * (k + 1) * p2 / (1.0 - p2)
        shrink = 1.0 - (lr * h[WEIGHT_DECAY] if h[FIXED_DECAY] == 0.0 else h[WEIGHT_DECAY])
        c[0, k] = shrink if h[WEIGHT_DECOUPLE] != 0.0 else 1.0
        c[3, k] = 1.0 if rectify else math.sqrt(1.0 - p2)
        if not rectify:
            c[1, k] = -(lr / bc1)
            c[2, k] = 0.0
        elif rho_t >= 5.0:
            c[1, k] = -math.sqrt((1.0 - p2) * (rho_t - 4.0) / (rho_inf - 4.0) * (rho_t - 2.0)
                                 / rho_t * rho_inf / (rho_inf - 2.0)) / bc1 * lr
            c[2, k] = 0.0
        else:
            c[1, k] = 0.0
            c[2, k] = -(1.0 / bc1) * lr if h[DEGENERATED_TO_SGD] != 0.0 else 0.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    d = g + (0.0 if h[WEIGHT_DECOUPLE] != 0.0 else h[WEIGHT_DECAY]) * x
    x = x * c[0, t - 1]  # decoupled decay (a factor of exactly 1 otherwise)
    m = state[0, i] * beta1 + (1.0 - beta1) * d
    r = d - m
    s = state[1, i] * beta2 + (1.0 - beta2) * r * r + h[EPS]
    smax = max(state[2, i], s)
    state[0, i] = m
    state[1, i] = s
    state[2, i] = smax if h[AMSGRAD] != 0.0 else 0.0
    use_max = h[AMSGRAD] != 0.0 and h[RECTIFY] == 0.0
    adaptive = m / (math.sqrt(smax if use_max else s) / c[3, t - 1] + h[EPS])
    x = x + c[1, t - 1] * adaptive if c[1, t - 1] != 0.0 else x
    return x + c[2, t - 1] * m if c[2, t - 1] != 0.0 else x


def step_size(h, c, state):
    """Effective per-coordinate step size on m_t."""
    s = state[:, 2] if (h[AMSGRAD] != 0.0 and h[RECTIFY] == 0.0) else state[:, 1]
    adaptive = -c[1][:, None] / (np.sqrt(s) / c[3][:, None] + h[EPS])
    return adaptive - c[2][:, None]


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    n1, n2, eps = tex.num(b1), tex.num(b2), tex.num(hp["eps"])
    wd, dec = hp["weight_decay"], hp["weight_decouple"]
    lines = (tex.decay(wd, "" if hp["fixed_decay"] else r"\gamma_t") if dec else [])
    lines += tex.grad(wd, dec)
    lines.append(rf"m_t = {n1}\, m_{{t-1}} + {tex.num(1 - b1)}\, g_t, \quad "
                 rf"s_t = {n2}\, s_{{t-1}} + {tex.num(1 - b2)}\,(g_t - m_t)^2 + {eps}")
    s = r"\bar s_t" if hp["amsgrad"] and not hp["rectify"] else "s_t"
    if hp["amsgrad"]:
        lines.append(r"\bar s_t = \max(\bar s_{t-1}, s_t)")
    if not hp["rectify"]:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \frac{{\gamma_t}}{{1-{n1}^t}}\,"
                     rf"\frac{{m_t}}{{\sqrt{{{s}}}/\sqrt{{1-{n2}^t}} + {eps}}}, \quad {gamma}")
        return lines
    other = r"\frac{\gamma_t}{1-" + n1 + r"^t}\, m_t" if hp["degenerated_to_sgd"] else "0"
    lines.append(rf"\rho_t = \rho_\infty - \frac{{2t\,{n2}^t}}{{1-{n2}^t}}, \quad "
                 rf"\rho_\infty = {tex.num(2 / (1 - b2) - 1)}, \quad r_t \text{{ as RAdam's}}")
    lines.append(rf"\theta_t = \theta_{{t-1}} - \begin{{cases}} \frac{{\gamma_t r_t "
                 rf"\sqrt{{1-{n2}^t}}}}{{1-{n1}^t}}\, \frac{{m_t}}{{\sqrt{{s_t}} + {eps}}} & "
                 rf"\rho_t \ge 5 \\ {other} & \text{{otherwise}} \end{{cases}}, \quad {gamma}")
    return lines
