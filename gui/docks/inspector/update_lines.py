"""The path from the batch gradient to the update of one parameter, as lines of text
with every number plugged in, so that a learner can redo each line by hand from the
numbers on screen.

Numbers are printed with 10 significant digits (``num``): each line's result is the
engine's own number, and the line's arithmetic redone on the printed inputs gives it
to about 1e-9 relative. The lines follow ``nncore.optimizers.optimizer_step``:

    sgd       Δθ = −η·g
    momentum  v ← μ·v + g;  Δθ = −η·v
    nesterov  v ← μ·v + g;  Δθ = −η·(g + μ·v)
    rmsprop   s ← α·s + (1 − α)·g²;  Δθ = −η·g / (√s + ε)
    adam      m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
              m_hat = m / (1 − β₁^t);  v_hat = v / (1 − β₂^t);  Δθ = −η·m_hat / (√v_hat + ε)

with g = ∂E/∂θ + the penalty's gradient (λ₂·w for L2, λ₁·sign(w) for L1; none on
biases) and t = k + 1. The bias-corrected moments are written m_hat and v_hat, the
engine's names: a combining hat (m̂) is not drawn by every font.
"""

from __future__ import annotations

import math
import re
from html import escape, unescape

import numpy as np

MINUS = "\u2212"
LISTED_ROWS = 12  # the batch line names this many rows, then "…"


def num(value):
    """``value`` with 10 significant digits, a true minus sign, no trailing zeros."""
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else MINUS + "∞")
    return f"{value:.10g}".replace("-", MINUS)


def arg(value):
    """``num(value)`` as an operand: a negative number in parentheses, so that
    "0.9 × (−0.06)" and "(−0.1)²" read as they are computed."""
    text = num(value)
    return f"({text})" if text.startswith(MINUS) else text


def plain_step(run):
    """True when the step is the tutorial's: SGD on every row, summed, no penalty and
    no held-out rows; the summary then says all there is."""
    options = run.options
    return (options.optimizer == "sgd" and not options.has_penalty
            and options.reduction == "sum" and not run.test_rows.size
            and len(run.at(0).batch_rows) == len(run.X))


def batch_line(run, rule):
    """Which rows the step of iteration k takes, and what is left out."""
    rows = rule.step.batch_rows
    n_train, k = len(run.train_rows), rule.iteration
    listed = ", ".join(str(r + 1) for r in rows[:LISTED_ROWS])
    more = ", …" if len(rows) > LISTED_ROWS else ""
    held = (f"; {len(run.test_rows)} held-out test rows never enter it"
            if run.test_rows.size else "")
    if len(rows) == n_train:
        return f"Batch of iteration {k}: all {n_train} training rows{held}."
    epoch = run.at(k).epoch
    return (f"Batch of iteration {k} (epoch {epoch}): B = {len(rows)} of {n_train} training "
            f"rows: {listed}{more}{held}.")


def gradient_line(run, rule, w):
    """∂E/∂θ on the batch: the products summed over the batch's rows (÷ B for mean)."""
    product = np.asarray(rule.columns[-1][1], dtype=float)
    rows = rule.step.batch_rows
    total = float(np.sum(product[rule.in_batch]))
    if run.options.reduction == "mean":
        return (f"∂E/∂{w} = (1/B)·Σ products over the batch (reduction mean) = "
                f"{arg(total)} / {len(rows)} = {num(rule.gradient)}")
    return (f"∂E/∂{w} = Σ products over the batch's {len(rows)} rows (reduction sum) = "
            f"{num(rule.gradient)}")


def penalty_lines(run, rule, w, bias):
    """The penalty's part of g, then g."""
    options, g = run.options, float(rule.step.g[rule.index])
    gradient = num(rule.gradient)
    if not options.has_penalty:
        return [f"g = ∂E/∂{w} (no penalty) = {num(g)}"]
    if bias:
        return [f"g = ∂E/∂{w} (the L1/L2 penalty leaves biases alone) = {num(g)}"]
    value = rule.before
    terms, plugged, part = [], [], 0.0
    if options.l2:
        terms.append(f"λ₂·{w}")
        plugged.append(f"{num(options.l2)} × {arg(value)}")
        part += options.l2 * value
    if options.l1:
        terms.append(f"λ₁·sign({w})")
        plugged.append(f"{num(options.l1)} × {arg(np.sign(value))}")
        part += options.l1 * float(np.sign(value))
    return [f"penalty's gradient = {' + '.join(terms)} = {' + '.join(plugged)} = {num(part)}",
            f"g = ∂E/∂{w} + penalty's gradient = {gradient} + {arg(part)} = {num(g)}"]


