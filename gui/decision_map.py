"""Decision regions over the input plane, for data with two varying inputs.

The big map colours every point (x1, x2) of the plane by the network's output ŷ
there (orange towards 0, blue towards 1, white at the 0.5 threshold), with the
training points on top in their target's colour. The small maps show what each
unit of one hidden layer computes over the same plane, which is how a hidden
layer "bends" the boundary a single neuron could only draw straight.

Other input columns must be constant (the tutorial's column of ones); they keep
their value over the whole plane. The maps are one vectorised forward pass over a
GRID x GRID grid, redrawn at most MAX_FPS times a second and not at all while
the widget is hidden: a map that falls behind skips to the newest iteration.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import palette
from nncore.network import forward

GRID = 64
MAX_FPS = 15
TILES_PER_ROW = 8
TILE_GAP = 0.12  # gap between neuron tiles, as a fraction of a tile
REGION_FADE = 0.3  # how much of the way to white the map's strongest colours are
WHITE = QColor("#F7F7F7")  # the middle of the scale, a touch off white to show the edge


def plane_columns(X):
    """The two input columns that vary, or None if not exactly two do."""
    X = np.asarray(X, dtype=float)
    varying = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) > 0]
    return tuple(varying) if len(varying) == 2 else None


def colormap():
    """Orange (low) -> near white (middle) -> blue (high), the weights' colours, a
    little paler than the points so a point stands out on a region of its class."""
    colors = [palette.mix(palette.NEGATIVE, WHITE, REGION_FADE), WHITE,
              palette.mix(palette.POSITIVE, WHITE, REGION_FADE)]
    return pg.ColorMap([0.0, 0.5, 1.0], [c.getRgb()[:3] for c in colors])


def levels(name, values, centre=0.0):
    """Colour scale (low, high) for units with activation ``name``: a fixed scale
    when the activation is bounded, otherwise symmetric about ``centre``."""
    if name == "sigmoid":
        return 0.0, 1.0
    if name == "tanh":
        return -1.0, 1.0
    finite = values[np.isfinite(values)]
    spread = float(np.max(np.abs(finite - centre))) if finite.size else 1.0
    spread = spread if spread > 1e-12 else 1.0
    return centre - spread, centre + spread


class DecisionMap(QWidget):
    """Output and hidden-unit heat maps of ``session.run`` at ``session.iteration``.

    After a draw, ``output_values[i, j]`` is ŷ (first output) at the input point
    ``grid_inputs[i * GRID + j]``, whose plane coordinates are
    ``(xs[i], ys[j])``; ``hidden_values[u]`` is the same for unit u of the chosen
    hidden layer. ``drawn_iteration`` says which iteration they belong to.
    """

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.columns = None
        self.xs = self.ys = self.grid_inputs = None
        self.output_values = None
        self.hidden_values = None
        self.drawn_iteration = None
        self._stale = True
        self._last_draw = 0.0
        self._lut = colormap().getLookupTable(nPts=256)
        self._brushes = []
        self._right_pen = pg.mkPen("w", width=1.5)
        self._wrong_pen = pg.mkPen(palette.INK, width=2.5)
        self._make_widgets()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.draw)
        session.sigRunReplaced.connect(self.sync)
        session.sigHistoryChanged.connect(self.schedule)  # a weight edit at the cursor
        session.sigIterationChanged.connect(self.schedule)
        self.sync()

    def _make_widgets(self):
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        self.plot = pg.PlotWidget(background=palette.BACKGROUND)
        self.plot.setMinimumHeight(220)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setAspectLocked(True)
        item.setTitle("Output ŷ over the input plane", color=palette.INK.name(), size="10pt")
        item.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(self._lut)
        item.addItem(self.image)
        self.boundary = pg.IsocurveItem(level=0.5, pen=pg.mkPen(palette.INK, width=1.5))
        self.boundary.setParentItem(self.image)
        self.points = pg.ScatterPlotItem(size=8, pxMode=True)
        item.addItem(self.points)
        layout.addWidget(self.plot, 3)
        self.legend = QLabel("Points are the training samples, coloured by target "
                             "(<span style='color:#0072B2'>●</span> y=1, "
                             "<span style='color:#E66100'>●</span> y=0); a dark ring "
                             "marks one the network still gets wrong. The black line "
                             "is ŷ = 0.5.")
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)

        row = QHBoxLayout()
        self.units_title = QLabel("What each hidden unit computes:")
        row.addWidget(self.units_title, 1)
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which hidden layer's units to show")
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        row.addWidget(self.layer_combo)
        layout.addLayout(row)
        self.units = pg.GraphicsLayoutWidget()
        self.units.setBackground(palette.BACKGROUND)
        self.units.setMinimumHeight(70)
        self.units_box = self.units.addViewBox(lockAspect=True, enableMouse=False)
        self.units_box.setMenuEnabled(False)
        layout.addWidget(self.units, 1)
        self.tiles = []  # [(ImageItem, TextItem, QRectF)] one per hidden unit
        self.plane_widgets = [self.plot, self.legend, self.units_title, self.layer_combo,
                              self.units]

    # ---- model -> view --------------------------------------------------------------

    def sync(self):
        """Adapt to a new run: which columns span the plane, its extent, the points."""
        run = self.session.run
        self.columns = plane_columns(run.X)
        shown = self.columns is not None
        for w in self.plane_widgets:
            w.setVisible(shown)
        if not shown:
            varying = int(np.count_nonzero(np.ptp(run.X, axis=0) > 0))
            self.hint.setText(f"The decision map over the input plane needs exactly two "
                              f"inputs that vary (x1, x2, plus constant columns); this data "
                              f"has {varying}.")
            self.hint.show()
            # Only the hint is left: give the room back to whatever sits next to us.
            self.setMaximumHeight(self.hint.sizeHint().height() * 2)
            self.output_values = self.hidden_values = None
            return
        self.hint.hide()
        self.setMaximumHeight(16_777_215)  # QWIDGETSIZE_MAX
        a, b = self.columns
        self.plot.getPlotItem().setLabel("bottom", f"x{a + 1}")
        self.plot.getPlotItem().setLabel("left", f"x{b + 1}")
        self.xs, dx = self._axis(run.X[:, a])
        self.ys, dy = self._axis(run.X[:, b])
        grid = np.repeat(run.X[:1], GRID * GRID, axis=0)  # the constant columns
        grid[:, a] = np.repeat(self.xs, GRID)
        grid[:, b] = np.tile(self.ys, GRID)
        self.grid_inputs = grid
        rect = QRectF(self.xs[0] - dx / 2, self.ys[0] - dy / 2, GRID * dx, GRID * dy)
        self._rect = rect  # ImageItem.setRect needs an image, so draw() passes it
        self.plot.getPlotItem().setRange(rect, padding=0)
        n_hidden = len(run.layer_sizes) - 2
        with QSignalBlocker(self.layer_combo):
            self.layer_combo.clear()
            self.layer_combo.addItems([f"hidden layer {i + 1}" for i in range(n_hidden)])
        self.layer_combo.setVisible(n_hidden > 1)
        self.units_title.setVisible(n_hidden > 0)
        self.units.setVisible(n_hidden > 0)
        blue, orange = pg.mkBrush(palette.POSITIVE), pg.mkBrush(palette.NEGATIVE)
        self._brushes = [blue if t else orange for t in run.Y[:, 0] > 0.5]
        self._make_tiles()
        self._stale = True
        self.draw()

    @staticmethod
    def _axis(values):
        """GRID pixel centres spanning ``values`` with a margin, and the pixel size."""
        lo, hi = float(values.min()), float(values.max())
        pad = 0.15 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        step = (hi - lo) / GRID
        return lo + step * (np.arange(GRID) + 0.5), step

    def _layer_chosen(self, _index):
        self._make_tiles()
        self._stale = True
        self.draw()

    @property
    def hidden_layer(self):
        """Index into forward()'s layers of the hidden layer shown in the small maps."""
        return self.layer_combo.currentIndex() + 1

    def _make_tiles(self):
        for image, label, _ in self.tiles:
            self.units_box.removeItem(image)
            self.units_box.removeItem(label)
        self.tiles = []
        run = self.session.run
        if len(run.layer_sizes) < 3:
            return
        n = run.layer_sizes[self.hidden_layer]
        for u in range(n):
            image = pg.ImageItem(axisOrder="col-major")
            image.setLookupTable(self._lut)
            col, row = u % TILES_PER_ROW, u // TILES_PER_ROW
            x, y = col * (1 + TILE_GAP), -row * (1 + 2.5 * TILE_GAP)
            label = pg.TextItem(f"h{u + 1}", color=palette.FAINT_INK, anchor=(0.5, 0))
            label.setPos(x + 0.5, y)
            self.units_box.addItem(image)
            self.units_box.addItem(label)
            self.tiles.append((image, label, QRectF(x, y, 1, 1)))
        rows = (n + TILES_PER_ROW - 1) // TILES_PER_ROW
        cols = min(n, TILES_PER_ROW)
        self.units_box.setRange(xRange=(0, cols * (1 + TILE_GAP)),
                                yRange=(1 - rows * (1 + 2.5 * TILE_GAP), 1), padding=0.02)

    # ---- drawing --------------------------------------------------------------------

    def schedule(self, *_):
        """Ask for a redraw; at most MAX_FPS a second, dropping frames in between."""
        self._stale = True
        if self._timer.isActive() or self.columns is None:
            return
        wait = 1.0 / MAX_FPS - (time.perf_counter() - self._last_draw)
        self._timer.start(max(0, int(wait * 1000)))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.columns is not None:  # the first range may have been set at size 0
            self.plot.getPlotItem().setRange(self._rect, padding=0)

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale:
            self.schedule()

    def draw(self):
        """Recompute the maps for the current iteration (skipped while hidden)."""
        if self.columns is None or not self.isVisible():
            return
        self._stale = False
        self._last_draw = time.perf_counter()
        session, run = self.session, self.session.run
        k = session.iteration
        weights = run.weights_at(k)
        with np.errstate(all="ignore"):
            layers = forward(self.grid_inputs, weights, run.activations)
        out = layers[-1][:, 0].reshape(GRID, GRID)
        self.output_values = out
        if run.activations[-1] == "sigmoid":
            out_levels = (0.0, 1.0)
        else:
            out_levels = levels(run.activations[-1], out, centre=0.5)
        self.image.setImage(np.nan_to_num(out, nan=0.5), levels=out_levels, rect=self._rect)
        if np.isfinite(out).all() and out.min() < 0.5 < out.max():
            self.boundary.setData(out)
        else:
            self.boundary.setData(None)
        self._draw_points(run, k)
        if self.tiles:
            layer = self.hidden_layer
            values = layers[layer].T.reshape(-1, GRID, GRID)
            self.hidden_values = values
            for (image, _, rect), v in zip(self.tiles, values, strict=False):
                image.setImage(np.nan_to_num(v), rect=rect,
                               levels=levels(run.activations[layer - 1], v))
        else:
            self.hidden_values = None
        self.drawn_iteration = k
        self.plot.getPlotItem().setTitle(f"Output ŷ over the input plane, iteration {k}",
                                         color=palette.INK.name(), size="10pt")

    def _draw_points(self, run, k):
        a, b = self.columns
        right = (run.outputs[k][:, 0] > 0.5) == (run.Y[:, 0] > 0.5)
        # A few points (the 4 of xor) can be big; hundreds must not hide the map.
        size = 11 if len(run.X) <= 20 else 7
        self.points.setData(x=run.X[:, a], y=run.X[:, b], brush=self._brushes, size=size,
                            pen=[self._right_pen if ok else self._wrong_pen for ok in right])
