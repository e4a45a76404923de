"""What the diagram shows during a micro-step (Shift+→ / Shift+←).

``PhaseOverlay`` takes over the diagram's nodes, edges and a caption while
``session.micro.phase`` is set, and gives them back when it is None. For the
selected sample of iteration k (numbers from :mod:`nncore.phase_values`, the
engine's own):

- ``sum`` l: the nodes of layer l+1 show their weighted sums s, and the edges into
  them light up; ``activate`` l: those nodes show f(s). Layers not reached yet are
  blank.
- ``error``: the output nodes show y - yhat.
- ``delta`` l: layers l+1 and after show the tutorial's delta (-dE/ds), filled in
  the diverging palette; the edges into layer l+1 show dE/dw, scaled per layer so
  that the largest |dE/dw| is drawn at full width and colour.
- ``update``: the edges move from W_k to W_{k+1} over ``UPDATE_SECONDS``, timed by
  the player's clock (a test's fake clock drives it frame by frame).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QLabel

from gui.common import palette
from gui.diagram.node_text import font, value_text
from gui.diagram.phase_caption import phase_caption, sample_forward
from gui.session import FRAME_MS
from nncore.phase_values import phase_values

UPDATE_SECONDS = 0.6  # the update's edges take this long to reach their new widths
MAX_EDGE_LABELS = 16  # a layer with more edges than this has no numbers on them
MAX_GLOW_EDGES = 200  # a phase lights up at most this many edges (see PhaseGlow)
CAPTION_LINES = 4  # the caption keeps this height, so the diagram does not jump
GRADIENT_SYMBOL = "|∂E/∂w| (largest at 8+)"
GLOW = palette.mix(palette.BACKGROUND, palette.HIGHLIGHT, 0.35)  # under the lit edges
PENDING_FILL = palette.mix(palette.BACKGROUND, palette.ZERO, 0.35)  # a sum, not yet f(s)


def phase_text(value):
    """A node's number: as the diagram writes activations, and small deltas with
    their first digit (0.0031 reads "3e-3", not "0.00")."""
    value = float(value)
    if np.isfinite(value) and value != 0 and abs(value) < 0.01:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return value_text(value)


def gradient_scale(gradient):
    """The factor that draws the largest |dE/dw| of a layer at the palette's full
    width (dE/dw itself may be far smaller or larger than a weight)."""
    largest = float(np.max(np.abs(gradient), initial=0.0, where=np.isfinite(gradient)))
    return palette.WIDTH_FULL_SCALE / largest if largest > 0 else 1.0


def diverging_fill(value, largest):
    """A node's fill for a signed number: the edges' palette, full strength at the
    largest |value| of its layer."""
    if not np.isfinite(value) or largest <= 0:
        return QColor(palette.ZERO)
    return palette.weight_color(value / largest * palette.COLOR_FULL_SCALE)


class PhaseGlow(QGraphicsItem):
    """A glow under the edges and nodes that a phase works on, drawn beneath the
    diagram so that the edges and nodes stay on top of it."""

    def __init__(self, network_item):
        super().__init__()
        self.network_item = network_item
        self.edges = np.zeros(0, dtype=int)  # indices into network_item.ends
        self.nodes = []  # (layer, index)
        self.setZValue(network_item.zValue() - 1)

    def boundingRect(self):
        return self.network_item.boundingRect()

    def set_marks(self, edges, nodes):
        """Glow under ``edges`` (indices) and ``nodes`` ((layer, index) pairs). Past
        MAX_GLOW_EDGES edges only the nodes glow: wide lines cost the most to paint,
        and a dense layer's lines merge into one band anyway."""
        edges = np.asarray(edges, dtype=int)
        self.edges = edges if len(edges) <= MAX_GLOW_EDGES else edges[:0]
        self.nodes = list(nodes)
        self.update()

    def paint(self, painter, option, widget=None):
        if not len(self.edges) and not self.nodes:
            return  # outside the micro-steps: nothing glows (and start-up pays nothing)
        item = self.network_item
        edges = self.edges[self.edges < len(item.ends)]
        # Opaque, and line by line per width (widths are quantised): a translucent
        # path of many crossing lines is stroked as one shape, far slower to fill.
        widths = item.widths[edges] if len(item.widths) == len(item.ends) else np.zeros(
            len(edges))
        for width in np.unique(widths).tolist():
            pen = QPen(GLOW, width + 8)
            pen.setCapStyle(Qt.FlatCap)  # round caps make wide antialiased lines far slower
            painter.setPen(pen)
            painter.drawLines([QLineF(*end) for end in item.ends[edges[widths == width]].tolist()])
        painter.setPen(Qt.NoPen)
        painter.setBrush(GLOW)
        r = item.radius + 6
        for layer, index in self.nodes:
            if layer < len(item.positions) and index < len(item.positions[layer]):
                x, y = item.positions[layer][index]
                painter.drawEllipse(QRectF(x - r, y - r, 2 * r, 2 * r))