def optimizer_lines(run, rule, w):
    """The optimizer's lines, from g and the state before to Δθ."""
    options, step, i = run.options, rule.step, rule.index
    name, lr = options.optimizer, num(step.learning_rate)
    g = arg(step.g[i])
    before = {key: float(value[i]) for key, value in step.state_before.items()}
    after = {key: float(value[i]) for key, value in step.state_after.items()}
    delta = num(rule.delta_w)
    if name == "sgd":
        return [f"Δ{w} = −η·g = −{lr} × {g} = {delta}"]
    if name in ("momentum", "nesterov"):
        mu = num(options.momentum)
        lines = [f"v ← μ·v + g = {mu} × {arg(before['v'])} + {g} = {num(after['v'])}"]
        if name == "nesterov":
            lines.append(f"Δ{w} = −η·(g + μ·v) = −{lr} × ({g} + {mu} × {arg(after['v'])}) "
                         f"= {delta}")
        else:
            lines.append(f"Δ{w} = −η·v = −{lr} × {arg(after['v'])} = {delta}")
        return lines
    eps = num(options.eps)
    if name == "rmsprop":
        alpha, s = options.alpha, after["s"]
        return [f"s ← α·s + (1 − α)·g² = {num(alpha)} × {arg(before['s'])} + "
                f"{num(1 - alpha)} × {g}² = {num(s)}",
                f"Δ{w} = −η·g / (√s + ε) = −{lr} × {g} / (√{num(s)} + {eps}) = "
                f"−{lr} × {g} / ({num(math.sqrt(s))} + {eps}) = {delta}"]
    b1, b2, t = options.beta1, options.beta2, step.t
    m, v = after["m"], after["v"]
    m_hat, v_hat = float(step.parts["m_hat"][i]), float(step.parts["v_hat"][i])
    return [f"t = k + 1 = {t}",
            f"m ← β₁·m + (1 − β₁)·g = {num(b1)} × {arg(before['m'])} + {num(1 - b1)} × "
            f"{g} = {num(m)}",
            f"v ← β₂·v + (1 − β₂)·g² = {num(b2)} × {arg(before['v'])} + {num(1 - b2)} × "
            f"{g}² = {num(v)}",
            f"m_hat = m / (1 − β₁^t) = {num(m)} / (1 − {num(b1)}^{t}) = {num(m)} / "
            f"{num(1 - b1 ** t)} = {num(m_hat)}",
            f"v_hat = v / (1 − β₂^t) = {num(v)} / (1 − {num(b2)}^{t}) = {num(v)} / "
            f"{num(1 - b2 ** t)} = {num(v_hat)}",
            f"Δ{w} = −η·m_hat / (√v_hat + ε) = −{lr} × {arg(m_hat)} / (√{num(v_hat)} + {eps}) = "
            f"−{lr} × {arg(m_hat)} / ({num(math.sqrt(v_hat))} + {eps}) = {delta}"]


def update_html(lines):
    """The lines as paragraphs with a hanging indent: the rule, the numbers plugged in,
    and the result in bold. The first line (the batch) is as it is."""
    paragraphs = [escape(lines[0])]
    for line in lines[1:]:
        head, _, result = line.rpartition(" = ")
        paragraphs.append(f"{escape(head)} = <b>{escape(result)}</b>")
    return "".join(f"<p style='margin: 0 0 3px 0; margin-left: 14px; text-indent: -14px'>"
                   f"{p}</p>" for p in paragraphs)


def html_lines(html):
    """The plain lines of ``update_html``'s paragraphs, as shown: for reading it back."""
    return [unescape(re.sub(r"<[^>]+>", "", p)).strip()
            for p in re.findall(r"<p[^>]*>(.*?)</p>", html)]


def update_lines(run, rule, w, bias):
    """Every line from the batch to Δθ for the parameter of ``rule`` (symbol ``w``)."""
    with np.errstate(all="ignore"):  # a diverging run shows inf and nan, it does not warn
        return ([batch_line(run, rule), gradient_line(run, rule, w)]
                + penalty_lines(run, rule, w, bias) + optimizer_lines(run, rule, w)
                + [f"{w} after = {w} + Δ{w} = {num(rule.before)} + {arg(rule.delta_w)} = "
                   f"{num(rule.after)}"])
