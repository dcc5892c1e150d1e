"""Demo of the race player on f(x, y) = x^2 + 3 y^2.

Run with ``streamlit run tests/player_demo_app.py``. Query parameters:
``?steps=N`` (default 10000) and ``?wide=1`` for the wide page layout.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from figures.mapspec import racer_dash, racer_symbol  # noqa: E402
from ui.player import race_player  # noqa: E402

A, B = 1.0, 3.0
XRANGE, YRANGE = (-2.0, 2.0), (-1.5, 1.5)
EPS = 1e-3
LOSS_FLOOR = 1e-16
DIVERGE_AT = 1e6


def f(x: float, y: float) -> float:
    return A * x * x + B * y * y


def grad(x: float, y: float) -> tuple[float, float]:
    return 2 * A * x, 2 * B * y


def run(kind: str, start: tuple[float, float], steps: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    x, y = start
    xs, ys, lrs, grads, updates = [x], [y], [], [], []
    vx = vy = 0.0
    mx = my = sx = sy = 0.0
    status, diverged_at = "completed", None
    for k in range(steps):
        gx, gy = grad(x, y)
        if kind == "sgd":
            lr = 0.02 * 0.5 * (1 + math.cos(math.pi * k / steps)) + 1e-4
            gx += rng.gauss(0.0, 0.8)
            gy += rng.gauss(0.0, 0.8)
            dx, dy = -lr * gx, -lr * gy
        elif kind == "momentum":
            lr, beta = 0.004, 0.97
            vx, vy = beta * vx + gx, beta * vy + gy
            dx, dy = -lr * vx, -lr * vy
        elif kind == "rmsprop":
            lr, rho = 0.002, 0.99
            sx = rho * sx + (1 - rho) * gx * gx
            sy = rho * sy + (1 - rho) * gy * gy
            dx, dy = -lr * gx / (math.sqrt(sx) + 1e-8), -lr * gy / (math.sqrt(sy) + 1e-8)
        elif kind == "adam":
            lr, b1, b2 = 0.003, 0.9, 0.999
            mx, my = b1 * mx + (1 - b1) * gx, b1 * my + (1 - b1) * gy
            sx, sy = b2 * sx + (1 - b2) * gx * gx, b2 * sy + (1 - b2) * gy * gy
            c1, c2 = 1 - b1 ** (k + 1), 1 - b2 ** (k + 1)
            dx = -lr * (mx / c1) / (math.sqrt(sx / c2) + 1e-8)
            dy = -lr * (my / c1) / (math.sqrt(sy / c2) + 1e-8)
        else:  # "gd-big": plain gradient descent with a step size that is too large
            lr = 0.36
            dx, dy = -lr * gx, -lr * gy
        x, y = x + dx, y + dy
        lrs.append(lr)
        grads.append([gx, gy])
        updates.append([dx, dy])
        xs.append(x)
        ys.append(y)
        if not math.isfinite(f(x, y)) or f(x, y) > DIVERGE_AT:
            status, diverged_at = "diverged", k + 1
            break
    loss = np.array([f(a, b) for a, b in zip(xs, ys, strict=True)])
    return {
        "x": np.array(xs),
        "y": np.array(ys),
        "loss": loss,
        "loss_y": np.maximum(loss, LOSS_FLOOR),
        "lr": np.array(lrs),
        "status": status,
        "diverged_at": diverged_at,
        "arrows": {"grad": np.array(grads), "update": np.array(updates)},
    }


RUNS = [
    ("sgd", "SGD, cosine lr 0.02", "#1f77b4"),
    ("momentum", "Momentum (lr 0.004, β 0.97)", "#d62728"),
    ("rmsprop", "RMSProp (lr 0.002)", "#2ca02c"),
    ("adam", "Adam (lr 0.003)", "#9467bd"),
    ("gd-big", "GD (lr 0.36)", "#ff7f0e"),
]


@st.cache_data(show_spinner=False)
def build_payload(start: tuple[float, float], steps: int) -> dict:
    gx = np.linspace(*XRANGE, 150)
    gy = np.linspace(*YRANGE, 150)
    X, Y = np.meshgrid(gx, gy)
    x3 = np.linspace(*XRANGE, 60)
    y3 = np.linspace(*YRANGE, 60)
    X3, Y3 = np.meshgrid(x3, y3)
    paths = []
    for i, (kind, label, color) in enumerate(RUNS):
        path = run(kind, start, steps, seed=i)
        path.update(label=label, color=color, symbol=racer_symbol(i), dash=racer_dash(i))
        paths.append(path)
    return {
        "surface": {
            "title": "f(x, y) = x² + 3y²",
            "x": gx,
            "y": gy,
            "z": np.log10(A * X**2 + B * Y**2 + EPS),
            "log": True,
            "zlabel": "log₁₀ f",
            "x3d": x3,
            "y3d": y3,
            "z3d": A * X3**2 + B * Y3**2,
            "minima": [[0.0, 0.0, 0.0]],
            "saddles": [],
            "xrange": list(XRANGE),
            "yrange": list(YRANGE),
        },
        "paths": paths,
        "steps": steps,
        "loss_label": "f − f* (log scale)",
        "loss_log": True,
        "show_lr": True,
        "start": list(start),
        "revision": "quadratic",
        "theme": {"font_size": 16},
    }


params = st.query_params
st.set_page_config(
    page_title="Race player demo",
    layout="wide" if params.get("wide") == "1" else "centered",
)
steps = int(params.get("steps", 10000))

if "start" not in st.session_state:
    st.session_state.start = (-1.6, 1.1)
    st.session_state.handled = None

st.title("Optimizer race")
payload = build_payload(st.session_state.start, steps)
event = race_player(payload, key="race")

if event is not None and event.get("nonce") != st.session_state.handled:
    st.session_state.handled = event.get("nonce")
    if event.get("event") == "click":
        st.session_state.start = (round(event["x"], 4), round(event["y"], 4))
        st.rerun()

if event is None:
    st.write("Last event: none yet")
elif event.get("event") == "click":
    st.write(
        f"Last event: click at x = {event['x']:.4f}, y = {event['y']:.4f} (nonce {event['nonce']})"
    )
else:
    st.write(
        f"Last event: {event.get('event')} at step {event.get('step')} (nonce {event['nonce']})"
    )
