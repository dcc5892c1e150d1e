"""The numbers behind a race: CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from scene import to_dict, to_json

CSV_COLUMNS = ("step", "optimizer", "x", "y", "loss", "lr")


def _f(v) -> str:
    return repr(float(v))


def csv_bytes(race) -> bytes:
    """One row per point of every path: step, optimizer (the racer's label), x, y, loss and
    the learning rate of the update that leaves the point (empty for a path's last point)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in race.racers:
        t = r.traj
        xs, ys, loss, lr = t.xy[:, 0].tolist(), t.xy[:, 1].tolist(), t.loss.tolist(), \
            t.lr.tolist()
        for i in range(t.n):
            w.writerow((i, r.label, _f(xs[i]), _f(ys[i]), _f(loss[i]),
                        _f(lr[i]) if i < len(lr) else ""))
    return buf.getvalue().encode("utf-8")


def _plain(v):
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, bool | int | str) or v is None:
        return v
    return float(v)


def trajectories(race) -> list[dict]:
    out = []
    for r in race.racers:
        t = r.traj
        xs, ys, loss, lr = t.xy[:, 0].tolist(), t.xy[:, 1].tolist(), t.loss.tolist(), \
            t.lr.tolist()
        out.append({
            "label": r.label,
            "optimizer": r.optimizer,
            "color": r.color,
            "hyper": {k: _plain(v) for k, v in r.hyper.items()},
            "status": t.status,
            "diverged_at": t.diverged_at,
            "points": [{"step": i, "x": xs[i], "y": ys[i], "loss": loss[i],
                        "lr": lr[i] if i < len(lr) else None} for i in range(t.n)],
        })
    return out


def json_bytes(scene, race) -> bytes:
    """``{"scene": …, "trajectories": [{label, optimizer, color, hyper, status, diverged_at,
    points: [{step, x, y, loss, lr}, …]}, …]}``; ``lr`` is null at a path's last point."""
    doc = {"scene": to_dict(scene), "trajectories": trajectories(race)}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def scene_bytes(scene) -> bytes:
    """The scene alone, as the app and ``assets/scenes/`` store it."""
    return (to_json(scene) + "\n").encode("utf-8")
