"""Neuron maps: each hidden and output node shows what it computes, as the
TensorFlow Playground draws it.

Plane data (:func:`plane_inputs`: at least two input columns, the first two each
taking more than one finite value): each node is filled with a GRID x GRID heat map
of its activation over the (x1, x2) plane, spanning the data's range plus MARGIN on
each side (x1 across, x2 upwards); any other column is held at its median over the
rows (a constant column keeps its value exactly). Other data: each node is filled
with a strip, one vertical band per sample (row 1 on the left), at most MAX_STRIP
samples, evenly spaced through the rows.

Colours: the decision map's diverging scale (orange low, near white middle, blue
high), shared by every node of a layer: a bounded activation's own range
(sigmoid 0..1, tanh -1..1), else symmetric about 0 over the layer's values; the
output, unless sigmoid, symmetric about the 0.5 threshold that accuracy uses.

One update is one forward pass of the grid keeping every layer, one lookup-table
step to 32-bit colours for all nodes, and one QImage per node; it runs inside the
diagram's own coalesced redraw, so Play drops map frames as it drops the diagram's.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QWidget

from gui.common import palette
from gui.common.names import unit_name
from nncore.network import forward, output_range

GRID = 32  # points per side of a node's map
MARGIN = 0.15  # of the data's span, on each side of the plane
MAX_STRIP = 512  # samples drawn in a node's strip
POPUP_SIZE = 168  # px, the enlarged map shown while a node is hovered
REGION_FADE = 0.3  # as the decision map: its strongest colours are this much paler
WHITE = QColor("#F7F7F7")  # the decision map's middle colour


def lookup_table():
    """(256,) uint32 0xAARRGGBB: orange (0) -> near white (127.5) -> blue (255)."""
    stops = np.array([palette.mix(c, WHITE, t).getRgb()[:3] for c, t in (
        (palette.NEGATIVE, REGION_FADE), (WHITE, 0.0), (palette.POSITIVE, REGION_FADE))],
        dtype=float)
    t = np.linspace(0.0, 1.0, 256)
    rgb = np.rint([np.interp(t, [0.0, 0.5, 1.0], stops[:, c]) for c in range(3)]).astype(np.uint32)
    return (0xFF000000 | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]).astype(np.uint32)


LUT = lookup_table()


def colour_of(value, low, high):
    """The QColor a map gives ``value`` on the scale ``low``..``high`` (for tests)."""
    return QColor.fromRgb(int(LUT[_indices(np.array([value], dtype=float), low, high)[0]]))


def _indices(values, low, high):
    with np.errstate(all="ignore"):
        t = (values / 2 - low / 2) / (high / 2 - low / 2)  # halved: no overflow
    t = np.nan_to_num(t, nan=0.5, posinf=1.0, neginf=0.0)
    return np.clip(np.rint(t * 255), 0, 255).astype(np.intp)


def plane_inputs(X):
    """``(grid_inputs, (x_low, x_high), (y_low, y_high))`` for plane data, else None.
    Row ``i * GRID + j`` of the grid is the point at column j (x1 rising to the right)
    and row i (x2 falling downwards: row 0 is the top of the image)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2 or not np.isfinite(X).all():
        return None
    spans = []
    for column in (0, 1):
        low, high = float(X[:, column].min()), float(X[:, column].max())
        with np.errstate(all="ignore"):
            pad = (high - low) * MARGIN
            low, high = low - pad, high + pad
        if not (high > low and np.isfinite(low) and np.isfinite(high)):
            return None
        spans.append((low, high))
    xs = np.linspace(*spans[0], GRID)
    ys = np.linspace(*spans[1], GRID)[::-1]
    # Each column's median, written out: np.median's first call loads numpy.ma, which
    # the window's start-up would pay for.
    ordered = np.sort(X, axis=0)
    n = len(ordered)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    grid = np.repeat(median[None, :], GRID * GRID, axis=0)
    grid[:, 0] = np.tile(xs, GRID)
    grid[:, 1] = np.repeat(ys, GRID)
    return grid, spans[0], spans[1]


def layer_levels(activation, values, output):
    """The colour scale (low, high) of a layer with ``activation`` showing ``values``."""
    low, high = output_range(activation)
    if np.isfinite(low) and np.isfinite(high):
        return low, high
    centre = 0.5 if output else 0.0
    finite = values[np.isfinite(values)] - centre
    spread = float(np.max(np.abs(finite))) if finite.size else 0.0
    spread = spread if 1e-12 < spread < np.inf else 1.0
    return centre - spread, centre + spread


