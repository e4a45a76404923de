"""The chain rule for one weight or bias, as the inspector shows it, and the symbols
it uses.

``chain_rule(run, k, param)`` shows one row per dataset row: its factors of dE/dθ,
from ``nncore.network.backward`` at θ_k with the reduction ``sum`` (each row's own
share). The step's numbers (the batch's gradient with its reduction, the penalty,
the optimizer's update and θ_{k+1}) are ``run.at(k).step()``'s, the training's own
bits. A parameter is a weight (layer, row, col) or a bias (layer, unit): the bias of
unit ``unit`` of layer ``layer + 1``, whose ∂s/∂b is 1. ``fmt`` and the symbol
helpers give the text the inspector, the prediction dock and the loss surface share.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QFontMetrics

from gui.common.names import theta_index, unit_name
from nncore.network import backward, slope
from nncore.surface import flat_index

MINUS = "\u2212"
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(name):
    """x1 -> x₁, h12 -> h₁₂: the tutorial's subscripts on the diagram's names."""
    return re.sub(r"(?<=[A-Za-zŷ])\d+", lambda m: m.group().translate(_SUBSCRIPTS), name)


def weight_symbol(layer_sizes, edge):
    """w₁, w₂, ...: weights numbered 1.. in flat order (layer by layer, row by row),
    so the tutorial's single neuron has exactly its w₁, w₂, w₃."""
    return "w" + str(flat_index(layer_sizes, *edge) + 1).translate(_SUBSCRIPTS)


def bias_symbol(layer_sizes, bias):
    """b₁, b₂, ...: biases numbered 1.. in flat order (layer by layer)."""
    layer, unit = bias
    return "b" + str(sum(layer_sizes[1:layer + 1]) + unit + 1).translate(_SUBSCRIPTS)


def param_symbol(layer_sizes, param):
    """w₁.. for a weight (layer, row, col), b₁.. for a bias (layer, unit)."""
    if len(param) == 2:
        return bias_symbol(layer_sizes, param)
    return weight_symbol(layer_sizes, param)


def param_label(layer_sizes, param):
    """ "w₁ (x₁ → ŷ)" or "b₁ (+1 → h₁)": symbol and what it joins."""
    if len(param) == 2:
        layer, unit = param
        return (f"{bias_symbol(layer_sizes, param)} (+1 → "
                f"{unit_symbol(layer_sizes, layer + 1, unit)})")
    return weight_label(layer_sizes, param)


def weight_label(layer_sizes, edge):
    """ "w₁ (x₁ → ŷ)": symbol and the units it joins."""
    layer, row, col = edge
    return (f"{weight_symbol(layer_sizes, edge)} ({unit_symbol(layer_sizes, layer, row)} → "
            f"{unit_symbol(layer_sizes, layer + 1, col)})")


def unit_symbol(layer_sizes, layer, index):
    return sub(unit_name(layer_sizes, layer, index, qualified=True))


# The widest texts fmt() gives, for sizing the cells that show them: every other
# text is at most as long, in digits that share one width in the usual fonts.
FMT_WIDEST = ("−0.00000000", "−0000.00000", "−0.0000e−00", "−0.000e+000", "−000000")


def widest_number(font):
    """The widest text fmt() gives, as ``font`` draws it."""
    return max(FMT_WIDEST, key=QFontMetrics(font).horizontalAdvance)


def fmt(value):
    """A number as the panel prints it, in at most 11 characters: whole numbers
    plainly, else 8 decimals as the tutorial prints its outputs (9 significant digits
    from 10 on), scientific when that would hide the digits."""
    value = float(value)
    if not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    elif value == round(value) and abs(value) < 1e6:
        text = str(int(value))
    elif 1e-4 <= abs(value) < 1e4:
        decimals = 9 - len(str(int(abs(value))))
        text = f"{value:.{min(8, decimals)}f}"
        if len(text.lstrip("-")) > 10:  # rounded up to another digit (9.999999999)
            text = f"{value:.{min(8, decimals) - 1}f}"
    else:
        text = f"{value:.4e}"
        if len(text.rsplit("e", 1)[1]) > 3:  # e+100 and beyond: one digit less
            text = f"{value:.3e}"
    return text.replace("-", MINUS)


def slope_formula(activation, a):
    """f'(s) written with the unit's own output ``a``, as the tutorial writes ŷ(1 − ŷ)."""
    return {"sigmoid": f"{a}(1 − {a})", "tanh": f"1 − {a}²",
            "relu": f"1 if {a} > 0 else 0", "linear": "1"}[activation]


def factor_of(text):
    """``text`` as a factor of a product: "1 − h²" in parentheses, "h(1 − h)" as it is."""
    return f"({text})" if text.startswith("1 ") else text


@dataclass
class ChainRule:
    """The numbers behind one parameter's update at one iteration. ``columns`` hold
    one value per dataset row: the batch's rows first, in the batch's order, then the
    others in the dataset's order (``rows`` gives each one's dataset row);
    ``in_batch`` says which table rows the step's batch takes.
    ``gradient`` is the data loss's ∂E/∂θ on the batch (with the reduction),
    ``delta_w`` what the step adds, ``step`` the engine's :class:`~nncore.iteration.Step`."""
    edge: tuple
    iteration: int
    formula: str
    notes: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # [(header, values per row)]
    gradient: float = 0.0
    learning_rate: float = 1.0
    delta_w: float = 0.0
    before: float = 0.0
    after: float = 0.0
    recorded_after: float | None = None  # θ_{k+1} in the history, when there is one
    in_batch: np.ndarray | None = None  # (n_rows,) bool, per table row
    rows: np.ndarray | None = None  # the dataset row of each table row
    index: int = 0  # the parameter's place in theta
    step: object = None


