"""Slow, obvious transcriptions of each update rule, straight from the optimizer docstrings.

Plain Python floats, one coordinate at a time, no Numba: the compiled kernels are checked against
these. Each function takes the gradient function ``grad(x, y) -> (gx, gy)`` and returns the list
of positions.
"""

from __future__ import annotations

import math
import struct


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


def adadelta(grad, start, steps, lrs, rho=0.9, eps=1e-6, weight_decay=0.0):
    def step(i, p, g, s, t, lr):
        d = g + weight_decay * p
        v = rho * s.get(("v", i), 0.0) + (1 - rho) * d * d
        u = s.get(("u", i), 0.0)
        delta = math.sqrt(u + eps) / math.sqrt(v + eps) * d
        s[("v", i)], s[("u", i)] = v, rho * u + (1 - rho) * delta * delta
        return p - lr * delta
    return _run(grad, start, steps, lrs, step)


def adamax(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas

    def step(i, p, g, s, t, lr):
        d = g + weight_decay * p
        m = b1 * s.get(("m", i), 0.0) + (1 - b1) * d
        u = max(b2 * s.get(("u", i), 0.0), abs(d) + eps)
        s[("m", i)], s[("u", i)] = m, u
        return p - lr / (1 - b1**t) * m / u
    return _run(grad, start, steps, lrs, step)


def _rect(rho_t, rho_inf):
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


def radam(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          decoupled_weight_decay=False):
    b1, b2 = betas
    rho_inf = 2 / (1 - b2) - 1

    def step(i, p, g, s, t, lr):
        d = g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            d = g + weight_decay * p
        m = b1 * s.get(("m", i), 0.0) + (1 - b1) * d
        v = b2 * s.get(("v", i), 0.0) + (1 - b2) * d * d
        s[("m", i)], s[("v", i)] = m, v
        mhat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            return p - lr * mhat * _rect(rho_t, rho_inf) * math.sqrt(1 - b2**t) / (
                math.sqrt(v) + eps)
        return p - lr * mhat
    return _run(grad, start, steps, lrs, step)


def rprop(grad, start, steps, lrs, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):
    def step(i, p, g, s, t, lr):
        size = s.get(("s", i), lrs[0])
        prev = s.get(("prev", i), 0.0)
        if g * prev > 0:
            size = min(size * etas[1], step_sizes[1])
        elif g * prev < 0:
            size = max(size * etas[0], step_sizes[0])
            g = 0.0
        else:
            size = min(max(size, step_sizes[0]), step_sizes[1])
        s[("s", i)], s[("prev", i)] = size, g
        return p - size * (0.0 if g == 0 else math.copysign(1.0, g))
    return _run(grad, start, steps, lrs, step)


def asgd(grad, start, steps, lrs, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0):
    def step(i, p, g, s, t, lr):
        eta = lrs[0] if t == 1 else lrs[t - 2] / (1 + lambd * lrs[t - 2] * (t - 1)) ** alpha
        d = g + weight_decay * p
        return p * (1 - lambd * eta) - eta * d
    return _run(grad, start, steps, lrs, step)


def adabelief(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-16, weight_decay=0.0,
              amsgrad=False, weight_decouple=True, fixed_decay=False, rectify=True,
              degenerated_to_sgd=True):
    b1, b2 = betas
    rho_inf = 2 / (1 - b2) - 1

    def step(i, p, g, s, t, lr):
        d = g
        if weight_decouple:
            p = p * (1 - (weight_decay if fixed_decay else lr * weight_decay))
        else:
            d = g + weight_decay * p
        m = b1 * s.get(("m", i), 0.0) + (1 - b1) * d
        v = b2 * s.get(("v", i), 0.0) + (1 - b2) * (d - m) ** 2 + eps
        vmax = max(s.get(("vmax", i), 0.0), v)
        s[("m", i)], s[("v", i)], s[("vmax", i)] = m, v, vmax
        if not rectify:
            vv = vmax if amsgrad else v
            return p - lr / (1 - b1**t) * m / (math.sqrt(vv) / math.sqrt(1 - b2**t) + eps)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t >= 5:
            size = _rect(rho_t, rho_inf) * math.sqrt(1 - b2**t) / (1 - b1**t)
            return p - lr * size * m / (math.sqrt(v) + eps)
        return p - lr / (1 - b1**t) * m if degenerated_to_sgd else p
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
    "adadelta": adadelta,
    "adamax": adamax,
    "radam": radam,
    "rprop": rprop,
    "asgd": asgd,
    "adabelief": adabelief,
}