def _disc_mask(height, width):
    """True outside the ellipse inscribed in a height x width image."""
    y = (np.arange(height) + 0.5) / height * 2 - 1
    x = (np.arange(width) + 0.5) / width * 2 - 1
    return y[:, None] ** 2 + x[None, :] ** 2 > 1.0


class NeuronMaps:
    """The maps of ``view`` (a NetworkView). After ``update()``: ``values[layer]`` is
    ``(units, h, w)`` activations of layer ``layer`` (1 = first hidden), ``levels
    [layer]`` its colour scale, ``images[layer][unit]`` the QImage drawn (transparent
    outside the node's disc), ``plane`` True for maps over the plane, False for strips;
    ``drawn_iteration`` the iteration shown."""

    def __init__(self, view):
        self.view = view
        self.enabled = True
        self.values, self.levels, self.images = {}, {}, {}
        self.plane = False
        self.spans = None
        self.drawn_iteration = None
        self._key = None
        self._inputs = None  # (run, grid or rows, plane?)
        self.popup = MapPopup()
        self.popup.setVisible(False)
        view.scene.addItem(self.popup)
        self.legend = MapLegend()
        layout = view.layout()
        layout.insertWidget(layout.indexOf(view.legend), self.legend)

    def set_enabled(self, on):
        self.enabled = bool(on)
        self._key = None
        self.update()
        self.view.item.update()

    def update(self):
        """Bring the maps to the shown iteration (the diagram's refresh calls this)."""
        item, session = self.view.item, self.view.session
        run = session.run
        self.legend.setVisible(self.enabled)
        if not self.enabled:
            item.node_images = None
            self.popup.setVisible(False)
            self.values, self.images = {}, {}
            return
        shown = run.at(session.iteration)
        key = (id(run), shown.theta.tobytes())
        if key == self._key:
            return
        self._key = key
        inputs, plane = self._sample_points(run)
        with np.errstate(all="ignore"):  # huge weights: inf and nan take the middle colour
            layers = forward(inputs, shown.weights, run.activations, biases=shown.biases)
        h, w = (GRID, GRID) if plane else (GRID, len(inputs))
        last = len(layers) - 1
        outside = _disc_mask(h, w)
        self.values, self.levels, self.images = {}, {}, {}
        images = [None]
        for layer in range(1, last + 1):
            if plane:
                values = layers[layer].T.reshape(-1, h, w)
            else:
                units = layers[layer].T  # one band per sample, GRID pixels tall
                values = np.broadcast_to(units[:, None, :], (len(units), h, w))
            levels = layer_levels(run.activations[layer - 1], values, layer == last)
            pixels = LUT[_indices(values, *levels)]
            pixels[:, outside] = 0  # transparent: the disc only
            self.values[layer], self.levels[layer] = values, levels
            self.images[layer] = [_image(p) for p in pixels]
            images.append(self.images[layer])
        self.plane = plane
        self.drawn_iteration = session.iteration
        item.node_images = images
        item.update()
        self.legend.show_scales(run, self.levels, plane, self.spans)
        if self.popup.isVisible():
            self.popup.show_map(self, *self.popup.node, item)

    def _sample_points(self, run):
        if self._inputs is None or self._inputs[0] is not run:
            found = plane_inputs(run.X)
            if found is not None:
                grid, x_span, y_span = found
                self.spans = (x_span, y_span)
                self._inputs = (run, grid, True)
            else:
                rows = np.unique(np.linspace(0, len(run.X) - 1, min(len(run.X), MAX_STRIP))
                                 .round().astype(int))
                self.spans = None
                self._inputs = (run, np.asarray(run.X, dtype=float)[rows], False)
        return self._inputs[1], self._inputs[2]

    def pixel(self, layer, unit, i, j):
        """The QColor drawn at row i, column j of the map of unit ``unit`` of ``layer``."""
        return QColor.fromRgb(self.images[layer][unit].pixel(j, i))

    # ---- hover and click -------------------------------------------------------------

    def hover(self, node):
        """Enlarge the map of ``node`` = (layer, unit), or hide the popup (None)."""
        layer = node[0] if node else 0
        if not self.enabled or layer not in self.images:
            self.popup.setVisible(False)
            return
        self.popup.show_map(self, *node, self.view.item)


