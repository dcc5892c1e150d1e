r"""Schedule-Free SGD and AdamW (``SGDScheduleFree`` and ``AdamWScheduleFree`` of the authors'
``schedulefree`` package, version 1.4.1), in train mode.

The method keeps three points: z (the base iterate, moved by plain SGD or Adam steps), x (a
weighted average of the z's, the point to evaluate a model at) and y, the point between them
where the gradient is taken. The package stores y in the parameters during training and
switches to x with ``optimizer.eval()``. The drawn path is y, the point the package evaluates
gradients at; the inspector shows z and x. At update t = k + 1, with scheduled learning rate
γ_t and gradient g_t taken at y_{t-1}::

    warmup:  γ'_t = γ_t · min(1, (k+1)/warmup_steps)          (γ'_t = γ_t without warmup)
    γmax_t = max(γmax_{t-1}, γ'_t),  w_t = (k+1)^r · γmax_t^weight_lr_power
    c_t = w_t / Σ_{i≤t} w_i                                      (c_1 = 1)
    SGD:    u_t = g_t + λ y_{t-1}                                λ = weight_decay
    AdamW:  v_t = β2 v_{t-1} + (1 - β2) g_t²,  u_t = g_t / (sqrt(v_t / (1 - β2^t)) + ε) + λ y_{t-1}
    y_t = (1 - c_t) y_{t-1} + c_t z_{t-1} + γ'_t (β (1 - c_t) - 1) u_t        (β = momentum or β1)
    z_t = z_{t-1} - γ'_t u_t,   z_0 = y_0
    x_t = y_t + (1 - 1/β)(z_t - y_t)                            (what ``eval()`` would set)

Conventions (as the package, foreach path): the interpolation toward z is ``torch.lerp`` (exact
at c = 1, so the first update starts from z_0 = y_0); the weights use the warmed-up rate's
running maximum; AdamW's weight decay is added to the normalised step, at y, and there is no
first-moment buffer (the averaging plays its role). The package raises for SGD momentum outside
(0, 1); AdamW accepts β1 = 0, where y = z and the package's ``eval()`` would divide by zero:
x is then shown as that same point (the limit β1 → 0). A learning-rate
schedule from the app multiplies γ as the package's ``group['lr']`` would be changed.

Reference: Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky (2024), "The Road Less
Scheduled", NeurIPS; github.com/facebookresearch/schedule_free.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from . import _ownloop as own
from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, packed
from .rmsprop import _lerp

STATE = ("z", "x", "exp_avg_sq")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "z": "is the base sequence the gradient steps move",
    "x": "the average point (not the coordinate x)",
    "exp_avg_sq": "the running mean of squared gradients (AdamW)",
}
Z, X, EXP_AVG_SQ = range(len(STATE))

FIELDS = ("beta1", "beta2", "eps", "weight_decay", "warmup_steps", "r", "weight_lr_power",
          "adam")
BETA1, BETA2, EPS, WEIGHT_DECAY, WARMUP, R, WEIGHT_LR_POWER, ADAM = range(len(FIELDS))

_COMMON = {
    "weight_decay": Hyper("weight_decay", 0.0, 0.0, math.inf, label="weight decay",
                          error="Invalid weight_decay value", high_open=True, ui_low=0.0,
                          ui_high=0.5, symbol="wd",
                          help="L2 term λ·y added to the gradient (AdamW: to the normalised "
                               "step)."),
    "warmup_steps": Hyper("warmup_steps", 0.0, 0.0, math.inf, label="warmup steps",
                          error="Invalid warmup_steps", high_open=True, ui_low=0.0,
                          ui_high=200.0, symbol="warmup", whole=True,
                          help="Updates over which the rate rises linearly to γ (a whole number)."),
    "r": Hyper("r", 0.0, 0.0, math.inf, label="averaging power r", error="Invalid r",
               high_open=True, ui_low=0.0, ui_high=4.0, symbol="r",
               help="Later points weigh more in the average x: weight ∝ (k+1)^r."),
    "weight_lr_power": Hyper("weight_lr_power", 2.0, 0.0, math.inf, label="weight_lr_power",
                             error="Invalid weight_lr_power", high_open=True, ui_low=0.0,
                             ui_high=4.0, symbol="p",
                             help="During warmup each point's weight in x is γ^p."),
}
SGD_SPEC = {
    "lr": lr_hyper(1.0),
    "momentum": Hyper("momentum", 0.9, 0.0, 1.0, label="momentum β", low_open=True,
                      high_open=True, error="Momentum must be between 0 and 1 exclusive",
                      ui_low=0.01, ui_high=0.99, symbol="β",
                      help="Where y sits between x (β → 1) and z (β → 0)."),
    **_COMMON,
}
ADAMW_SPEC = {
    "lr": lr_hyper(0.0025),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-8),
    **_COMMON,
}

#: Per-step scalars: γ'_t, c_t, γ'_t (β (1 - c_t) - 1) and 1 - β2^t.
COEFFS = 4


def check(hp: dict) -> None:
    return None


def held_state(hp: dict) -> tuple[str, ...]:
    return STATE if "betas" in hp else STATE[:2]


def pack(hp: dict) -> list[float]:
    adam = "betas" in hp
    b1, b2 = hp["betas"] if adam else (hp["momentum"], 0.0)
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"] if adam else 0.0,
                  weight_decay=hp["weight_decay"], warmup_steps=hp["warmup_steps"], r=hp["r"],
                  weight_lr_power=hp["weight_lr_power"], adam=adam)


def step_size(h, c, state):
    """What multiplies the gradient (SGD) or g/sqrt(v̂) (AdamW) in y's update."""
    mult = -c[2][:, None]
    if h[ADAM] == 0.0:
        return np.repeat(mult, 2, axis=1)
    return mult / (np.sqrt(state[:, EXP_AVG_SQ] / c[3][:, None]) + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    adam = "betas" in hp
    beta = tex.num(hp["betas"][0] if adam else hp["momentum"])
    lines = [r"g_t = \nabla f(y_{t-1})"]
    if hp["warmup_steps"]:
        lines.append(rf"\gamma'_t = \gamma_t \min(1, t/{int(hp['warmup_steps'])})")
    else:
        lines.append(r"\gamma'_t = \gamma_t")
    r, power = tex.num(hp["r"]), tex.num(hp["weight_lr_power"])
    t_r = rf"t^{{{r}}}\," if hp["r"] else ""
    lines.append(rf"c_t = \frac{{w_t}}{{\sum_{{i \le t}} w_i}}, \quad w_t = {t_r}"
                 rf"(\max_{{i \le t}} \gamma'_i)^{{{power}}}")
    wd = hp["weight_decay"]
    decay = rf" + {tex.num(wd)}\, y_{{t-1}}" if wd else ""
    if adam:
        b2 = hp["betas"][1]
        lines.append(rf"v_t = {tex.num(b2)}\, v_{{t-1}} + {tex.num(1 - b2)}\, g_t^2, \quad "
                     rf"u_t = \frac{{g_t}}{{\sqrt{{v_t/(1-{tex.num(b2)}^t)}} + "
                     rf"{tex.num(hp['eps'])}}}{decay}")
    else:
        lines.append(rf"u_t = g_t{decay}")
    lines += [rf"y_t = (1-c_t)\, y_{{t-1}} + c_t z_{{t-1}} - \gamma'_t (1 - {beta}(1-c_t))\, u_t,"
              rf" \quad {gamma}",
              r"z_t = z_{t-1} - \gamma'_t u_t, \quad z_0 = y_0",
              rf"x_t = y_t + (1 - 1/{beta})(z_t - y_t)"]
    return lines


@kernel(inline=True)
def _coefficients(h, lrs, c):
    beta1 = h[BETA1]
    warmup = h[WARMUP]
    r = h[R]
    power = h[WEIGHT_LR_POWER]
    lr_max = -1.0
    weight_sum = 0.0
    for k in range(lrs.shape[0]):
        sched = (k + 1) / warmup if k < warmup else 1.0
        lr = lrs[k] * sched
        lr_max = lr_max if lr_max > lr else lr  # Python's max(lr, lr_max)
        weight = (float(k + 1) ** r) * (lr_max ** power)
        weight_sum = weight_sum + weight
        ckp1 = weight / weight_sum if weight_sum != 0.0 else 0.0
        c[0, k] = lr
        c[1, k] = ckp1
        c[2, k] = lr * (beta1 * (1.0 - ckp1) - 1.0)
        c[3, k] = 1.0 - h[BETA2] ** (k + 1)


@kernel(inline=True)
def _update(i, y, g, state, h, c, t):
    """One coordinate's update of y (returned) and z, x, v (in ``state``)."""
    if h[ADAM] != 0.0:
        v = state[EXP_AVG_SQ, i] * h[BETA2] + (1.0 - h[BETA2]) * g * g
        state[EXP_AVG_SQ, i] = v
        g = g / (math.sqrt(v / c[3, t - 1]) + h[EPS])
    if h[WEIGHT_DECAY] != 0.0:
        g = g + h[WEIGHT_DECAY] * y
    z = state[Z, i]
    y = _lerp(y, z, c[1, t - 1]) + c[2, t - 1] * g
    z = z - c[0, t - 1] * g
    state[Z, i] = z
    # x from y and z as the package's eval() does; at β1 = 0, where that divides by zero, y and
    # z coincide and x is taken as their common value (the limit β1 → 0).
    state[X, i] = _lerp(y, z, 1.0 - 1.0 / h[BETA1]) if h[BETA1] != 0.0 else y
    return y


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory of y; arguments and return as :func:`optimizers._driver._loop`."""
    steps = lrs.shape[0]
    _coefficients(h, lrs, coef)
    ok, fx, fy = own.start(sid, sp, batch, x0, y0, xy, loss)
    if not ok:
        return 1
    state[Z, 0] = x0
    state[Z, 1] = y0
    x = x0
    y = y0
    for t in range(1, steps + 1):
        nx, ny, kx, ky = own.draws(noise, drop, t)
        gx, gy = own.received(fx, fy, nx, ny, kx, ky)
        px = x
        py = y
        x = _update(0, px, gx, state, h, coef, t)
        y = _update(1, py, gy, state, h, coef, t)
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1
