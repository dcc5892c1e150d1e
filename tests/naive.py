"""Slow, obvious transcriptions of each update rule, straight from the optimizer docstrings.

Plain Python floats, one coordinate at a time, no Numba: the compiled kernels are checked against
these. Each function takes the gradient function ``grad(x, y) -> (gx, gy)`` and returns the list
of positions.
"""

from __future__ import annotations

import math


def _run(grad, start, steps, lrs, step):
    theta = list(start)
    state: dict = {}
    out = [tuple(theta)]
    for t in range(1, steps + 1):
        g = grad(*theta)
        theta = [step(i, theta[i], g[i], state, t, lrs[t - 1]) for i in range(2)]
        out.append(tuple(theta))
    return out


def sgd(grad, start, steps, lrs, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    def step(i, p, g, s, t, lr):
        d = g + weight_decay * p
        if momentum != 0:
            b = d if t == 1 else momentum * s[i] + (1 - dampening) * d
            s[i] = b
            d = d + momentum * b if nesterov else b
        return p - lr * d
    return _run(grad, start, steps, lrs, step)


def rmsprop(grad, start, steps, lrs, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered=False):
    def step(i, p, g, s, t, lr):
        d = g + weight_decay * p
        v = alpha * s.get(("v", i), 0.0) + (1 - alpha) * d * d
        s[("v", i)] = v
        if centered:
            ga = s.get(("ga", i), 0.0)
            ga = ga + (1 - alpha) * (d - ga)
            s[("ga", i)] = ga
            avg = math.sqrt(v - ga * ga) + eps
        else:
            avg = math.sqrt(v) + eps
        if momentum > 0:
            b = momentum * s.get(("b", i), 0.0) + d / avg
            s[("b", i)] = b
            return p - lr * b
        return p - lr * d / avg
    return _run(grad, start, steps, lrs, step)


def adam(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
         decoupled=False):
    b1, b2 = betas

    def step(i, p, g, s, t, lr):
        d = g
        if weight_decay:
            if decoupled:
                p = p * (1 - lr * weight_decay)
            else:
                d = g + weight_decay * p
        m = b1 * s.get(("m", i), 0.0) + (1 - b1) * d
        v = b2 * s.get(("v", i), 0.0) + (1 - b2) * d * d
        s[("m", i)], s[("v", i)] = m, v
        if amsgrad:
            v = max(s.get(("vmax", i), 0.0), v)
            s[("vmax", i)] = v
        mhat = m / (1 - b1**t)
        denom = math.sqrt(v) / math.sqrt(1 - b2**t) + eps
        return p - lr * mhat / denom
    return _run(grad, start, steps, lrs, step)


def adagrad(grad, start, steps, lrs, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
            eps=1e-10):
    def step(i, p, g, s, t, lr):
        d = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        acc = s.get(i, initial_accumulator_value) + d * d
        s[i] = acc
        return p - clr * d / (math.sqrt(acc) + eps)
    return _run(grad, start, steps, lrs, step)


def nadam(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          momentum_decay=4e-3, decoupled_weight_decay=False):
    b1, b2 = betas

    def step(i, p, g, s, t, lr):
        d = g
        if weight_decay:
            if decoupled_weight_decay:
                p = p * (1 - lr * weight_decay)
            else:
                d = g + weight_decay * p
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod = s.get(("prod", i), 1.0) * mu
        s[("prod", i)] = prod
        m = b1 * s.get(("m", i), 0.0) + (1 - b1) * d
        v = b2 * s.get(("v", i), 0.0) + (1 - b2) * d * d
        s[("m", i)], s[("v", i)] = m, v
        denom = math.sqrt(v / (1 - b2**t)) + eps
        p = p - lr * (1 - mu) / (1 - prod) * d / denom
        return p - lr * mu_next / (1 - prod * mu_next) * m / denom
    return _run(grad, start, steps, lrs, step)


def lion(grad, start, steps, lrs, betas=(0.9, 0.99), weight_decay=0.0):
    b1, b2 = betas

    def step(i, p, g, s, t, lr):
        p = p * (1 - lr * weight_decay)
        m = s.get(i, 0.0)
        c = b1 * m + (1 - b1) * g
        s[i] = b2 * m + (1 - b2) * g
        return p - lr * (0.0 if c == 0 else math.copysign(1.0, c))
    return _run(grad, start, steps, lrs, step)


NAIVE = {
    "sgd": sgd,
    "momentum": lambda *a, **k: sgd(*a, **{"momentum": 0.9, **k}),
    "nesterov": lambda *a, **k: sgd(*a, **{"momentum": 0.9, "nesterov": True, **k}),
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": lambda *a, **k: adam(*a, **{"weight_decay": 1e-2, **k}, decoupled=True),
    "adagrad": adagrad,
    "nadam": nadam,
    "lion": lion,
}
