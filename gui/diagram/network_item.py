"""NetworkItem: every node and edge of the diagram as one QGraphicsItem.

Modelled on pyqtgraph's GraphItem: edges that share a pen are drawn as one
QPainterPath, so a 6 x 16 network costs a few dozen draw calls, not a thousand.
What is slow to make is cached and remade only when its inputs change:
the layout (node positions, edge end points) on ``set_layout`` (a new
architecture or a resize); the edge paths on ``set_edge_values`` when the values
shown actually differ; node values are cheap and set on every change.

Conventions: edge e is weight ``W[layer][row, col]``, from unit ``row`` of layer
``layer`` to unit ``col`` of layer ``layer + 1``; edges are listed layer by layer,
row-major, which is also the order of ``Run.params_at``. With biases, a "+1" node
sits below each layer but the output, and its edges follow the weights' as
``(layer, n_layer, col)``: the bias of unit ``col`` of layer ``layer + 1``, as if it
were row ``n_layer`` of an augmented weight matrix. Edges then are in theta's order
(weights, then biases), so ``set_edge_values(theta)`` draws both on one scale.
"""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from gui.common import palette
from gui.common.names import unit_name
from gui.diagram.neuron_maps import paint_node_map
from gui.diagram.node_text import fit_value
from gui.diagram.node_text import font as _font

MARGIN_SIDE = 58  # room for x1.. on the left and ŷ and its value on the right
MARGIN_TOP = 40  # room for the layer captions (two lines)
MARGIN_BOTTOM = 22  # room for the target under the output
MAX_SPACING = 90  # nodes of a small layer are not spread over the whole height
MAX_RADIUS = 22
MIN_RADIUS = 2
VALUE_MIN_RADIUS = 11  # below this a value does not fit in its node
MAP_VALUE_MIN_RADIUS = 17  # below this a value would hide most of a node's map
ANTIALIAS_EDGES = 2000
HIT_TOLERANCE = 4  # px beyond an edge's half width that still counts as on it


