"""Gradient flow: how big the gradient is in each layer over the iterations, and how
the weights were drawn.

One curve per weight layer, ‖∂E/∂W_l‖ on a log axis (named W1, W2, ... from the
first layer, as the plots and the diagram name them) (see
:mod:`nncore.gradient_flow`: derived from the history at a sample of iterations,
where the history keeps the parameters), and a line at the shown iteration. A deep
sigmoid network shows its first layer's curve orders of magnitude below its last:
the gradient vanishes on its way back. The line under the plot says it in words
for the shown iteration, with the saturated and dead units.

The initialisation combo starts a new run from the same seed with another scheme
(uniform, Xavier or He; :mod:`nncore.initial_weights`), keeping every other setting.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common import palette
from gui.common.lazy_dock import LazyDock
from gui.common.redraw import RedrawTimer
from nncore.gradient_flow import GradientFlow, gradient_norms, unit_states

# Norms of exactly 0 (every unit of a layer dead) are drawn at this floor: a log axis
# has no 0, and the curve must not break.
FLOOR = 1e-30
POINTS_PER_DRAW = 64  # new points computed in one draw (each is one backward pass)
INITS = (
    ("uniform", "Uniform (−1, 1)", "The tutorial's draw: every weight uniform on [−1, 1), "
     "whatever the layer's size."),
    ("xavier", "Xavier / Glorot", "Uniform on ±√(6/(n_in+n_out)): keeps the variance of "
     "sigmoid and tanh layers steady from layer to layer."),
    ("he", "He", "Uniform on ±√(6/n_in) (variance 2/n_in): keeps the variance of ReLU "
     "layers steady, as half their units are 0."),
)


def ratio_words(first, last):
    """``"1/1000 of"``, ``"10 times"`` or ``"about the same as"``: how the first
    layer's gradient compares with the last one's."""
    if last == 0 or first == 0:
        return "0 times" if first == 0 and last else "not comparable with"
    decades = math.log10(first / last)
    if abs(decades) < 0.5:
        return "about the same as"
    factor = f"{10 ** round(abs(decades)):,}"
    return f"1/{factor} of" if decades < 0 else f"{factor} times"


class GradientFlowDock(LazyDock):
    """The gradient-flow plot of ``session.run`` and its initialisation choice."""

    def __init__(self, session, parent=None, lazy=False):
        super().__init__("Gradient flow", parent)
        self.setObjectName("gradient_flow_dock")
        self.session = session
        self.flow = None
        self.curves = []
        self.build_now_or_when_shown(lazy)

    def _build(self):
        body = QWidget(self)
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        row.addWidget(QLabel("Initial weights:", body))
        self.init_combo = QComboBox(body)
        for i, (key, text, tip) in enumerate(INITS):
            self.init_combo.addItem(text, key)
            self.init_combo.setItemData(i, tip, 3)  # Qt.ToolTipRole
        self.init_combo.setToolTip("How the seed draws the weights; changing it starts the "
                                   "run again from iteration 0")
        self.init_combo.currentIndexChanged.connect(self._init_chosen)
        row.addWidget(self.init_combo)
        row.addStretch(1)
        layout.addLayout(row)

        self.key = QLabel(body)  # which colour is which layer, as the plots' keys say it
        self.key.setWordWrap(True)
        layout.addWidget(self.key)
        self.plot = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
        item = self.plot.getPlotItem()
        item.setLabel("left", "‖∂E/∂W‖ (log)")
        item.setLabel("bottom", "iteration")
        item.getAxis("left").setLogMode(False, True)  # data is log10 already: label 10^x
        for side in ("left", "bottom"):
            item.getAxis(side).enableAutoSIPrefix(False)
        item.showGrid(x=False, y=True, alpha=0.2)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False,
                                           pen=pg.mkPen(palette.FAINT_INK, width=1))
        item.addItem(self.cursor_line)
        layout.addWidget(self.plot, stretch=1)

        self.summary = QLabel(body)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.setWidget(body)

        self.redraw = RedrawTimer(self, self.session, self.draw, max_fps=10)
        cursor = self.session.cursor
        cursor.sigRunReplaced.connect(self._sync_init)
        for signal in (cursor.sigRunReplaced, cursor.sigHistoryChanged,
                       cursor.sigIterationChanged):
            signal.connect(self.redraw.schedule)
        self._sync_init()
        self.draw()

    # ---- session -> widgets --------------------------------------------------------------

    def _sync_init(self):
        init = self.session.run.options.init
        with QSignalBlocker(self.init_combo):
            self.init_combo.setCurrentIndex(self.init_combo.findData(init))

    def draw(self):
        run, k = self.session.run, self.session.iteration
        if self.flow is None or self.flow.run is not run:
            self.flow = GradientFlow(run)
            self._make_curves(len(run.layer_sizes) - 1)
        ks, norms, complete = self.flow.curves(POINTS_PER_DRAW)
        if not complete:
            self.redraw.schedule()  # the rest in the next draws: the window stays responsive
        logs = np.log10(np.maximum(norms, FLOOR))
        for layer, curve in enumerate(self.curves):
            curve.setData(ks.astype(float), logs[:, layer])
        self.cursor_line.setValue(k)
        self.summary.setText(self.describe(run, k))

    def _make_curves(self, n_layers):
        """One curve per layer: the existing ones are kept, extra ones removed,
        missing ones added; the key above the plot names them."""
        item = self.plot.getPlotItem()
        while len(self.curves) > n_layers:
            item.removeItem(self.curves.pop())
        for layer in range(len(self.curves), n_layers):
            curve = pg.PlotCurveItem(pen=pg.mkPen(palette.categorical(layer), width=2))
            item.addItem(curve)
            self.curves.append(curve)
        self.key.setText("&nbsp; ".join(
            f"<span style='color:{palette.categorical(layer).name()}'>━ W{layer + 1}</span>"
            for layer in range(n_layers)) + "&nbsp; (W1: the first layer)")

    def describe(self, run, k):
        """The shown iteration in words: the first layer's gradient against the last
        one's, and the units that block it."""
        norms = gradient_norms(run, [k])[0]
        states = unit_states(run, k)
        saturated = int(sum(s.sum() for s in states.saturated))
        dead = int(sum(d.sum() for d in states.dead))
        last = len(norms) - 1
        text = f"Iteration {k}: "
        if last:
            text += (f"the first layer's gradient (W1, {norms[0]:.2g}) is "
                     f"{ratio_words(norms[0], norms[-1])} the last layer's "
                     f"(W{last + 1}, {norms[-1]:.2g}). ")
        else:
            text += f"the gradient of W1 is {norms[0]:.2g}. "
        units = "unit" if saturated == 1 else "units"
        text += f"{saturated} saturated {units}, {dead} dead."
        return text

    # ---- widgets -> session --------------------------------------------------------------

    def _init_chosen(self, index):
        init = self.init_combo.itemData(index)
        config = self.session.cursor.config
        if init == config.options.init and self.session.run.options.init == init:
            return
        try:
            self.session.new_run(options=replace(config.options, init=init))
        except ValueError as exc:
            self.session.sigMessage.emit(f"Not changed: {exc}")
            self._sync_init()
            return
        self.session.sigMessage.emit(f"New run: {self.init_combo.currentText()} initial "
                                     "weights from the same seed.")
