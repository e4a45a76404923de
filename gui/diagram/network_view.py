"""The network diagram at the centre of the window.

Edges are weights: width proportional to |w| (fixed scale, see gui/common/palette.py),
orange negative, blue positive, grey near zero. With biases, each layer but the
output has a "+1" node whose edges are the next layer's biases, on the same scale.
Nodes show their activation for the selected training sample (or for an input the
learner typed, the "probe").
Hover an edge for its weight, last update and gradient; click it to inspect it;
double-click it to type a new value (the iterations after the current one are
discarded, as with any edit of the past). While two snapshots are compared the
edges show Δw = W_b − W_a instead, and a caption says so.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt
from PySide6.QtGui import QCursor, QPainter, QTransform
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.names import (
    bias_name,
    edge_name,
    sample_text,
    theta_index,
    unit_name,
    vector_text,
)
from gui.common.number_fields import exact_text
from gui.common.redraw import RedrawTimer
from gui.diagram.network_item import NetworkItem
from gui.diagram.neuron_maps import NeuronMaps
from gui.diagram.node_text import fit_value, value_text
from gui.diagram.unit_flags import UnitFlags
from gui.diagram.weight_legend import WeightLegend
from gui.session import Bias, is_bias
from nncore.network import forward
from nncore.number_text import parse_number

__all__ = ["NetworkItem", "NetworkView", "WeightLegend"]


SHORT_ACTIVATION = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "linear": "lin"}


class DiagramView(QGraphicsView):
    """A QGraphicsView whose scene is always exactly its viewport (no scrolling)."""

    def __init__(self, scene, on_resize):
        super().__init__(scene)
        self.on_resize = on_resize
        self.setRenderHint(QPainter.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.NoFrame)
        self.setBackgroundBrush(palette.BACKGROUND)
        self.setMouseTracking(True)

    scale = 1.0  # presentation and zoom: the whole drawing, text and lines, this much larger

    def set_scale(self, scale):
        self.scale = float(scale)
        self.setTransform(QTransform.fromScale(self.scale, self.scale))
        self._fit()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def scene_size(self):
        """The viewport's size in scene units (smaller than pixels when scaled up)."""
        size = self.viewport().size()
        return size.width() / self.scale, size.height() / self.scale

    def _fit(self):
        width, height = self.scene_size()
        self.setSceneRect(0, 0, width, height)
        self.on_resize(width, height)