def _image(pixels):
    h, w = pixels.shape
    data = np.ascontiguousarray(pixels)
    return QImage(data.data, w, h, 4 * w, QImage.Format_ARGB32).copy()  # owns its bytes


class MapPopup(QGraphicsItem):
    """The hovered node's map, enlarged (at most POPUP_SIZE, within the diagram), with
    its name and colour scale above it."""

    def __init__(self):
        super().__init__()
        self.image, self.title, self.node, self.size = None, "", (0, 0), float(POPUP_SIZE)
        self.setZValue(20)
        self.setAcceptedMouseButtons(Qt.NoButton)

    def boundingRect(self):
        return QRectF(-4, -20, self.size + 8, self.size + 26)

    def show_map(self, maps, layer, unit, item):
        self.node = (layer, unit)
        self.image = maps.images[layer][unit]
        run = maps.view.session.run
        low, high = maps.levels[layer]
        name = unit_name(run.layer_sizes, layer, unit, qualified=True)
        self.title = f"{name}: {low:.3g} to {high:.3g}"
        x, y = item.positions[layer][unit]
        r, area = item.radius, item.rect
        self.prepareGeometryChange()
        self.size = max(60.0, min(float(POPUP_SIZE), area.height() - 30))
        size = self.size
        left = x + r + 6 if x + r + 6 + size < area.right() else x - r - 6 - size
        top = min(max(y - size / 2, 22.0), max(22.0, area.bottom() - size - 4))
        self.setPos(left, top)
        self.setVisible(True)
        self.update()

    def paint(self, painter, option, widget=None):
        if self.image is None:
            return
        size = self.size
        painter.setPen(QPen(palette.INK, 1))
        painter.setBrush(palette.BACKGROUND)
        painter.drawRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5))
        painter.drawText(QRectF(0, -19, size, 17), Qt.AlignHCenter | Qt.AlignVCenter,
                         self.title)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)  # one image: smooth edges
        painter.setBrush(QColor(WHITE))
        painter.drawEllipse(QRectF(0, 0, size, size))
        painter.drawImage(QRectF(0, 0, size, size), self.image)


class MapLegend(QWidget):
    """Under the diagram: the colour bar and each layer's scale."""

    def __init__(self):
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QLabel()
        bar = QImage(LUT.reshape(1, -1).repeat(10, axis=0).copy().data, 256, 10, 1024,
                     QImage.Format_ARGB32).copy()
        self.bar.setPixmap(QPixmap.fromImage(bar).scaled(120, 10))
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout.addWidget(QLabel("Neuron maps: low"))
        layout.addWidget(self.bar)
        layout.addWidget(QLabel("high."), 0)
        layout.addWidget(self.text, 1)

    def show_scales(self, run, levels, plane, spans):
        last = len(run.layer_sizes) - 1
        groups = []  # [first layer, last layer, scale]: equal neighbours share an entry
        for layer, scale in levels.items():
            if groups and groups[-1][2] == scale and layer != last:
                groups[-1][1] = layer
            else:
                groups.append([layer, layer, scale])
        parts = []
        for first, final, (low, high) in groups:
            name = "out" if first == last else f"H{first}" + (f"-H{final}" if final > first
                                                                else "")
            parts.append(f"{name} {low:.3g} to {high:.3g}")
        if plane:
            (x0, x1), (y0, y1) = spans
            where = (f"over x1 {x0:.3g} to {x1:.3g} (across), x2 {y0:.3g} to {y1:.3g} (up)")
        else:
            where = "on each sample, row 1 on the left"
        self.text.setText(f"Each node's output {where}. Scales: {'; '.join(parts)}.")
        self.setToolTip("Hover a node to enlarge its map; click it to show it in the "
                        "dataset dock's decision map.")


def paint_node_map(painter, image, x, y, r):
    """Fill the node at (x, y) of radius r with ``image`` (transparent outside its disc)."""
    painter.setBrush(QColor(WHITE))
    painter.drawEllipse(QPointF(x, y), r, r)
    painter.drawImage(QRectF(x - r, y - r, 2 * r, 2 * r), image)
    painter.setBrush(Qt.NoBrush)
    painter.drawEllipse(QPointF(x, y), r, r)