class NetworkItem(QGraphicsItem):
    """Nodes and edges of a layered network, with hit testing for hover and clicks."""

    def __init__(self):
        super().__init__()
        self.setAcceptHoverEvents(True)
        self.rect = QRectF(0, 0, 400, 300)
        self.sizes = [1, 1]
        self.captions = []
        self.positions = []  # per layer: (n, 2) array of node centres
        self.bias_positions = []  # per layer but the output: its "+1" node's centre
        self.radius = 10.0
        self.edge_scale = 1.0  # < 1 thins edges when the layout is dense
        self.show_values = True
        self.show_hidden_names = True
        self.edges = np.zeros((0, 3), dtype=int)  # (layer, row, col) per edge
        self.ends = np.zeros((0, 4))  # x0, y0, x1, y1 per edge
        self.edge_values = None
        self.widths = np.zeros(0)
        self.levels = np.zeros(0, dtype=int)
        self.buckets = []  # (QPen, QPainterPath), thin first
        self.node_values = []  # per layer: values shown in the nodes
        self.node_texts = []  # per layer: the text shown in each node
        self.node_fills = None  # per layer: None (fill by activation) or a QColor per node
        self.node_images = None  # per layer: None or a QImage per node (neuron_maps.py)
        self.target_text = ""  # under the output node(s)
        self.highlight_nodes = False  # the values come from a probe, not a sample
        self.selected = None  # edge index
        self.hovered = None  # ("edge", index) or ("node", (layer, index)) or None
        self.hover_callback = None  # called with the hovered target and a screen point
        self.click_callback = None  # called with an edge index or None
        self.node_click_callback = None  # called with the clicked node's (layer, index)
        self.double_click_callback = None

    # ---- layout ----------------------------------------------------------------------------

    def set_layout(self, sizes, width, height, captions=(), bias=False):
        """Place the nodes of ``sizes`` in a ``width`` x ``height`` area. ``captions``
        name the layers: a string, or a (long, short) pair to fall back on when
        the long names do not fit between layers. ``bias``: add a "+1" node below
        every layer but the output, with an edge to each unit of the next layer."""
        self.prepareGeometryChange()
        self.rect = QRectF(0, 0, max(width, 120), max(height, 100))
        self.sizes = [int(n) for n in sizes]
        self.captions = list(captions)
        r = self.rect
        n_layers = len(self.sizes)
        usable_h = max(10.0, r.height() - MARGIN_TOP - MARGIN_BOTTOM)
        gap = (r.width() - 2 * MARGIN_SIDE) / max(1, n_layers - 1)
        # A "+1" node takes one more slot in its layer's column.
        slots = [n + (bias and layer < n_layers - 1) for layer, n in enumerate(self.sizes)]
        spacing = min(MAX_SPACING, usable_h / max(slots))
        self.radius = float(np.clip(min(0.36 * spacing, 0.22 * gap), MIN_RADIUS, MAX_RADIUS))
        self.show_values = self.radius >= VALUE_MIN_RADIUS
        # hidden units' names sit above them, between edges: only where there is room
        self.show_hidden_names = spacing >= 2 * self.radius + 14 and gap >= 70
        self.edge_scale = float(np.clip(spacing / (2 * palette.MAX_WIDTH), 0.25, 1.0))
        centre_y = MARGIN_TOP + usable_h / 2
        self.positions, self.bias_positions = [], []
        for layer, (n, slot_count) in enumerate(zip(self.sizes, slots, strict=True)):
            x = MARGIN_SIDE + gap * layer if n_layers > 1 else r.width() / 2
            step = min(MAX_SPACING, usable_h / slot_count)
            ys = centre_y + (np.arange(slot_count) - (slot_count - 1) / 2) * step
            self.positions.append(np.column_stack([np.full(n, x), ys[:n]]))
            if slot_count > n:
                self.bias_positions.append(np.array([x, ys[n]]))
        edges, ends = [], []
        for layer in range(n_layers - 1):
            a, b = self.positions[layer], self.positions[layer + 1]
            rows, cols = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
            rows, cols = rows.ravel(), cols.ravel()
            edges.append(np.column_stack([np.full(len(rows), layer), rows, cols]))
            ends.append(np.column_stack([a[rows], b[cols]]))
        for layer, centre in enumerate(self.bias_positions):
            b = self.positions[layer + 1]
            cols = np.arange(len(b))
            edges.append(np.column_stack([np.full(len(b), layer), np.full(len(b), len(
                self.positions[layer])), cols]))
            ends.append(np.column_stack([np.tile(centre, (len(b), 1)), b]))
        self.edges = np.concatenate(edges) if edges else np.zeros((0, 3), dtype=int)
        self.ends = np.concatenate(ends) if ends else np.zeros((0, 4))
        if self.edge_values is not None and len(self.edge_values) == len(self.edges):
            self._build_paths(force=True)  # the edges' ends moved
        self.update()

    def boundingRect(self):
        return self.rect

    # ---- what is shown ---------------------------------------------------------------------

    def set_edge_values(self, values, force=False):
        """Show ``values`` (one per edge, flat, in edge order) as edge widths/colours."""
        values = np.asarray(values, dtype=float)
        if (not force and self.edge_values is not None
                and np.array_equal(values, self.edge_values)):
            return
        self.edge_values = values.copy()
        if len(values) == len(self.edges):
            self._build_paths()
        self.update()

    def _build_paths(self, force=False):
        """One path per distinct pen: widths and colours are quantised by the palette.
        The paths are kept while every edge keeps its pen (most seeks in a long
        history, and most frames of Play). One path strokes faster than its lines
        drawn one by one."""
        values = self.edge_values
        widths = palette.weight_widths(values) * self.edge_scale
        levels = palette.weight_levels(values)
        if (not force and self.buckets and np.array_equal(widths, self.widths)
                and np.array_equal(levels, self.levels)):
            return
        self.widths, self.levels = widths, levels
        order = np.lexsort((levels, widths))  # thin edges first: thick ones end on top
        width_sorted, level_sorted = widths[order], levels[order]
        new_pen = np.ones(len(order), dtype=bool)
        new_pen[1:] = ((width_sorted[1:] != width_sorted[:-1])
                       | (level_sorted[1:] != level_sorted[:-1]))
        starts = np.flatnonzero(new_pen)
        ends = self.ends[order]
        self.buckets = [
            (_edge_pen(float(width_sorted[a]), int(level_sorted[a])),
             pg.arrayToQPath(ends[a:b, ::2].ravel(), ends[a:b, 1::2].ravel(), connect="pairs",
                             finiteCheck=False))
            for a, b in zip(starts.tolist(), starts[1:].tolist() + [len(order)], strict=True)]

    def set_node_values(self, values, texts, target_text="", highlight=False):
        self.node_values = [np.asarray(v, dtype=float) for v in values]
        self.node_texts = texts
        self.target_text = target_text
        self.highlight_nodes = highlight
        self.update()

    def shows_map(self, layer, i):
        """Whether node ``i`` of ``layer`` is filled with its neuron map."""
        images = self.node_images
        return bool(images) and self.node_fills is None and layer < len(images) and (
            images[layer] is not None and i < len(images[layer]))

    def shows_value(self, layer, i):
        """Whether node ``i`` of ``layer`` has room for its value (over a map, less so)."""
        return self.show_values and (self.radius >= MAP_VALUE_MIN_RADIUS
                                     or not self.shows_map(layer, i))

    def set_selected(self, index):
        self.selected = index
        self.update()

    def edge_color(self, index):
        return palette.level_color(int(self.levels[index]))

    # ---- hit testing -----------------------------------------------------------------------

    def edge_at(self, point):
        """Index of the edge under ``point`` (item coordinates), or None."""
        if not len(self.ends) or self.edge_values is None:
            return None
        p = np.array([point.x(), point.y()])
        a, b = self.ends[:, :2], self.ends[:, 2:]
        d = b - a
        t = np.clip(np.einsum("ij,ij->i", p - a, d) / np.maximum(
            np.einsum("ij,ij->i", d, d), 1e-12), 0, 1)
        distance = np.hypot(*(a + t[:, None] * d - p).T)
        slack = np.maximum(self.widths / 2, 1) + HIT_TOLERANCE
        near = np.flatnonzero((distance <= slack) & (t > 0) & (t < 1))
        if not len(near):
            return None
        return int(near[np.argmin(distance[near] - self.widths[near] / 2)])

    def node_at(self, point):
        """(layer, index) of the node under ``point``, or None."""
        for layer, centres in enumerate(self.positions):
            distance = np.hypot(centres[:, 0] - point.x(), centres[:, 1] - point.y())
            i = int(np.argmin(distance))
            if distance[i] <= self.radius + 2:
                return layer, i
        return None

    def target_at(self, point):
        node = self.node_at(point)
        if node is not None:
            return ("node", node)
        edge = self.edge_at(point)
        return None if edge is None else ("edge", edge)

    # ---- events ----------------------------------------------------------------------------

    def hoverMoveEvent(self, event):
        target = self.target_at(event.pos())
        if target != self.hovered:
            self.hovered = target
            self.update()
        if self.hover_callback:
            self.hover_callback(target, event.screenPos())

    def hoverLeaveEvent(self, event):
        self.hovered = None
        self.update()
        if self.hover_callback:
            self.hover_callback(None, event.screenPos())

    def mousePressEvent(self, event):
        node = self.node_at(event.pos())
        if event.button() == Qt.LeftButton and node and self.node_click_callback:
            self.node_click_callback(node)
        if event.button() == Qt.LeftButton and self.click_callback:
            self.click_callback(self.edge_at(event.pos()))
        event.accept()

    def mouseDoubleClickEvent(self, event):
        edge = self.edge_at(event.pos())
        if event.button() == Qt.LeftButton and edge is not None and self.double_click_callback:
            self.double_click_callback(edge)
        event.accept()

    # ---- painting --------------------------------------------------------------------------

    def paint(self, painter, option, widget=None):
        painter.setRenderHint(QPainter.Antialiasing)
        self._paint_captions(painter)
        # Thousands of hairline edges cost several times more to antialias and
        # gain nothing visible at that density.
        painter.setRenderHint(QPainter.Antialiasing, len(self.ends) <= ANTIALIAS_EDGES)
        for pen, path in self.buckets:
            painter.setPen(pen)
            painter.drawPath(path)
        painter.setRenderHint(QPainter.Antialiasing)
        for index, color in ((self._hovered_edge(), palette.FAINT_INK),
                             (self.selected, palette.HIGHLIGHT)):
            if index is not None and index < len(self.ends):
                self._paint_marked_edge(painter, index, color)
        self._paint_nodes(painter)

    def _hovered_edge(self):
        return self.hovered[1] if self.hovered and self.hovered[0] == "edge" else None

    def _paint_marked_edge(self, painter, index, color):
        """A halo under the edge, then the edge again on top of it."""
        x0, y0, x1, y1 = self.ends[index]
        width = float(self.widths[index])
        halo = QPen(color, width + 6)
        halo.setCapStyle(Qt.RoundCap)
        painter.setPen(halo)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        pen = QPen(self.edge_color(index), width)
        pen.setCapStyle(Qt.FlatCap)
        painter.setPen(pen)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))

    def _paint_captions(self, painter):
        """Each layer's name above it, on two lines, shortened to fit between layers."""
        painter.setFont(_font(8))
        painter.setPen(palette.FAINT_INK)
        metrics = painter.fontMetrics()
        gap = (self.positions[1][0, 0] - self.positions[0][0, 0]
               if len(self.positions) > 1 else 140.0)
        width = max(20.0, min(140.0, gap - 6))
        # Long captions ("hidden 1 / sigmoid") when they all fit, short ones
        # ("H1 / σ") otherwise, rather than a row of elided "hi…" that says nothing.
        long = [c[0] if isinstance(c, tuple) else c for c in self.captions]
        short = [c[1] if isinstance(c, tuple) else c for c in self.captions]
        fits = all(metrics.horizontalAdvance(line) <= width
                   for caption in long for line in caption.split("\n"))
        for layer, caption in enumerate((long if fits else short)[:len(self.positions)]):
            x = self.positions[layer][0, 0]
            lines = [metrics.elidedText(line, Qt.ElideRight, int(width))
                     for line in caption.split("\n")]
            painter.drawText(QRectF(x - width / 2, 0, width, MARGIN_TOP - 4),
                             Qt.AlignHCenter | Qt.AlignBottom, "\n".join(lines))

    def _paint_nodes(self, painter):
        r = self.radius
        last = len(self.positions) - 1
        outline = QPen(palette.HIGHLIGHT if self.highlight_nodes else palette.INK,
                       2.5 if self.highlight_nodes else 1.2)
        name_font = _font(9 if r > 8 else 7)
        for layer, centres in enumerate(self.positions):
            values = self.node_values[layer] if layer < len(self.node_values) else []
            fills = self.node_fills[layer] if self.node_fills and layer < len(
                self.node_fills) else None
            texts = self.node_texts[layer] if layer < len(self.node_texts) else []
            named = layer in (0, last) or self.show_hidden_names
            painter.setPen(outline)
            for i, (x, y) in enumerate(centres.tolist()):
                fill = fills[i] if fills is not None else palette.activation_color(
                    values[i]) if i < len(values) else QColor(palette.BACKGROUND)
                painter.setBrush(fill)
                mapped = self.shows_map(layer, i)
                if mapped:
                    paint_node_map(painter, self.node_images[layer][i], x, y, r)
                    fill = QColor(255, 255, 255, 190)  # the value on a pale pill
                else:
                    painter.drawEllipse(QPointF(x, y), r, r)
                if i < len(texts) and self.shows_value(layer, i):
                    font, text, width = fit_value(texts[i], r)
                    painter.setFont(font)
                    if mapped:
                        self._paint_pill(painter, fill, x, y, width, font)
                    painter.setPen(palette.text_color_on(fill))
                    painter.drawText(QRectF(x - r, y - r, 2 * r, 2 * r), Qt.AlignCenter, text)
                    painter.setPen(outline)
                if named:  # a dense hidden layer has no room for names: skip the call
                    self._paint_name(painter, name_font, layer, last, i, x, y)
                    painter.setPen(outline)
        self._paint_bias_nodes(painter)
        if self.target_text and r >= 6:
            painter.setFont(_font(8))
            painter.setPen(palette.FAINT_INK)
            x, y = self.positions[last][-1]
            painter.drawText(QRectF(x - 60, y + r + 2, 120, 16), Qt.AlignHCenter | Qt.AlignTop,
                             self.target_text)

    def _paint_pill(self, painter, fill, x, y, width, font):
        height = QFontMetricsF(font).height() + 2
        painter.setPen(Qt.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(x - width / 2 - 2, y - height / 2, width + 4, height),
                                3, 3)

    def _paint_bias_nodes(self, painter):
        """Each "+1" node: a small grey disc, the constant its edges multiply."""
        r = self.bias_radius
        painter.setPen(QPen(palette.FAINT_INK, 1.2))
        painter.setBrush(palette.BIAS_FILL)
        painter.setFont(_font(8 if r >= 9 else 6))
        for x, y in (c.tolist() for c in self.bias_positions):
            painter.drawEllipse(QPointF(x, y), r, r)
            painter.setPen(palette.INK)
            if r >= 7:
                painter.drawText(QRectF(x - r, y - r, 2 * r, 2 * r), Qt.AlignCenter, "+1")
            else:  # too small to hold its name: it goes on the left, as the inputs' do
                painter.drawText(QRectF(x - r - 26, y - 8, 22, 16),
                                 Qt.AlignRight | Qt.AlignVCenter, "+1")
            painter.setPen(QPen(palette.FAINT_INK, 1.2))

    @property
    def bias_radius(self):
        return max(MIN_RADIUS, 0.7 * self.radius)

    def _paint_name(self, painter, font, layer, last, i, x, y):
        r = self.radius
        name = unit_name(self.sizes, layer, i)
        painter.setFont(font)
        painter.setPen(palette.INK)
        if layer == 0:
            painter.drawText(QRectF(x - r - 48, y - 10, 44, 20),
                             Qt.AlignRight | Qt.AlignVCenter, name)
        elif layer == last:
            painter.drawText(QRectF(x + r + 4, y - 10, 50, 20),
                             Qt.AlignLeft | Qt.AlignVCenter, name)
        elif self.show_hidden_names:
            rect = QRectF(x - 20, y - r - 15, 40, 14)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(255, 255, 255, 200))  # readable over the edges
            width = painter.fontMetrics().horizontalAdvance(name) + 6
            painter.drawRoundedRect(QRectF(x - width / 2, rect.top(), width, 14), 3, 3)
            painter.setPen(palette.INK)
            painter.drawText(rect, Qt.AlignCenter, name)


@functools.lru_cache(maxsize=1024)
def _edge_pen(width, level):
    """The pen of an edge of quantised ``width`` and colour ``level``; few exist."""
    pen = QPen(palette.level_color(level), width)
    pen.setCapStyle(Qt.FlatCap)
    return pen