def short(value):
    """A number on an edge: three significant digits."""
    return f"{float(value):.3g}".replace("-", "−")


class EdgeLabels(QGraphicsItem):
    """Numbers written on a few edges, over the diagram. The edges into one unit
    carry theirs at the same point along them, and that point moves along with the
    unit, so the labels of edges that leave one source do not sit on each other."""

    def __init__(self, network_item):
        super().__init__()
        self.network_item = network_item
        self.labels = []  # (edge index, text)
        self.setZValue(network_item.zValue() + 1)

    def boundingRect(self):
        return self.network_item.boundingRect()

    def set_labels(self, labels):
        self.labels = list(labels)
        self.update()

    def paint(self, painter, option, widget=None):
        item = self.network_item
        painter.setFont(font(7.5))
        metrics = painter.fontMetrics()
        for index, text in self.labels:
            if index >= len(item.ends):
                continue
            x0, y0, x1, y1 = item.ends[index]
            layer, _, col = item.edges[index]
            n_out = item.sizes[layer + 1]
            t = 0.3 + 0.4 * col / (n_out - 1) if n_out > 1 else 0.35
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            width = metrics.horizontalAdvance(text) + 8
            rect = QRectF(x - width / 2, y - 9, width, 18)
            painter.setPen(QPen(palette.FAINT_INK, 0.8))
            painter.setBrush(QColor(255, 255, 255, 230))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(palette.INK)
            painter.drawText(rect, Qt.AlignCenter, text)


