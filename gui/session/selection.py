"""What the learner picked to look at: a sample, a parameter (a weight or a bias) and
a typed input."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QObject, Signal


class Bias(NamedTuple):
    """The bias of unit ``unit`` of layer ``layer + 1``: ``b[layer][unit]``, drawn as
    the edge from layer ``layer``'s "+1" node. A weight stays a plain (layer, row, col)
    tuple, so a reader that unpacks three numbers fails loudly on a bias instead of
    reading another weight's number."""
    layer: int
    unit: int


def is_bias(param):
    """True for a :class:`Bias`, False for a weight's (layer, row, col) or None."""
    return isinstance(param, Bias)


def param_fits(param, layer_sizes, bias):
    """Whether ``param`` names a parameter of a network of ``layer_sizes`` (with
    biases when ``bias``)."""
    last = len(layer_sizes) - 1
    if is_bias(param):
        return bias and 0 <= param.layer < last and 0 <= param.unit < layer_sizes[param.layer + 1]
    if param is None or len(param) != 3:
        return False
    layer, row, col = param
    return (0 <= layer < last and 0 <= row < layer_sizes[layer]
            and 0 <= col < layer_sizes[layer + 1])


class Selection(QObject):
    """``sample``: a row of the cursor's dataset; ``edge``: the selected parameter,
    (layer, row, col) of a weight, a :class:`Bias`, or None; ``probe``: an input
    vector typed by the learner, or None; ``unit``: the node (layer, index) whose
    neuron map the learner clicked (layer 1 = first hidden), or None.

    Signals: sigSampleChanged(int), sigEdgeSelected(object), sigProbeChanged(object),
    sigUnitSelected(object).
    """

    sigSampleChanged = Signal(int)
    sigEdgeSelected = Signal(object)
    sigProbeChanged = Signal(object)
    sigUnitSelected = Signal(object)

    def __init__(self, cursor, parent=None):
        super().__init__(parent)
        self.cursor = cursor
        self.sample = 0
        self.edge = None
        self.probe = None
        self.unit = None

    def select_sample(self, index):
        index = int(min(max(index, 0), self.cursor.run.X.shape[0] - 1))
        if index != self.sample:
            self.sample = index
            self.sigSampleChanged.emit(index)

    def select_edge(self, edge):
        """Select a weight ``(layer, row, col)``, a :class:`Bias`, or nothing (None)."""
        if edge is not None and not is_bias(edge):
            edge = tuple(int(v) for v in edge)
        self.edge = edge
        self.sigEdgeSelected.emit(edge)

    def select_unit(self, node):
        """Show the map of node ``(layer, index)`` where maps are shown large."""
        self.unit = None if node is None else (int(node[0]), int(node[1]))
        self.sigUnitSelected.emit(self.unit)

    def set_probe(self, vector):
        self.probe = None if vector is None else np.asarray(vector, dtype=float)
        self.sigProbeChanged.emit(self.probe)

    def fit(self, run):
        """Keep what still fits ``run``, which is about to be shown. Silent: the
        session announces what was dropped once the new run is shown."""
        self.sample = min(self.sample, run.X.shape[0] - 1)
        self.edge = self.unit = None
        if self.probe is not None and self.probe.shape != (run.layer_sizes[0],):
            self.probe = None  # a typed input that no longer fits the input layer