# ---- Optimizers with their own loop: L-BFGS (the line search is checked against torch in
# ---- tests/test_refs.py), SAM and Schedule-Free.

def lbfgs(grad, start, steps, lrs, history_size=100, tolerance_grad=1e-7, tolerance_change=1e-9,
          max_eval=1, line_search_fn=False):
    if line_search_fn:
        raise NotImplementedError("the line search is compared with torch's in test_refs.py")
    theta, out, hist = list(start), [tuple(start)], []
    n_iter, d, t, prev, h_diag = 0, None, None, None, 1.0
    for k in range(steps):
        g = list(grad(*theta))
        if max(abs(g[0]), abs(g[1])) <= tolerance_grad:
            out.append(tuple(theta))
            continue
        n_iter += 1
        if n_iter == 1:
            d = [-g[0], -g[1]]
        else:
            y = [g[0] - prev[0], g[1] - prev[1]]
            s = [d[0] * t, d[1] * t]
            ys = y[0] * s[0] + y[1] * s[1]
            if ys > 1e-10:
                if len(hist) == history_size:
                    hist.pop(0)
                hist.append((y, s, 1.0 / ys))
                h_diag = ys / (y[0] * y[0] + y[1] * y[1])
            q, al = [-g[0], -g[1]], [0.0] * len(hist)
            for i in reversed(range(len(hist))):
                yi, si, ro = hist[i]
                al[i] = (si[0] * q[0] + si[1] * q[1]) * ro
                q = [q[j] - al[i] * yi[j] for j in range(2)]
            d = [q[0] * h_diag, q[1] * h_diag]
            for i, (yi, si, ro) in enumerate(hist):
                be = (yi[0] * d[0] + yi[1] * d[1]) * ro
                d = [d[j] + (al[i] - be) * si[j] for j in range(2)]
        prev = g
        t = min(1.0, 1.0 / (abs(g[0]) + abs(g[1]))) * lrs[k] if n_iter == 1 else lrs[k]
        if g[0] * d[0] + g[1] * d[1] <= -tolerance_change:
            theta = [theta[0] + t * d[0], theta[1] + t * d[1]]
        out.append(tuple(theta))
    return out


def _sam_grad(grad, rho, adaptive):
    """The gradient SAM hands its base optimizer: taken at θ + ε, ε = ρ (θ²) g / ‖(|θ|) g‖."""
    def perturbed(x, y):
        gx, gy = grad(x, y)
        ax, ay = (abs(x) * gx, abs(y) * gy) if adaptive else (gx, gy)
        scale = rho / (math.sqrt(ax * ax + ay * ay) + 1e-12)
        ex, ey = (x * x * gx * scale, y * y * gy * scale) if adaptive else (gx * scale, gy * scale)
        return grad(x + ex, y + ey)
    return perturbed


def sam_sgd(grad, start, steps, lrs, rho=0.05, adaptive=False, **sgd_hyper):
    return sgd(_sam_grad(grad, rho, adaptive), start, steps, lrs, **sgd_hyper)


def sam_adam(grad, start, steps, lrs, rho=0.05, adaptive=False, **adam_hyper):
    return adam(_sam_grad(grad, rho, adaptive), start, steps, lrs, **adam_hyper)


