"""What the learner picked to look at: a sample, a weight (edge) and a typed input."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    """``sample``: a row of the cursor's dataset; ``edge``: (layer, row, col) of a
    weight, or None; ``probe``: an input vector typed by the learner, or None.

    Signals: sigSampleChanged(int), sigEdgeSelected(object), sigProbeChanged(object).
    """

    sigSampleChanged = Signal(int)
    sigEdgeSelected = Signal(object)
    sigProbeChanged = Signal(object)

    def __init__(self, cursor, parent=None):
        super().__init__(parent)
        self.cursor = cursor
        self.sample = 0
        self.edge = None
        self.probe = None

    def select_sample(self, index):
        index = int(min(max(index, 0), self.cursor.run.X.shape[0] - 1))
        if index != self.sample:
            self.sample = index
            self.sigSampleChanged.emit(index)

    def select_edge(self, edge):
        self.edge = edge
        self.sigEdgeSelected.emit(edge)

    def set_probe(self, vector):
        self.probe = None if vector is None else np.asarray(vector, dtype=float)
        self.sigProbeChanged.emit(self.probe)

    def fit(self, run):
        """Keep what still fits ``run``, which is about to be shown. Silent: the
        session announces what was dropped once the new run is shown."""
        self.sample = min(self.sample, run.X.shape[0] - 1)
        self.edge = None
        if self.probe is not None and self.probe.shape != (run.layer_sizes[0],):
            self.probe = None  # a typed input that no longer fits the input layer
