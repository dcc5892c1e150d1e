"""Each optimizer's update rule in LaTeX, with the current hyperparameter values written in.

Pure text (no Streamlit): the app shows these with ``st.latex``.
"""

from __future__ import annotations


def _n(v: float) -> str:
    """A number as LaTeX, short but exact enough to read."""
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant}\times10^{{{int(exp)}}}"
    return text


def _grad(wd: float, decoupled: bool = False) -> list[str]:
    if wd and not decoupled:
        return [rf"g_t = \nabla f(\theta_{{t-1}}) + {_n(wd)}\,\theta_{{t-1}}"]
    return [r"g_t = \nabla f(\theta_{t-1})"]


def _decay(wd: float) -> list[str]:
    return [rf"\theta_{{t-1}} \leftarrow \theta_{{t-1}}\,(1 - {_n(wd)}\,\gamma_t)"] if wd else []


def _sgd_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    mu, tau = hp["momentum"], hp["dampening"]
    lines = _grad(hp["weight_decay"])
    if mu == 0:
        return [*lines, rf"\theta_t = \theta_{{t-1}} - \gamma_t\, g_t, \quad {gamma}"]
    damp = "" if tau == 0 else rf"(1-{_n(tau)})\,"
    lines.append(rf"b_t = {_n(mu)}\, b_{{t-1}} + {damp}g_t, \quad b_1 = g_1")
    if hp["nesterov"]:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\,(g_t + {_n(mu)}\, b_t),"
                     rf" \quad {gamma}")
    else:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\, b_t, \quad {gamma}")
    return lines


def _rmsprop_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    a, eps = hp["alpha"], hp["eps"]
    lines = _grad(hp["weight_decay"])
    lines.append(rf"v_t = {_n(a)}\, v_{{t-1}} + {_n(1 - a)}\, g_t^2")
    if hp["centered"]:
        lines.append(rf"\bar g_t = {_n(a)}\,\bar g_{{t-1}} + {_n(1 - a)}\, g_t")
        denom = rf"\sqrt{{v_t - \bar g_t^2}} + {_n(eps)}"
    else:
        denom = rf"\sqrt{{v_t}} + {_n(eps)}"
    if hp["momentum"] > 0:
        lines.append(rf"b_t = {_n(hp['momentum'])}\, b_{{t-1}} + \frac{{g_t}}{{{denom}}}")
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\, b_t, \quad {gamma}")
    else:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t \frac{{g_t}}{{{denom}}},"
                     rf" \quad {gamma}")
    return lines


def _adam_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    decoupled = optimizer == "adamw"
    lines = _decay(hp["weight_decay"]) if decoupled else []
    lines += _grad(hp["weight_decay"], decoupled)
    lines.append(rf"m_t = {_n(b1)}\, m_{{t-1}} + {_n(1 - b1)}\, g_t, \quad "
                 rf"v_t = {_n(b2)}\, v_{{t-1}} + {_n(1 - b2)}\, g_t^2")
    v = "v_t"
    if hp["amsgrad"]:
        lines.append(r"\bar v_t = \max(\bar v_{t-1}, v_t)")
        v = r"\bar v_t"
    lines.append(rf"\theta_t = \theta_{{t-1}} - \frac{{\gamma_t}}{{1-{_n(b1)}^t}}\,"
                 rf"\frac{{m_t}}{{\sqrt{{{v}}}/\sqrt{{1-{_n(b2)}^t}} + {_n(hp['eps'])}}},"
                 rf" \quad {gamma}")
    return lines


def _adagrad_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    lines = _grad(hp["weight_decay"])
    lines.append(rf"s_t = s_{{t-1}} + g_t^2, \quad s_0 = {_n(hp['initial_accumulator_value'])}")
    decay = hp["lr_decay"]
    step = (rf"\frac{{\gamma_t}}{{1 + (t-1)\,{_n(decay)}}}" if decay else r"\gamma_t")
    lines.append(rf"\theta_t = \theta_{{t-1}} - {step}\,\frac{{g_t}}{{\sqrt{{s_t}} + "
                 rf"{_n(hp['eps'])}}}, \quad {gamma}")
    return lines


def _nadam_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    psi = hp["momentum_decay"]
    dec = hp["decoupled_weight_decay"]
    lines = (_decay(hp["weight_decay"]) if dec else []) + _grad(hp["weight_decay"], dec)
    lines.append(rf"\mu_t = {_n(b1)}\,(1 - \tfrac12\, 0.96^{{{_n(psi)}\,t}}), \quad "
                 r"\Pi_t = \Pi_{t-1}\,\mu_t")
    lines.append(rf"m_t = {_n(b1)}\, m_{{t-1}} + {_n(1 - b1)}\, g_t, \quad "
                 rf"v_t = {_n(b2)}\, v_{{t-1}} + {_n(1 - b2)}\, g_t^2")
    lines.append(r"\theta_t = \theta_{t-1} - \gamma_t\left(\frac{1-\mu_t}{1-\Pi_t}\,g_t"
                 r" + \frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\,m_t\right)\Big/"
                 rf"\left(\sqrt{{v_t/(1-{_n(b2)}^t)}} + {_n(hp['eps'])}\right),"
                 rf" \quad {gamma}")
    return lines


def _lion_rules(optimizer: str, hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    lines = _decay(hp["weight_decay"]) + _grad(0.0)
    lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\,\operatorname{{sign}}"
                 rf"({_n(b1)}\, m_{{t-1}} + {_n(1 - b1)}\, g_t), \quad {gamma}")
    lines.append(rf"m_t = {_n(b2)}\, m_{{t-1}} + {_n(1 - b2)}\, g_t")
    return lines


_RULES = {
    "sgd": _sgd_rules,
    "momentum": _sgd_rules,
    "nesterov": _sgd_rules,
    "rmsprop": _rmsprop_rules,
    "adam": _adam_rules,
    "adamw": _adam_rules,
    "adagrad": _adagrad_rules,
    "nadam": _nadam_rules,
    "lion": _lion_rules,
}


def update_rules(optimizer: str, hp: dict, lr_text: str | None = None) -> list[str]:
    """LaTeX lines of the update rule of ``optimizer`` with hyperparameters ``hp`` (validated,
    all keys present). ``lr_text`` replaces the learning rate's value (e.g. "schedule")."""
    if optimizer not in _RULES:
        raise ValueError(f"Unknown optimizer {optimizer!r}")
    lr = lr_text or _n(hp["lr"])
    return _RULES[optimizer](optimizer, hp, rf"\gamma_t = {lr}")
