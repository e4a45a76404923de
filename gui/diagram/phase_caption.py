"""The equation of a micro-step with its live numbers, as the inspector writes them.

``phase_caption(run, values, phase, sample, edge)`` is the text over the diagram for
``phase`` of the iteration worked out in ``values`` (a
:class:`~nncore.phase_values.PhaseValues`), for dataset row ``sample``: which unit
it writes out is the selected weight's (``edge``) when that weight is in the
phase's layer, else the layer's first. Numbers are printed with the inspector's
``fmt`` (8 decimals, as the tutorial prints them).

Signs follow the tutorial: the error is ``y - yhat`` and the delta on the nodes is
its ``l1_delta``, which is -dE/ds; the edges show dE/dw itself.
"""

from __future__ import annotations

import numpy as np

from gui.common.chain_rule import fmt, slope_formula, unit_symbol, weight_symbol
from gui.session import is_bias
from nncore.network import activate, batch_loss, flat_index, slope

ACTIVATION_FORMULA = {"sigmoid": "σ(s) = 1 / (1 + e^(−s))", "tanh": "tanh(s)",
                      "relu": "max(0, s)", "linear": "s", "softmax": "e^s / Σ e^s"}
STATE_SYMBOLS = (("v", "v"), ("s", "s"), ("m_hat", "m̂"), ("v_hat", "v̂"))
STEP_FORMULA = {"sgd": "η·g", "momentum": "η·v,  v = μ·v + g",
                "nesterov": "η·(g + μ·v),  v = μ·v + g",
                "rmsprop": "η·g / (√s + ε),  s = α·s + (1 − α)·g²",
                "adam": "η·m̂ / (√v̂ + ε)"}
MAX_TERMS = 4  # a weighted sum of more inputs is written with Σ


