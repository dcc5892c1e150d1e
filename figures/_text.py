"""Words on the figures: hyperparameters in a legend, titles, axis labels."""

from __future__ import annotations

import math
import re

from optimizers import OPTIMIZERS
from optimizers.schedules import SCHEDULES


def _symbol(h) -> str:
    """How the legend names a hyperparameter before its value, from the optimizer module's
    spec: "μ=", "β=", "t₀=" for a symbol, "wd ", "lr decay " for a word."""
    s = h.symbol or h.name
    return s + (" " if sum(c.isascii() and c.isalpha() for c in s) >= 2 else "=")


def plot_text(text) -> str:
    """User text (a racer's label, a scene's title) as Plotly shows it literally. Plotly reads
    names, titles and hover text as a subset of HTML (``<a href>``, ``<b>``, ``<br>``,
    entities) and hover templates' ``%{…}`` as variables: ``&``, ``<``, ``>``, ``{`` and ``}``
    become character references, which it shows as the characters themselves."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def num(v: float) -> str:
    """A number as people write it: 0.05, 1e-08, 0.999, 300."""
    v = float(v)
    if v == 0:
        return "0"
    if math.isfinite(v) and 1e-4 <= abs(v) < 1e5:
        return f"{v:.4g}"
    return f"{v:.3g}"


def hyper_text(optimizer: str, hyper: dict) -> str:
    """``"lr 0.05, β=(0.9, 0.999)"``: the learning rate, the optimizer's characteristic
    hyperparameter and every other one that differs from torch's default."""
    info = OPTIMIZERS.get(optimizer)
    if info is None:
        return ", ".join(f"{k} {v}" for k, v in hyper.items())
    full = {**info.defaults(), **hyper}
    parts = [f"lr {num(full['lr'])}"]
    for name, h in info.spec.items():
        if name == "lr":
            continue
        value = full[name]
        is_default = (tuple(value) == tuple(h.default)) if h.kind == "pair" \
            else value == h.default
        if name not in info.key and is_default:
            continue
        if h.kind == "bool":
            if name == "nesterov" and optimizer == "nesterov":
                continue  # already in the name
            parts.append((h.symbol or name) if value else f"no {h.symbol or name}")
        elif h.kind == "pair":
            parts.append(f"{_symbol(h)}({num(value[0])}, {num(value[1])})")
        else:
            parts.append(f"{_symbol(h)}{num(value)}")
    return ", ".join(parts)


def own_text(own: dict) -> str:
    """A racer's own schedule, noise and sparsity, for its legend entry."""
    parts = []
    if "schedule" in own:
        sched = dict(own["schedule"])
        name = sched.pop("name", "constant")
        title = SCHEDULES[name].title if name in SCHEDULES else name
        extra = ", ".join(f"{k} {_value(v)}" for k, v in sched.items())
        parts.append(f"{title.lower()}" + (f" ({extra})" if extra else ""))
    if "noise" in own:
        parts.append(f"σ={num(own['noise'])}")
    if "sparsity" in own:
        parts.append(f"sparsity {num(own['sparsity'])}")
    return ", ".join(parts)


def base_label(label: str, optimizer: str, hyper: dict) -> str:
    """The racer's label, without the "(lr 0.1)" or "(μ 0.9)" a scene derives to tell apart
    two entries of the same optimizer: the legend states those settings anyway."""
    info = OPTIMIZERS.get(optimizer)
    if info is not None and label.startswith(info.title + " (") and label.endswith(")"):
        inner = label[len(info.title) + 2:-1]
        if inner and all(_derived_part(p, hyper) for p in inner.split("; ")):
            return info.title
    return label


def _derived_part(part: str, hyper: dict) -> bool:
    from scene import SYMBOLS

    name, _, value = part.partition(" ")
    key = next((k for k, sym in {**SYMBOLS, "lr": "lr"}.items() if sym == name), name)
    if key not in hyper:
        return False
    v = hyper[key]
    shown = ", ".join(f"{x:g}" for x in v) if isinstance(v, tuple | list) else (
        ("on" if v else "off") if isinstance(v, bool) else f"{v:g}")
    return shown == value


def _unrepeated(label: str, hyper_parts: str) -> str:
    """The hyperparameter parts whose value the label does not already state."""
    said = set(re.findall(r"\d[\d.e+-]*", label))
    keep = [p for p in hyper_parts.split(", ")
            if not (set(re.findall(r"\d[\d.e+-]*", p)) and
                    set(re.findall(r"\d[\d.e+-]*", p)) <= said)]
    return ", ".join(keep)


def legend_label(racer, *, step: int | None = None, hyper: bool = True,
                 lines: bool = False) -> str:
    """``"Adam — lr 0.05, β=(0.9, 0.999)"``, plus ``" · diverged at step k"`` for a run that
    diverged (by ``step``, when given). With ``lines=True`` the parts go on separate lines
    (joined by ``<br>``) for a narrow legend."""
    parts = [base_label(racer.label, racer.optimizer, racer.hyper)]
    if hyper:
        # A value the label already states is not repeated ("Momentum μ 0.7 — lr 0.04").
        extra = _unrepeated(parts[0], ", ".join(
            p for p in (hyper_text(racer.optimizer, racer.hyper),
                        own_text(getattr(racer, "own", {}))) if p))
        if extra:
            parts.append(extra)
    t = racer.traj
    if t.status != "completed" and (step is None or step >= t.diverged_at):
        parts.append(t.stop_text)
    parts[0] = plot_text(parts[0])  # the label as typed: never markup, never split
    if lines:
        return "<br>".join(parts)
    text = " — ".join(parts[:2])
    return text + "".join(f" · {p}" for p in parts[2:])


def scene_subtitle(race) -> str:
    """What is common to every racer: steps, schedule, noise, sparsity."""
    scene = race.scene
    parts = [f"{scene.steps} steps"]
    sched = dict(scene.schedule)
    name = sched.pop("name", "constant")
    if name != "constant":
        extra = ", ".join(f"{k} {_value(v)}" for k, v in sched.items())
        title = SCHEDULES[name].title if name in SCHEDULES else name
        parts.append(f"schedule: {title}" + (f" ({extra})" if extra else ""))
    if scene.noise:
        parts.append(f"gradient noise σ={num(scene.noise)}")
    if isinstance(scene.sparsity, tuple | list):
        parts.append(f"sparsity x {num(scene.sparsity[0])}, y {num(scene.sparsity[1])}")
    elif scene.sparsity:
        parts.append(f"sparsity {num(scene.sparsity)}")
    if (scene.noise or scene.sparsity) and scene.seed:
        parts.append(f"seed {scene.seed}")
    return ", ".join(parts)


def _value(v) -> str:
    return num(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def surface_title(race) -> str:
    surf = race.surface
    if surf.found:  # a typed formula (its characters are letters, digits and + - * / ^ ( ) ,)
        text = surf.params["f"]
        return "f(x, y) = " + (text if len(text) <= 80 else text[:79] + "…")
    params = ", ".join(f"{k} {num(v)}" for k, v in surf.params.items()
                       if k in surf.param_spec and v != surf.param_spec[k].default)
    return surf.title + (f" ({params})" if params else "")


def superscript(n: int) -> str:
    table = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return str(n).translate(table)


def power_of_ten(k: int) -> str:
    """10^k for tick labels: 0.01, 0.1, 1, 10, 100 when short, 10⁻⁵ otherwise."""
    if -2 <= k <= 3:
        return f"{10.0 ** k:g}"
    return "10" + superscript(k)