def schedulefree(grad, start, steps, lrs, momentum=0.9, betas=None, eps=1e-8, weight_decay=0.0,
                 warmup_steps=0, r=0.0, weight_lr_power=2.0):
    """y is drawn and gets the gradient; z takes plain (or Adam-normalised) steps."""
    beta = betas[0] if betas else momentum
    y, z, v, out = list(start), list(start), [0.0, 0.0], [tuple(start)]
    lr_max, weight_sum = -1.0, 0.0
    for k in range(steps):
        g = grad(*y)
        lr = lrs[k] * ((k + 1) / warmup_steps if k < warmup_steps else 1.0)
        lr_max = max(lr, lr_max)
        weight = (k + 1) ** r * lr_max ** weight_lr_power
        weight_sum += weight
        c = weight / weight_sum if weight_sum else 0.0
        for i in range(2):
            u = g[i]
            if betas:
                v[i] = betas[1] * v[i] + (1 - betas[1]) * u * u
                u = u / (math.sqrt(v[i] / (1 - betas[1] ** (k + 1))) + eps)
            u = u + weight_decay * y[i]
            y[i] = (1 - c) * y[i] + c * z[i] + lr * (beta * (1 - c) - 1) * u
            z[i] = z[i] - lr * u
        out.append(tuple(y))
    return out


NAIVE.update({
    "lbfgs": lbfgs,
    "sam_sgd": sam_sgd,
    "sam_adam": sam_adam,
    "sgd_schedulefree": schedulefree,
    "adamw_schedulefree": lambda *a, **k: schedulefree(*a, **{"betas": (0.9, 0.999), **k}),
})


# ---- Muon, Adafactor and SparseAdam (torch 2.13), each on the whole point (x, y).

def _f32(v: float) -> float:
    """v rounded to float32 (a float32 operation on float32 values, done in float64 and then
    rounded, gives the correctly rounded float32 result)."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def _bf16(v: float) -> float:
    """v rounded to float32, then to bfloat16 (to nearest, ties to even)."""
    bits = struct.unpack("<I", struct.pack("<f", _f32(v)))[0]
    bits = (bits + ((bits >> 16) & 1) + 0x7FFF) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def newton_schulz(u: float, v: float, steps: int = 5, eps: float = 1e-7,
                  coefficients=(3.4445, -4.7750, 2.0315)) -> tuple[float, float]:
    """NS_k of the 1×2 matrix [u v] in bfloat16: each operation in float32, rounded to bf16."""
    a, b, c = (_f32(k) for k in coefficients)
    p, q = _bf16(u), _bf16(v)
    norm = max(_bf16(math.sqrt(_f32(p * p + q * q))), _bf16(eps))
    p, q = _bf16(p / norm), _bf16(q / norm)
    for _ in range(steps):
        s = _bf16(p * p + q * q)
        w = _bf16(_f32(b * s) + _f32(c * _f32(s * s)))
        p, q = _bf16(_f32(a * p) + _f32(w * p)), _bf16(_f32(a * q) + _f32(w * q))
    return p, q


def _lerp(start, end, weight):
    return start + weight * (end - start) if abs(weight) < 0.5 else end - (end - start) * (
        1 - weight)


def muon(grad, start, steps, lrs, weight_decay=0.1, momentum=0.95, nesterov=True, eps=1e-7,
         ns_steps=5, adjust_lr_fn=None):
    ratio = 0.2 * math.sqrt(2) if adjust_lr_fn in (True, "match_rms_adamw") else 1.0
    theta, buf, out = list(start), [0.0, 0.0], [tuple(start)]
    for k in range(steps):
        g = grad(*theta)
        buf = [_lerp(buf[i], g[i], 1 - momentum) for i in range(2)]
        u = [_lerp(g[i], buf[i], momentum) for i in range(2)] if nesterov else buf
        o = newton_schulz(u[0], u[1], int(ns_steps), eps)
        theta = [theta[i] * (1 - lrs[k] * weight_decay) - lrs[k] * ratio * o[i]
                 for i in range(2)]
        out.append(tuple(theta))
    return out


def adafactor(grad, start, steps, lrs, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
              weight_decay=0.0):
    e1 = 2.0**-52 if eps[0] is None else eps[0]
    e2 = eps[1]
    theta, row, col, out = list(start), 0.0, [0.0, 0.0], [tuple(start)]
    for k in range(steps):
        t = k + 1
        g = grad(*theta)
        omega = t**beta2_decay
        alpha = max(e2, math.hypot(*theta) / math.sqrt(2)) * min(lrs[k], 1 / math.sqrt(t))
        theta = [p * (1 - lrs[k] * weight_decay) for p in theta]
        row = _lerp(row, (g[0] ** 2 + g[1] ** 2) / 2, omega)
        col = [_lerp(col[i], g[i] ** 2, omega) for i in range(2)]
        v = [max(row * col[i] / max(row, e1), e1 * e1) for i in range(2)]
        u = [g[i] / math.sqrt(v[i]) for i in range(2)]
        denom = max(1.0, math.hypot(*u) / (math.sqrt(2) * d))
        theta = [theta[i] - alpha / denom * u[i] for i in range(2)]
        out.append(tuple(theta))
    return out


def sparse_adam(grad, start, steps, lrs, betas=(0.9, 0.999), eps=1e-8, drop=None):
    """``drop[k][i]`` true: coordinate i is absent from update k+1's gradient."""
    b1, b2 = betas
    theta, m, v, out = list(start), [0.0, 0.0], [0.0, 0.0], [tuple(start)]
    for k in range(steps):
        t = k + 1
        g = grad(*theta)
        for i in range(2):
            if drop is not None and drop[k][i]:
                continue
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            theta[i] -= lrs[k] * math.sqrt(1 - b2**t) / (1 - b1**t) * m[i] / (
                math.sqrt(v[i]) + eps)
        out.append(tuple(theta))
    return out