def chain_rule(run, k, param):
    """Every factor of dE/dθ for ``param`` (a weight (l, i, j) or a bias (l, unit)) at
    iteration ``k``, and the step's numbers."""
    with np.errstate(all="ignore"):  # a run near divergence shows inf, it does not warn
        return _chain_rule(run, k, tuple(param))


def _output_columns(run, l, j, w, dst, y, a, fprime):
    """The output unit's factors: ``(columns, formula head, notes)``; the formula head
    is the per-row factor in front of ∂s/∂θ."""
    yj = run.Y[:, j]
    acts = run.activations
    if run.loss in ("bce", "ce"):
        if run.loss == "bce":
            note = (f"With cross-entropy, ∂E/∂{dst} = ({dst} − {y}) / ({dst}(1 − {dst})) "
                    f"and ∂{dst}/∂s = {dst}(1 − {dst}): they cancel to δ = {dst} − {y}.")
        else:
            note = (f"With softmax and cross-entropy (one-hot y), E = −Σ y·log ŷ and the "
                    f"softmax's slopes cancel the log's: δ = ∂E/∂s = {dst} − {y}.")
        return [(f"δ = {dst} − {y}", a - yj)], f"({dst} − {y})", [note]
    columns = [(f"∂E/∂{dst}\n= {dst} − {y}", a - yj),
               (f"∂{dst}/∂s\n= {slope_formula(acts[l], dst)}", fprime)]
    return columns, f"({dst} − {y}) · {factor_of(slope_formula(acts[l], dst))}", []


def _chain_rule(run, k, param):
    bias = len(param) == 2
    l, j = (param[0], param[1]) if bias else (param[0], param[2])
    sizes, acts = run.layer_sizes, run.activations
    shown = run.at(k)
    weights = shown.weights
    # Each row's own share (reduction sum); the step applies the reduction.
    _, layers, deltas = backward(run.X, run.Y, weights, acts, run.loss, shown.biases)
    w = param_symbol(sizes, param)
    dst = unit_symbol(sizes, l + 1, j)
    src = "1" if bias else unit_symbol(sizes, l, param[1])
    x = np.ones(len(run.X)) if bias else layers[l][:, param[1]]
    a = layers[l + 1][:, j]
    output = l == len(sizes) - 2
    fprime = None if acts[l] == "softmax" else slope(acts[l], a)
    delta = deltas[l][:, j]
    single_output = sizes[-1] == 1
    y = "y" if single_output else sub(f"y{j + 1}")
    columns = [] if bias else [(src, x)]
    notes = []
    if output:  # the parameter feeds an output unit
        columns += [(dst, a), (y, run.Y[:, j])]
        more, factor, notes = _output_columns(run, l, j, w, dst, y, a, fprime)
        columns += more
        factor_text = factor if bias else f"{factor} · {src}"
    else:  # hidden unit: its error δ comes back from the units it feeds
        if single_output:
            columns += [("ŷ", layers[-1][:, 0]), ("y", run.Y[:, 0])]
        columns.append((dst, a))
        outgoing = weights[l + 1][j]
        fed = [(unit_symbol(sizes, l + 2, m), weight_symbol(sizes, (l + 1, j, m)))
               for m in range(sizes[l + 2])]
        if len(fed) <= 4:
            for m, (unit, wm) in enumerate(fed):
                columns.append((f"δ({unit}) · {wm}", deltas[l + 1][:, m] * outgoing[m]))
        back = np.dot(deltas[l + 1], weights[l + 1].T)[:, j]  # as backward() forms it
        columns += [(f"Σₘ δₘ · w({dst}→m)", back),
                    (f"f′(s) = {slope_formula(acts[l], dst)}", fprime),
                    (f"δ({dst})", delta)]
        factor_text = f"δ({dst})" if bias else f"δ({dst}) · {src}"
        feeds = ", ".join(f"{unit} through {wm} = {fmt(v)}"
                          for (unit, wm), v in zip(fed, outgoing, strict=True))
        notes.append(f"{dst} feeds {feeds}. Its error δ({dst}) is the errors δₘ of those "
                     f"units, weighted by those weights and summed, times its slope.")
    mean = run.options.reduction == "mean"
    formula = f"∂E/∂{w} = {'(1/B) ' if mean else ''}Σ {factor_text}"
    if not output:
        formula += (f",   δ({dst}) = (Σₘ δₘ · w({dst}→m)) · "
                    f"{factor_of(slope_formula(acts[l], dst))}")
    if bias:
        notes.append(f"A bias is the weight of a constant input 1: ∂s/∂{w} = 1, so each "
                     f"row's share is its δ.")
    columns += [(f"∂s/∂{w}\n= {src}", x), ("product", delta * x)]
    step = shown.step()
    index = theta_index(sizes, param)
    taken = np.zeros(len(run.X), dtype=bool)
    taken[step.batch_rows] = True
    rows = np.concatenate([step.batch_rows, np.flatnonzero(~taken)])
    if not np.array_equal(rows, np.arange(len(rows))):
        columns = [(header, np.asarray(values)[rows]) for header, values in columns]
    in_batch = taken[rows]
    before = float(shown.theta[index])
    delta_w = -float(step.parts["step"][index])
    recorded = float(run.at(k + 1).theta[index]) if k < run.newest else None
    return ChainRule(param, k, formula, notes, columns, float(step.gradient[index]),
                     float(step.learning_rate), delta_w, before,
                     float(step.theta_next[index]), recorded, in_batch, rows, index, step)