class PhaseOverlay(QObject):
    """The micro-step display of ``view`` (a NetworkView): ``apply()`` draws the
    session's phase over what ``view.refresh`` drew; ``shown`` holds the exact numbers
    on the nodes (per layer, None where blank), for tests and tooltips."""

    def __init__(self, view):
        super().__init__(view)
        self.view, self.session, self.item = view, view.session, view.item
        self.glow = PhaseGlow(self.item)
        self.labels = EdgeLabels(self.item)
        view.scene.addItem(self.glow)
        view.scene.addItem(self.labels)
        self.caption = QLabel()
        self.caption.setObjectName("phase_caption")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.caption.setStyleSheet(
            f"QLabel {{ border: 2px solid {palette.HIGHLIGHT.name()}; border-radius: 4px; "
            "padding: 3px; }")
        lines = self.caption.fontMetrics().lineSpacing() * CAPTION_LINES
        self.caption.setMinimumHeight(lines + 12)
        self.caption.setVisible(False)
        self.shown = None
        self.edge_values = None  # what the edges show, flat in edge order
        self._values = None  # (run, k, PhaseValues), the last worked out
        self._animation = None  # (start time, W_k flat, W_{k+1} flat, its PhaseValues)
        self.animation_timer = QTimer(self)
        self.animation_timer.setInterval(FRAME_MS)
        self.animation_timer.timeout.connect(self.animate_frame)
        cursor = self.session.cursor
        for signal in (cursor.sigHistoryChanged, cursor.sigRunReplaced):
            signal.connect(self._forget)
        # the caption writes out the selected weight's unit
        self.session.selection.sigEdgeSelected.connect(self._edge_selected)

    def _edge_selected(self, *_):
        if self.session.micro.phase is not None:
            self.view.redraw.schedule()

    def _forget(self, *_):
        self._values = None

    def values(self):
        """The PhaseValues of the shown iteration, worked out once per iteration."""
        run, k = self.session.run, self.session.iteration
        if self._values is None or self._values[0] is not run or self._values[1] != k:
            self._values = (run, k, phase_values(run, k))
        return self._values[2]

    # ---- drawing ---------------------------------------------------------------------------

    def apply(self):
        """Draw the session's phase (or give the diagram back when there is none)."""
        phase = self.session.micro.phase
        if phase is None:
            self.clear()
            return
        run, sample = self.session.run, self.session.selection.sample
        values = self.values()
        per_layer, fills = self._node_numbers(values, phase, sample)
        texts = [["" if v is None else phase_text(v) for v in layer] for layer in per_layer]
        numbers = [[0.0 if v is None else v for v in layer] for layer in per_layer]
        self.shown = per_layer
        target = "y = " + ", ".join(f"{v:g}" for v in run.Y[sample])
        self.item.set_node_values(numbers, texts, target)
        self.item.node_fills = fills
        self._show_edges(values, phase, per_layer)
        text = phase_caption(run, values, phase, sample, self.session.selection.edge)
        if self.session.selection.probe is not None:
            text += f"\n(Micro-steps show training sample {sample + 1}, not your input.)"
        self.caption.setText(text)
        self.caption.setVisible(True)

    def node_tooltip(self, node):
        """What hovering a node says during a micro-step: the number it shows, in full."""
        layer, index = node
        value = self.shown[layer][index] if self.shown and layer < len(self.shown) else None
        if value is None:
            return "not worked out yet in this phase"
        phase = self.session.micro.phase
        kind = {"sum": "weighted sum s", "error": "error y − ŷ",
                "delta": "δ (the tutorial's delta, −∂E/∂s)"}.get(phase.kind, "activation")
        if phase.kind == "sum" and layer != phase.layer + 1:
            kind = "activation"
        if phase.kind == "error" and layer != len(self.shown) - 1:
            kind = "activation"
        if phase.kind == "delta" and layer <= phase.layer:
            kind = "activation"
        return f"{kind} = {float(value)!r}"

    def clear(self):
        if self.shown is None and not self.caption.isVisible():
            return  # nothing of a phase is shown: every refresh comes here
        self.animation_timer.stop()
        self._animation = None
        self.shown = self.edge_values = None
        self.item.node_fills = None
        self.glow.set_marks([], [])
        self.labels.set_labels([])
        self.view.legend.set_symbol(None)
        self.caption.setVisible(False)

    def _node_numbers(self, values, phase, sample):
        """Per layer, the exact number each node shows (None: blank) and its fill."""
        run, sizes = self.session.run, self.session.run.layer_sizes
        position = values.position(sample)
        if position is None:
            layers, sums = sample_forward(run, values, sample)
        else:
            layers = [a[position] for a in values.layers]
            sums = [s[position] for s in values.sums]
        last = len(sizes) - 1
        reached = {"sum": phase.layer, "activate": (phase.layer or 0) + 1}.get(phase.kind, last)
        per_layer = [list(layers[layer]) if layer <= reached else [None] * sizes[layer]
                     for layer in range(len(sizes))]
        fills = [None] * len(sizes)  # None: the diagram's activation fill
        for layer in range(reached + 1, len(sizes)):
            fills[layer] = [QColor(palette.BACKGROUND)] * sizes[layer]
        if phase.kind == "sum":
            per_layer[phase.layer + 1] = list(sums[phase.layer])
            fills[phase.layer + 1] = [PENDING_FILL] * sizes[phase.layer + 1]
        signed = {}
        if phase.kind == "error":
            signed[last] = values.error
        elif phase.kind == "delta":
            signed = {layer + 1: values.tutorial_delta(layer)
                      for layer in range(phase.layer, last)}
        for layer, array in signed.items():
            if position is None:
                per_layer[layer] = [None] * sizes[layer]
                fills[layer] = [QColor(palette.BACKGROUND)] * sizes[layer]
                continue
            row = array[position]
            largest = float(np.max(np.abs(array), initial=0.0, where=np.isfinite(array)))
            per_layer[layer] = list(row)
            fills[layer] = [diverging_fill(v, largest) for v in row]
        return per_layer, fills

    def _show_edges(self, values, phase, per_layer):
        """Edges, glow and edge numbers for ``phase``; ``per_layer``: the nodes' numbers.
        Edges are in theta's order: the weights, then the "+1" nodes' bias edges."""
        run = self.session.run
        flat = values.step.iteration.theta.copy()
        sizes = run.layer_sizes
        marked, nodes, labels, symbol = [], [], [], None
        if phase.kind in ("sum", "activate", "delta"):
            layer = phase.layer
            weights, biases = _layer_spans(run, layer)
            span = np.concatenate([weights, biases])
            receiving = [(layer + 1, i) for i in range(sizes[layer + 1])]
            if phase.kind == "sum":
                marked = span
                if len(span) > MAX_GLOW_EDGES:  # too many to light: their target nodes
                    nodes = receiving
                if len(span) <= MAX_EDGE_LABELS:  # each edge's term of the sum: w·a, b·1
                    inputs = list(per_layer[layer]) + [1.0]
                    rows = [row for row, _ in np.ndindex(sizes[layer], sizes[layer + 1])]
                    rows += [sizes[layer]] * len(biases)
                    labels = [(int(e), f"{short(flat[e])}·{short(inputs[row])}")
                              for e, row in zip(span, rows, strict=True)]
            elif phase.kind == "activate":
                nodes = receiving
            else:
                gradient = values.weight_gradients[layer].ravel()
                if len(biases):
                    gradient = np.concatenate([gradient, values.bias_gradients[layer]])
                flat[span] = gradient * gradient_scale(gradient)
                marked, symbol, nodes = span, GRADIENT_SYMBOL, receiving
                if len(span) <= MAX_EDGE_LABELS:
                    labels = [(int(e), short(g)) for e, g in zip(span, gradient, strict=True)]
        elif phase.kind == "error":
            nodes = [(len(sizes) - 1, i) for i in range(sizes[-1])]
        if phase.kind == "update":
            if self._animation is None or self._animation[3] is not values:
                after = values.step.theta_next.copy()
                self._animation = (self.session.player.clock(), flat, after, values)
                self.animation_timer.start()
            before, after = self._animation[1:3]
            if len(before) <= MAX_EDGE_LABELS:
                labels = [(i, f"{short(w)} → {short(w_next)}")
                          for i, (w, w_next) in enumerate(zip(before, after, strict=True))]
            flat = self._animated_edges()
        else:
            self.animation_timer.stop()
            self._animation = None
        self.edge_values = flat
        self.item.set_edge_values(flat)
        self.glow.set_marks(marked, nodes)
        self.labels.set_labels(labels)
        self.view.legend.set_symbol(symbol, signed_nodes=phase.kind in ("error", "delta"))

    # ---- the update's animation ------------------------------------------------------------

    def _animated_edges(self):
        start, before, after, _ = self._animation
        progress = min(1.0, float(self.session.player.clock() - start) / UPDATE_SECONDS)
        if progress >= 1.0:
            self.animation_timer.stop()
            return after.copy()  # W_{k+1} exactly, not W_k + 1.0 * (W_{k+1} - W_k)
        return before + progress * (after - before)

    @property
    def animating(self):
        return self.animation_timer.isActive()

    def animate_frame(self):
        """One frame of the update's animation, as its timer makes every FRAME_MS: the
        player's clock says how far the edges have moved."""
        if self._animation is None or self.session.micro.phase is None:
            self.animation_timer.stop()
            return
        self.edge_values = self._animated_edges()
        self.item.set_edge_values(self.edge_values)
        self.glow.update()


def _layer_spans(run, layer):
    """Indices in theta (and so in the drawn edges) of weight layer ``layer``'s weights,
    and of its biases (empty without biases)."""
    sizes = run.layer_sizes
    start = sum(a * b for a, b in zip(sizes[:layer], sizes[1:layer + 1], strict=True))
    weights = np.arange(start, start + sizes[layer] * sizes[layer + 1])
    if not run.options.bias:
        return weights, np.zeros(0, dtype=int)
    first = run.n_params + sum(sizes[1:layer + 1])
    return weights, np.arange(first, first + sizes[layer + 1])