class NetworkView(QWidget):
    """The diagram, a sample selector, a caption for special modes and a legend."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._create_widgets()
        self.neuron_maps = NeuronMaps(self)  # each node's activation over the plane
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=40)
        session.cursor.sigRunReplaced.connect(self._on_run_replaced)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.selection.sigSampleChanged.connect(self._on_sample_changed)
        session.selection.sigProbeChanged.connect(self.redraw.schedule)
        session.snapshots.sigCompareChanged.connect(self.redraw.schedule)
        session.selection.sigEdgeSelected.connect(self._on_edge_selected)
        session.micro.sigPhaseChanged.connect(self.redraw.schedule)
        self._on_run_replaced()
        self.unit_flags = UnitFlags(self)  # badges on saturated and dead units

    def _create_widgets(self):
        self.samples = QComboBox()
        self.samples.setToolTip("The training sample whose activations the nodes show")
        self.samples.currentIndexChanged.connect(self.session.selection.select_sample)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setVisible(False)
        self.scene = QGraphicsScene(self)
        self.item = NetworkItem()
        self.item.hover_callback = self._on_hover
        self.item.click_callback = self._on_click
        self.item.node_click_callback = self.session.selection.select_unit
        self.item.double_click_callback = self.edit_weight
        self.scene.addItem(self.item)
        self.graphics = DiagramView(self.scene, self._on_resize)
        self.legend = WeightLegend()
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample:"))
        top.addWidget(self.samples, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        # What a micro-step shows, over the rest (a PhaseOverlay): made at the first
        # micro-step, its caption then placed here, under the comparison caption.
        self.phases = None
        self._phase_caption_at = layout.count()
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()  # catch up on what happened while hidden

    # ---- following the session ---------------------------------------------------------------

    def _on_run_replaced(self):
        run = self.session.run
        with QSignalBlocker(self.samples):
            self.samples.clear()
            for x, y in zip(run.X, run.Y, strict=True):
                self.samples.addItem(sample_text(x, y))
            self.samples.setCurrentIndex(self.session.selection.sample)
        self.item.selected = None
        self._relayout()
        self.refresh()

    def set_scale(self, scale):
        """Draw everything ``scale`` times larger (presentation mode, zoom)."""
        self.graphics.set_scale(scale)

    def _on_resize(self, width, height):
        self._relayout(width, height)

    def _relayout(self, width=None, height=None):
        run = self.session.run
        if width is None:
            width, height = self.graphics.scene_size()
        last = len(run.layer_sizes) - 1
        captions = [("inputs", "in")]
        for layer in range(1, last + 1):
            activation = run.activations[layer - 1]
            short = SHORT_ACTIVATION.get(activation, activation)
            if layer < last:
                captions.append((f"hidden {layer}\n{activation}", f"H{layer}\n{short}"))
            else:
                captions.append((f"output\n{activation}", f"out\n{short}"))
        self.item.set_layout(run.layer_sizes, width, height, captions, run.options.bias)
        self.legend.set_bias(run.options.bias)

    def _on_sample_changed(self, index):
        with QSignalBlocker(self.samples):
            self.samples.setCurrentIndex(index)
        self.redraw.schedule()

    def _on_edge_selected(self, edge):
        self.item.set_selected(self.edge_index(edge) if edge is not None else None)

    def refresh(self):
        """Bring edges, nodes and caption up to the session's state now."""
        session, run = self.session, self.session.run
        shown = run.at(session.iteration)
        compare = self._compare_pair()
        if session.micro.phase is not None:
            pass  # a micro-step's edges: the phase overlay sets them below
        elif compare is None:
            self.item.set_edge_values(shown.theta)
        else:
            a, b = compare
            with np.errstate(over="ignore"):  # 1e308 - -1e308 is inf: drawn as such
                change = b.params - a.params
            # A snapshot keeps the weights only: its biases' change is not known, and
            # nan draws the "+1" edges thin and grey.
            self.item.set_edge_values(np.concatenate(
                [change, np.full(run.n_theta - run.n_params, np.nan)]))
        probe = self._probe()
        x = probe if probe is not None else run.X[session.selection.sample]
        with np.errstate(all="ignore"):  # huge inputs or weights: inf and nan show as "?"
            layers = forward(x[None, :], shown.weights, run.activations,
                             biases=shown.biases)
        values = [a[0] for a in layers]
        texts = [[value_text(v) for v in layer] for layer in values]
        target = "" if probe is not None else "y = " + vector_text(
            run.Y[session.selection.sample]).strip("[]")
        self.item.set_node_values(values, texts, target, highlight=probe is not None)
        self._update_caption(compare, probe)
        self.neuron_maps.update()
        if self.phases is None and session.micro.phase is not None:
            self._make_phase_overlay()
        if self.phases is not None:
            self.phases.apply()
        self._refresh_tooltip()

    def _make_phase_overlay(self):
        # Imported here: most sessions never micro-step, and start-up need not pay.
        from gui.diagram.phase_overlay import PhaseOverlay

        self.phases = PhaseOverlay(self)
        self.layout().insertWidget(self._phase_caption_at, self.phases.caption)

    def _compare_pair(self):
        compare = self.session.snapshots.compare
        if compare is None or compare[0].params.shape != (self.session.run.n_params,):
            return None
        return compare

    def _probe(self):
        probe = self.session.selection.probe
        if probe is None or np.shape(probe) != (self.session.run.layer_sizes[0],):
            return None
        return np.asarray(probe, dtype=float)

    def _update_caption(self, compare, probe):
        lines = []
        if probe is not None:
            lines.append(f"Showing your input x = {vector_text(probe)}, not a training sample.")
        if compare is not None:
            a, b = compare
            lines.append(f"Comparing snapshots: edges show the change Δw = W(iteration "
                         f"{b.iteration}) − W(iteration {a.iteration}), not the weights.")
            if self.session.run.options.bias:
                lines.append("Snapshots keep the weights only: the \"+1\" bias edges "
                             "are grey, not compared.")
        self.caption.setText("\n".join(lines))
        self.caption.setVisible(bool(lines))
        color = palette.HIGHLIGHT if probe is not None else palette.FAINT_INK
        style = (f"QLabel {{ border: 2px solid {color.name()}; border-radius: 4px; "
                 "padding: 3px; }")
        if style != self.caption.styleSheet():  # setting one re-polishes the label
            self.caption.setStyleSheet(style)
        self.legend.set_compare(compare is not None)

    # ---- what is drawn (also for tests) ------------------------------------------------------

    def edge_index(self, edge):
        """Index into the drawn edges of weight ``edge = (layer, row, col)`` or of a
        :class:`Bias`: edges are drawn in theta's order (weights, then biases)."""
        return theta_index(self.session.run.layer_sizes, edge)

    def param_of(self, index):
        """The weight (layer, row, col) or :class:`Bias` that drawn edge ``index`` is."""
        layer, row, col = (int(v) for v in self.item.edges[index])
        if row == self.session.run.layer_sizes[layer]:  # the "+1" node's row
            return Bias(layer, col)
        return layer, row, col

    def edge_styles(self):
        """[(layer, row, col, width px, QColor)] for every edge, as drawn; a bias edge
        has row = the size of its layer (the "+1" node below it)."""
        item = self.item
        return [(int(layer), int(row), int(col), float(item.widths[i]), item.edge_color(i))
                for i, (layer, row, col) in enumerate(item.edges)]

    def node_labels(self):
        """[(layer, index, name, value text)] for every node, as drawn ('' if hidden)."""
        item, out = self.item, []
        for layer, n in enumerate(item.sizes):
            for i in range(n):
                shown = item.node_texts[layer][i]
                text = fit_value(shown, item.radius)[1] if item.shows_value(layer, i) else ""
                out.append((layer, i, unit_name(item.sizes, layer, i), text))
        return out

    def edge_position(self, edge):
        """Midpoint of ``edge`` in view (widget) coordinates, for tests and tooltips."""
        x0, y0, x1, y1 = self.item.ends[self.edge_index(edge)]
        return self.graphics.mapFromScene(QPointF((x0 + x1) / 2, (y0 + y1) / 2))

    # ---- tooltips --------------------------------------------------------------------------

    def bias_tooltip(self, bias):
        """What hovering the edge of :class:`Bias` ``bias`` shows, at the current iteration."""
        run, k = self.session.run, self.session.iteration
        index = self.edge_index(bias)
        b = run.at(k).theta[index]
        lines = [f"bias {bias_name(run.layer_sizes, *bias)}   (b{bias.layer + 1}"
                 f"[{bias.unit + 1}]: a constant input of 1 times this bias)",
                 f"b = {b:+.6g} at iteration {k}"]
        if k > 0:
            lines.append(f"last update Δb = {b - run.at(k - 1).theta[index]:+.4g}")
        else:
            lines.append("last update Δb = —  (iteration 0: no update yet)")
        step = run.at(k).step()
        lines.append(f"gradient ∂E/∂b = {step.g[index]:+.4g}  (next step: "
                     f"Δb = {-step.parts['step'][index]:+.4g}, {run.options.optimizer})")
        lines.append("click to inspect, double-click to edit")
        return "\n".join(lines)

    def edge_tooltip(self, edge):
        """What hovering weight ``edge = (layer, row, col)`` shows, at the current iteration."""
        if is_bias(edge):
            return self.bias_tooltip(edge)
        layer, row, col = edge
        run, k = self.session.run, self.session.iteration
        w = run.weights_at(k)[layer][row, col]
        lines = [f"{edge_name(run.layer_sizes, edge)}   (W{layer + 1}[{row + 1},{col + 1}])",
                 f"w = {w:+.6g} at iteration {k}"]
        if k > 0:
            dw = w - run.weights_at(k - 1)[layer][row, col]
            lines.append(f"last update Δw = W_{k} − W_{k - 1} = {dw:+.4g}")
        else:
            lines.append("last update Δw = —  (iteration 0: no update yet)")
        step = run.at(k).step()
        index = self.edge_index(edge)
        grad = step.g[index]
        if run.options.optimizer == "sgd":
            lines.append(f"gradient ∂E/∂w = {grad:+.4g}  (next step: w − η·∂E/∂w, "
                         f"η = {run.learning_rate_at(k):g})")
        else:  # the optimizer's state shapes the step: say what it is
            lines.append(f"gradient ∂E/∂w = {grad:+.4g}  (next step: Δw = "
                         f"{-step.parts['step'][index]:+.4g}, {run.options.optimizer})")
        compare = self._compare_pair()
        if compare is not None:
            a, b = compare
            index = self.edge_index(edge)
            lines.append(f"Δw between snapshots = {b.params[index] - a.params[index]:+.4g}")
        lines.append("click to inspect, double-click to edit")
        return "\n".join(lines)

    def node_tooltip(self, node):
        layer, i = node
        run = self.session.run
        values = self.item.node_values
        v = values[layer][i] if layer < len(values) else float("nan")
        name = unit_name(run.layer_sizes, layer, i, qualified=True)
        last = len(run.layer_sizes) - 1
        if layer == 0:
            kind = "input"
        else:
            kind = ("output" if layer == last else f"hidden layer {layer}") + (
                f", {run.activations[layer - 1]}")
        text = f"{name} ({kind}) = {float(v)!r}"  # in full: the node shows it short
        if layer == last and self._probe() is None:
            text += f"\ntarget y = {run.Y[self.session.selection.sample][i]:g}"
        return text

    def tooltip_for(self, target):
        if target is None:
            return ""
        kind, where = target
        if kind == "edge":
            return self.edge_tooltip(self.param_of(where))
        if self.phases is not None and self.phases.shown is not None:
            return self.phases.node_tooltip(where)
        return self.node_tooltip(where)

    def _on_hover(self, target, screen_point):
        self.neuron_maps.hover(target[1] if target and target[0] == "node" else None)
        if target is None:
            QToolTip.hideText()
        else:
            point = screen_point.toPoint() if hasattr(screen_point, "toPoint") else screen_point
            QToolTip.showText(point, self.tooltip_for(target), self.graphics)

    def _refresh_tooltip(self):
        """Training moves on under a still mouse: keep the visible tooltip current."""
        if self.item.hovered is not None and QToolTip.isVisible():
            QToolTip.showText(QCursor.pos(), self.tooltip_for(self.item.hovered), self.graphics)

    # ---- clicks and edits ------------------------------------------------------------------

    def _on_click(self, index):
        self.session.selection.select_edge(None if index is None else self.param_of(index))

    def edit_weight(self, edge, value=None):
        """Set weight ``edge`` (a (layer, row, col) tuple, a :class:`Bias` or an edge
        index) at the current iteration; asks for the value when ``value`` is None.
        Later iterations are discarded. Returns True when the value was set."""
        if not isinstance(edge, tuple):
            edge = self.param_of(edge)
        if value is None:
            # The dialog runs its own event loop: without a pause, play would move the
            # iteration on under the question "new value at iteration k".
            self.session.player.pause()
        run, k = self.session.run, self.session.iteration
        sizes, bias = run.layer_sizes, is_bias(edge)
        what = "bias" if bias else "weight"
        current = float(run.at(k).theta[self.edge_index(edge)])
        if value is None:
            later = (f"\nIterations after {k} (up to {run.newest}) will be discarded."
                     if run.newest > k else "")
            name = bias_name(sizes, *edge) if bias else edge_name(sizes, edge)
            # Text, not getDouble: its spin box shows 6 decimals and clamps to ±1e6, so
            # OK on 1e-07 would set 0. The text starts as every digit of the weight.
            value, ok = QInputDialog.getText(
                self, f"Edit {what}", f"New value of {name} at iteration {k}:{later}",
                QLineEdit.EchoMode.Normal, exact_text(current))
            if not ok:
                return False
        try:
            value = parse_number(value, what) if isinstance(value, str) else float(value)
            if not np.isfinite(value):
                raise ValueError(f"{what}: {value} is not a finite number")
            if value != current and bias:  # the same value keeps the iterations after k
                self.session.cursor.set_bias(edge.layer, edge.unit, value)
            elif value != current:
                self.session.cursor.set_weight(*edge, value)
        except (TypeError, ValueError) as error:
            self.session.sigMessage.emit(f"{what.capitalize()} not changed: {error}")
            return False
        self.session.selection.select_edge(edge)
        return True