def par(value):
    """A number for the middle of a formula: negatives in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text


def tutorial_like(run, k):
    """The tutorial's kind of run, whose variables (l1, l1_error, syn0) name the
    numbers: sigmoids, squared error summed, plain steps of rate 1, no biases."""
    options = run.options
    return (not options.bias and options.optimizer == "sgd" and options.reduction == "sum"
            and not options.l1 and not options.l2 and run.loss == "sse"
            and set(run.activations) == {"sigmoid"} and run.learning_rate_at(k) == 1)


def phase_caption(run, values, phase, sample, edge=None):
    position = values.position(sample)
    head = f"Iteration {values.k}, {phase_title(run, phase)}."
    if phase.kind in ("sum", "activate"):
        body = forward_text(run, values, phase, sample, position, edge)
    elif position is None and phase.kind in ("error", "delta"):
        body = (f"Sample {sample + 1} is not in this iteration's batch: its error does not "
                "enter this step.")
        if phase.kind == "delta":
            body += "\n" + gradient_text(run, values, phase.layer, edge)
    elif phase.kind == "error":
        body = error_text(run, values, position)
    elif phase.kind == "delta":
        body = delta_text(run, values, phase.layer, position, edge) + "\n" + gradient_text(
            run, values, phase.layer, edge)
    else:
        body = update_text(run, values, edge)
    return f"{head}\n{body}"


def phase_title(run, phase):
    last = len(run.layer_sizes) - 1
    name = {layer: "the output" if layer == last else f"hidden layer {layer}"
            for layer in range(1, last + 1)}
    if phase.kind == "sum":
        return f"forward: the weighted sums s of {name[phase.layer + 1]}"
    if phase.kind == "activate":
        return f"forward: the activations of {name[phase.layer + 1]}"
    if phase.kind == "error":
        return "the error at the output"
    if phase.kind == "delta":
        return (f"backward: δ of {name[phase.layer + 1]} on its nodes, ∂E/∂w on the "
                "edges into it")
    return "the update: every weight takes its step"


def _unit(edge, layer):
    """The unit of layer ``layer``+1 the caption writes out, and the input feeding it
    (None when the selected parameter is that unit's bias)."""
    if is_bias(edge) and edge.layer == layer:
        return edge.unit, None
    if edge is not None and not is_bias(edge) and edge[0] == layer:
        return edge[2], edge[1]
    return 0, 0


def forward_text(run, values, phase, sample, position, edge):
    l, sizes = phase.layer, run.layer_sizes
    j, _ = _unit(edge, l)
    dst = unit_symbol(sizes, l + 1, j)
    if position is None:
        layers, sums = sample_forward(run, values, sample)
    else:
        layers = [a[position] for a in values.layers]
        sums = [s[position] for s in values.sums]
    s = sums[l][j]
    if phase.kind == "activate":
        name = run.activations[l]
        formula = ACTIVATION_FORMULA[name].replace("(s)", f"(s({dst}))", 1)
        text = f"{dst} = {formula} = {fmt(layers[l + 1][j])}   with s({dst}) = {fmt(s)}"
        if tutorial_like(run, values.k):
            text += f"   (the tutorial: l{l + 1} = nonlin(np.dot(l{l}, syn{l})))"
        return text
    inputs, W = layers[l], values.weights[l]
    symbols = [(weight_symbol(sizes, (l, i, j)), unit_symbol(sizes, l, i))
               for i in range(sizes[l])]
    bias = values.biases[l][j] if values.biases is not None else None
    if sizes[l] <= MAX_TERMS:
        formula = " + ".join(f"{w}·{a}" for w, a in symbols)
        numbers = " + ".join(f"{par(W[i, j])}·{par(inputs[i])}" for i in range(sizes[l]))
        if bias is not None:
            formula, numbers = formula + " + b", numbers + f" + {par(bias)}"
        text = f"s({dst}) = {formula} = {numbers} = {fmt(s)}"
    else:
        plus_b = " + b" if bias is not None else ""
        text = (f"s({dst}) = Σᵢ wᵢ·aᵢ{plus_b} over its {sizes[l]} inputs = {fmt(s)}")
    return text + "\nThe highlighted edges carry the inputs, each times its weight."


def sample_forward(run, values, sample):
    """The layers and sums of one sample outside the batch, at W_k."""
    a, layers, sums = run.X[sample], [run.X[sample]], []
    with np.errstate(all="ignore"):
        for layer, (W, name) in enumerate(zip(values.weights, run.activations, strict=True)):
            s = np.dot(a[None, :], W)
            if values.biases is not None:
                s = s + values.biases[layer]
            a = activate(name, s)[0]
            sums.append(s[0])
            layers.append(a)
    return layers, sums


def error_text(run, values, position):
    sizes, last = run.layer_sizes, len(run.layer_sizes) - 1
    parts = []
    for j in range(min(sizes[-1], 3)):
        yhat = unit_symbol(sizes, last, j)
        y = "y" if sizes[-1] == 1 else f"y{j + 1}".translate(str.maketrans("0123456789",
                                                                             "₀₁₂₃₄₅₆₇₈₉"))
        parts.append(f"{y} − {yhat} = {fmt(values.targets[position, j])} − "
                     f"{par(values.layers[-1][position, j])} = {fmt(values.error[position, j])}")
    with np.errstate(all="ignore"):
        loss = float(batch_loss(values.layers[-1], values.targets, run.loss, axis=None,
                                reduction=run.options.reduction))
    text = ";   ".join(parts)
    where = "the tutorial's" if tutorial_like(run, values.k) else "the code's"
    text += f"   ({where} l{last}_error)"
    return text + f"\nE on the batch's {len(values.batch_rows)} samples = {fmt(loss)}"


def delta_text(run, values, l, position, edge):
    sizes, last = run.layer_sizes, len(run.layer_sizes) - 1
    j, _ = _unit(edge, l)
    dst = unit_symbol(sizes, l + 1, j)
    a = values.layers[l + 1][position, j]
    delta = values.tutorial_delta(l)[position, j]
    mean = (f" / {len(values.batch_rows)} (reduction mean)"
            if run.options.reduction == "mean" and l == last - 1 else "")
    if l == last - 1:
        error = values.error[position, j]
        if run.loss in ("bce", "ce"):
            text = (f"δ({dst}) = y − {dst}{mean} = {fmt(delta)}   (cross-entropy: the "
                    "slope cancels)")
        else:
            fprime = slope(run.activations[l], a)
            text = (f"δ({dst}) = (y − {dst}) · {slope_formula(run.activations[l], dst)}{mean}"
                    f" = {par(error)} · {par(fprime)}{mean and ' / ' + str(len(values.batch_rows))}"
                    f" = {fmt(delta)}")
    else:
        back = np.dot(values.tutorial_delta(l + 1), values.weights[l + 1].T)[position, j]
        fprime = slope(run.activations[l], a)
        text = (f"δ({dst}) = (Σₘ δₘ · w({dst}→m)) · {slope_formula(run.activations[l], dst)}"
                f" = {par(back)} · {par(fprime)} = {fmt(delta)}")
    note = (f"the tutorial's l{l + 1}_delta" if tutorial_like(run, values.k)
            else f"the code's l{l + 1}_delta: δ = −∂E/∂s")
    return f"{text}   ({note})"


def gradient_text(run, values, l, edge):
    sizes = run.layer_sizes
    j, i = _unit(edge, l)
    dst = unit_symbol(sizes, l + 1, j)
    n = len(values.batch_rows)
    if i is None:
        return (f"∂E/∂b({dst}) = −Σ δ({dst}) over the batch's {n} samples = "
                f"{fmt(values.bias_gradients[l][j])}")
    w = weight_symbol(sizes, (l, i, j))
    src = unit_symbol(sizes, l, i)
    return (f"∂E/∂{w} = −Σ δ({dst}) · {src} over the batch's {n} samples = "
            f"{fmt(values.weight_gradients[l][i, j])}")


def update_text(run, values, edge):
    sizes = run.layer_sizes
    if is_bias(edge):
        l, j = edge
        w = f"b({unit_symbol(sizes, l + 1, j)})"
        index = run.n_params + sum(sizes[1:l + 1]) + j
        before, after = values.biases[l][j], values.biases_next[l][j]
    else:
        l, i, j = edge if edge is not None else (0, 0, 0)
        w = weight_symbol(sizes, (l, i, j))
        index = flat_index(sizes, l, i, j)
        before, after = values.weights[l][i, j], values.weights_next[l][i, j]
    step = values.step.parts["step"][index]
    options = run.options
    penalised = (options.l1 or options.l2) and not is_bias(edge)
    text = (f"{w} ← {w} − Δ,  Δ = {STEP_FORMULA[options.optimizer]},  g = ∂E/∂{w}"
            + (" + penalty" if penalised else "")
            + f" = {fmt(values.step.g[index])},  η = {values.step.learning_rate:g}"
            + _state_text(values.step.parts, index)
            + f"\n{w}: {fmt(before)} − {par(step)} = {fmt(after)}")
    if tutorial_like(run, values.k):
        text += f"   (the tutorial: syn{l} += l{l}.T.dot(l{l + 1}_delta))"
    return text + "\nEvery edge moves to its new width."


def _state_text(parts, index):
    """The optimizer's numbers behind one weight's step (v, s, or Adam's m̂ and v̂)."""
    names = [(symbol, parts[key][index]) for key, symbol in STATE_SYMBOLS if key in parts]
    if "m_hat" in parts:  # Adam: its step reads m̂ and v̂, not the raw v
        names = names[-2:]
    return "".join(f",  {symbol} = {fmt(value)}" for symbol, value in names)