NAIVE.update({"muon": muon, "adafactor": adafactor, "sparse_adam": sparse_adam})


# ---- Second-order methods (not in torch.optim): Newton and the saddle-free
# ---- Levenberg-Marquardt step, with NumPy's linear algebra in place of the closed forms.

def _hessian_of(grad, hess):
    """``hess(x, y) -> (hxx, hxy, hyy)``; by default the Hessian of the surface whose method
    ``grad`` is (tests/test_newton.py passes sympy's instead)."""
    return hess if hess is not None else grad.__self__.hessian


def newton(grad, start, steps, lrs, hess=None):
    """d = -H⁻¹ g; when |det H| ≤ 1e-12 ‖H‖²_F, d = -H⁺ g keeping only the eigenvalue of larger
    magnitude (none when H = 0)."""
    import numpy as np

    hess = _hessian_of(grad, hess)
    theta, out = np.array(start, dtype=float), [tuple(start)]
    for k in range(steps):
        g = np.array(grad(*theta), dtype=float)
        hxx, hxy, hyy = hess(*theta)
        H = np.array([[hxx, hxy], [hxy, hyy]], dtype=float)
        if abs(np.linalg.det(H)) > 1e-12 * np.sum(H * H):
            d = -np.linalg.solve(H, g)
        else:
            w, V = np.linalg.eigh(H)
            i = int(np.argmax(np.abs(w)))
            d = np.zeros(2) if w[i] == 0 else -V[:, i] * (V[:, i] @ g) / w[i]
        theta = theta + lrs[k] * d
        out.append(tuple(theta))
    return out


def levenberg_marquardt(grad, start, steps, lrs, damping=1e-2, hess=None):
    """d = -(|H| + λI)⁻¹ g, |H| = V |Λ| Vᵀ."""
    import numpy as np

    hess = _hessian_of(grad, hess)
    theta, out = np.array(start, dtype=float), [tuple(start)]
    for k in range(steps):
        g = np.array(grad(*theta), dtype=float)
        hxx, hxy, hyy = hess(*theta)
        w, V = np.linalg.eigh(np.array([[hxx, hxy], [hxy, hyy]], dtype=float))
        d = -V @ ((V.T @ g) / (np.abs(w) + damping))
        theta = theta + lrs[k] * d
        out.append(tuple(theta))
    return out


NAIVE.update({"newton": newton, "levenberg_marquardt": levenberg_marquardt})
