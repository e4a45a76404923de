"""What units and weights are called on screen, so the diagram, the plots and
the docks agree: inputs x1..xn, hidden units h1..hm (numbered within their
layer, with the layer given where it is ambiguous), the output ŷ (ŷ1.. when
there are several). Numbers are 1-based for people; indices stay 0-based."""

from __future__ import annotations

import numpy as np


def unit_name(layer_sizes, layer, index, qualified=False):
    """Name of unit ``index`` of layer ``layer`` (0 = inputs).

    ``qualified`` adds the hidden layer's number when there are several hidden
    layers, e.g. "h2³" would be unreadable, so it reads "h2 (layer 3)" instead;
    the diagram itself shows layers side by side and does not need it.
    """
    last = len(layer_sizes) - 1
    if layer == 0:
        return f"x{index + 1}"
    if layer == last:
        return "ŷ" if layer_sizes[-1] == 1 else f"ŷ{index + 1}"
    name = f"h{index + 1}"
    if qualified and last > 2:
        name += f" (layer {layer})"
    return name


def edge_name(layer_sizes, edge):
    """ "x1 → ŷ" for weight ``edge = (layer, row, col)``: W[layer][row, col]
    connects unit ``row`` of layer ``layer`` to unit ``col`` of layer ``layer+1``."""
    layer, row, col = edge
    return (f"{unit_name(layer_sizes, layer, row, True)} → "
            f"{unit_name(layer_sizes, layer + 1, col, True)}")


def bias_name(layer_sizes, layer, unit):
    """ "+1 → h2" for the bias of unit ``unit`` of layer ``layer + 1``: the edge from
    layer ``layer``'s constant "+1" node, as the diagram draws it."""
    return f"+1 → {unit_name(layer_sizes, layer + 1, unit, True)}"


def theta_index(layer_sizes, param):
    """Position of ``param`` in the flat theta (weights layer by layer, row-major,
    then the biases layer by layer): a weight is (layer, row, col), a bias is
    (layer, unit), the bias of unit ``unit`` of layer ``layer + 1``."""
    sizes = list(layer_sizes)
    if len(param) == 2:
        layer, unit = param
        n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        return n_w + sum(sizes[1:layer + 1]) + unit
    layer, row, col = param
    return sum(a * b for a, b in zip(sizes[:layer], sizes[1:layer + 1], strict=True)) + \
        row * sizes[layer + 1] + col


def vector_text(values):
    """[0 0 1] for whole numbers, [0.25 -1.5] otherwise; short enough for a combo box."""
    values = np.asarray(values, dtype=float).ravel()
    return "[" + " ".join(f"{v:g}" for v in values) + "]"


def sample_text(x, y):
    """ "x = [0 0 1] → y = 0": one training sample, as the sample selector lists it."""
    y = np.asarray(y, dtype=float).ravel()
    target = f"{y[0]:g}" if y.size == 1 else vector_text(y)
    return f"x = {vector_text(x)} → y = {target}"
