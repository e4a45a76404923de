"""The chain rule for one weight, as the inspector shows it, and the symbols it uses.

``chain_rule(run, k, edge)`` takes every number from ``nncore.network.backward`` at
W_k, which performs the same arithmetic as the training step, so its "after" is
exactly what Step will produce. ``fmt`` and the symbol helpers give the text the
inspector, the prediction dock and the loss surface share.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QFontMetrics

from gui.common.names import unit_name
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


@dataclass
class ChainRule:
    """The numbers behind one weight's update at one iteration."""
    edge: tuple
    iteration: int
    formula: str
    notes: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # [(header, values per sample)]
    gradient: float = 0.0  # dE/dw at W_k, the batch sum
    learning_rate: float = 1.0
    delta_w: float = 0.0
    before: float = 0.0
    after: float = 0.0
    recorded_after: float | None = None  # W_{k+1} in the history, when there is one


def chain_rule(run, k, edge):
    """Every factor of dE/dw for weight ``edge = (l, i, j)`` at iteration ``k``."""
    with np.errstate(all="ignore"):  # a run near divergence shows inf, it does not warn
        return _chain_rule(run, k, edge)


def _chain_rule(run, k, edge):
    l, i, j = edge
    sizes, acts = run.layer_sizes, run.activations
    weights = run.weights_at(k)
    grads, layers, deltas = backward(run.X, run.Y, weights, acts, run.loss)
    w = weight_symbol(sizes, edge)
    src, dst = unit_symbol(sizes, l, i), unit_symbol(sizes, l + 1, j)
    x, a = layers[l][:, i], layers[l + 1][:, j]
    fprime = slope(acts[l], a)
    delta = deltas[l][:, j]
    single_output = sizes[-1] == 1
    y = "y" if single_output else sub(f"y{j + 1}")
    columns = [(src, x)]
    notes = []
    if l == len(sizes) - 2:  # the weight feeds an output unit
        columns += [(dst, a), (y, run.Y[:, j])]
        if run.loss == "bce":
            columns += [(f"δ = {dst} − {y}", delta)]
            formula = f"∂E/∂{w} = Σ ({dst} − {y}) · {src}"
            notes.append(f"With cross-entropy, ∂E/∂{dst} = ({dst} − {y}) / ({dst}(1 − {dst})) "
                         f"and ∂{dst}/∂s = {dst}(1 − {dst}): they cancel to δ = {dst} − {y}.")
        else:
            columns += [(f"∂E/∂{dst}\n= {dst} − {y}", a - run.Y[:, j]),
                        (f"∂{dst}/∂s\n= {slope_formula(acts[l], dst)}", fprime)]
            formula = (f"∂E/∂{w} = Σ ({dst} − {y}) · {slope_formula(acts[l], dst)} · {src}")
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
        formula = (f"∂E/∂{w} = Σ δ({dst}) · {src},   δ({dst}) = "
                   f"(Σₘ δₘ · w({dst}→m)) · {slope_formula(acts[l], dst)}")
        feeds = ", ".join(f"{unit} through {wm} = {fmt(v)}"
                          for (unit, wm), v in zip(fed, outgoing, strict=True))
        notes.append(f"{dst} feeds {feeds}. Its error δ({dst}) is the errors δₘ of those "
                     f"units, weighted by those weights and summed, times its slope.")
    columns += [(f"∂s/∂{w}\n= {src}", x), ("product", delta * x)]
    rate = run.learning_rate_at(k)
    gradient = float(grads[l][i, j])
    before = float(weights[l][i, j])
    delta_w = -(rate * gradient)
    recorded = float(run.weights_at(k + 1)[l][i, j]) if k < run.newest else None
    return ChainRule(edge, k, formula, notes, columns, gradient, rate, delta_w,
                     before, before + delta_w, recorded)
