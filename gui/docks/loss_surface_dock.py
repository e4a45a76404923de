"""The loss surface: E over two chosen weights, with the path gradient descent took.

The heat map is E over a grid of the two weights, every other weight (and every
bias) held at its value at iteration k; the line on top is those two weights at every
iteration from 0 to k. E is the run's recorded loss: on the training rows (not the
held-out ones), with the run's loss and reduction, without the L1/L2 penalty, so
the map's value at the current weights is ``run.at(k).loss``.
The surface is a slice through a landscape that itself moves (the other weights
change as training runs), so the path is not expected to run exactly downhill on
it; the caption says so.

Cost control, so the map never stalls play: the grid is computed by
:func:`nncore.surface.loss_grid` in one vectorised pass, only while the dock is
visible, only when the slice changed (the other weights, the picked pair, the grid's
extent), and while playing at most every few frames with a resolution cut so that
one pass takes about PLAY_BUDGET_S; a network too big even for a MIN_SIDE grid keeps
its last map until play pauses. Contour lines cost more than the map itself
(pyqtgraph traces them in Python), so they are drawn when play pauses.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.chain_rule import fmt, weight_label, weight_symbol
from gui.common.number_fields import DecimalBox
from gui.common.plane import PlaneAxis, colour_scale, grid_bounds, label_colour_bar
from gui.common.redraw import RedrawTimer
from gui.common.still_plot import still_plot
from nncore.surface import descent_path, flat_index, locate, loss_grid

MAX_SIDE = 100  # grid points per axis when there is time for them
MIN_SIDE = 16
PLAY_BUDGET_S = 0.025  # one surface pass while playing: under two frames
PAUSED_BUDGET_S = 0.1  # when paused, a sharper map is worth a short wait
CONTOUR_LEVELS = 7
SLICE_NOTE = ("The map is the slice through the other weights' values now; the older "
              "parts of the path lay on slightly different slices, so the path need not "
              "run straight downhill on this map.")
MAP_MIN_HEIGHT = 150  # pixels


class LossSurfaceDock(QDockWidget):
    """E(w_a, w_b) around W_k at ``session.iteration``, with the descent path.

    After a redraw: ``grid_a`` and ``grid_b`` are the pixel centres of the two axes,
    ``values[r, c]`` is E at (grid_a[c], grid_b[r]) (the image shown, row 0 at the
    bottom), ``path`` is ``(iterations, values_a, values_b)`` as drawn, and
    ``drawn_iteration`` is the iteration they belong to. The map itself (``plot``,
    ``image``, ``colorbar``, the path items) is made by the first redraw.
    """

    def __init__(self, session, parent=None):
        super().__init__("Loss surface", parent)
        self.setObjectName("loss_surface_dock")
        self.session = session
        self.pair = None  # (edge_a, edge_b), each (layer, row, col)
        self.bounds = None  # (a_lo, a_hi, b_lo, b_hi) of the grid
        # PlaneAxis of each weight, so weights up to ±1.8e308 draw too: of the grid drawn
        # (view_axes: of the bounds now, for the path while a big network's map waits).
        self.axes = self.view_axes = None
        self.grid_a = self.grid_b = self.values = None
        self.path = None
        self.drawn_iteration = None
        self.compute_seconds = 0.0  # the last grid pass
        self.computations = 0  # grid passes so far (the cost control is tested by it)
        self.deferred = False  # True while play goes on with an older map (a big network)
        self._seconds_per_point = None
        self._computed = None  # what the current grid was computed from
        self._contours_for = None
        self._sizes = None
        self._make_widgets()
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=30)
        session.cursor.sigRunReplaced.connect(self.sync)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.player.sigPlayingChanged.connect(self.redraw.schedule)  # sharpen the map on pause
        self.sync()

    def _make_widgets(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.combo_a = QComboBox()
        self.combo_b = QComboBox()
        for text, combo in (("Horizontal:", self.combo_a), ("Vertical:", self.combo_b)):
            row.addWidget(QLabel(text))
            combo.setToolTip("Any weight of the network; the others stay at their "
                             "values at the current iteration")
            combo.currentIndexChanged.connect(self._pair_chosen)
            row.addWidget(combo, 1)
        row.addWidget(QLabel("Range ±"))
        self.span = DecimalBox("range", 0.0, 100.0, 1)
        self.span.setSingleStep(0.5)
        self.span.setSpecialValueText("auto")
        self.span.setToolTip("How far each axis reaches either side of the current weights. "
                             "“auto” fits the whole descent path instead.")
        self.span.valueChanged.connect(self._span_changed)
        self.span.sigRefused.connect(self._refuse)
        row.addWidget(self.span)
        self.contours = QCheckBox("Contours")
        self.contours.setChecked(True)
        self.contours.setToolTip("Lines of equal loss, drawn while training is paused")
        self.contours.toggled.connect(self._contours_toggled)
        row.addWidget(self.contours)
        layout.addLayout(row)
        self.refusal = QLabel()  # a typed range that was not used, and why
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(f"color: {palette.NEGATIVE.darker(130).name()};")
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)

        # The map is a pyqtgraph plot, most of what this dock costs to build; it is
        # made at the first redraw (see _make_map), which waits until the dock is on
        # screen: the dock starts as a tab behind the inspector. Until then this
        # stand-in holds its place with the plot's minimum height, so the dock asks
        # the window for the same room before and after.
        self.plot = None
        self._map_slot = QWidget()
        self._map_slot.setMinimumHeight(MAP_MIN_HEIGHT)
        layout.addWidget(self._map_slot, 1)
        self.status = QLabel()  # the current point, or the point under the mouse
        # Wrapped: on one line, long numbers (and the note of a map that waits for a
        # pause) made the dock, and so the window, wider than the screen.
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.legend = QLabel("Dark is low loss. White line: the path gradient descent "
                             "took, from □ (iteration 0) to ● (now).")
        self.legend.setToolTip(SLICE_NOTE)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        layout.addWidget(self.legend)
        self.setWidget(body)

    def _make_map(self):
        """The plot: heat map, colour bar, contours, path and markers."""
        self.plot, item = still_plot(MAP_MIN_HEIGHT)
        for axis in ("bottom", "left"):
            item.getAxis(axis).setTextPen(palette.INK)
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        cmap = pg.colormap.get("viridis")
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=cmap, label="loss E",
                                        interactive=False, colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=item)
        self.isocurves = [pg.IsocurveItem(level=0, pen=pg.mkPen((255, 255, 255, 110)),
                                          axisOrder="row-major")
                          for _ in range(CONTOUR_LEVELS)]
        for curve in self.isocurves:
            curve.setParentItem(self.image)
        # The path twice, dark under light, so it reads on both ends of the colour scale.
        self.path_shadow = pg.PlotDataItem(pen=pg.mkPen(palette.INK, width=4))
        self.path_line = pg.PlotDataItem(pen=pg.mkPen("w", width=2))
        self.start_marker = pg.ScatterPlotItem(size=11, symbol="s", pen=pg.mkPen(palette.INK,
                                               width=2), brush=pg.mkBrush("w"))
        self.now_marker = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen(palette.INK,
                                             width=2), brush=pg.mkBrush(palette.NEGATIVE))
        for part in (self.path_shadow, self.path_line, self.start_marker, self.now_marker):
            item.addItem(part)
        self.plot.setToolTip(SLICE_NOTE)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.widget().layout().replaceWidget(self._map_slot, self.plot)
        self.plot.show()  # now, not at the layout's queued show: this redraw paints it
        self._map_slot.hide()
        self._map_slot.deleteLater()
        self._map_slot = None

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()

    # ---- model -> view --------------------------------------------------------------

    def sync(self):
        """A new run: list its weights; keep the picked pair if the network is the same."""
        self.refusal.hide()  # about a range typed for the run before
        sizes = list(self.session.run.layer_sizes)
        n = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
        if sizes != self._sizes or self.pair is None:
            # w₁ and the weight from the last input to the same unit: in the tutorial's
            # data that input is the constant 1, so the pair is the neuron's slope and bias.
            second = (0, sizes[0] - 1, 0) if sizes[0] > 1 else locate(sizes, min(1, n - 1))
            self.pair = ((0, 0, 0), second)
            self._sizes = sizes
            labels = [weight_label(sizes, locate(sizes, f)) for f in range(n)]
            for combo, edge in zip((self.combo_a, self.combo_b), self.pair, strict=True):
                with QSignalBlocker(combo):
                    combo.clear()
                    combo.addItems(labels)
                    combo.setCurrentIndex(flat_index(sizes, *edge))
        self.bounds = None
        self._computed = None
        self._seconds_per_point = None
        self.redraw.schedule()

    def refresh(self):
        """Path, markers and (when the slice changed) the heat map at the cursor."""
        if self.plot is None:
            self._make_map()
        session = self.session
        run, k = session.run, session.iteration
        edge_a, edge_b = self.pair
        sizes = run.layer_sizes
        self._label_axes(sizes)  # first: the axes name the picked weights, whatever follows
        if edge_a == edge_b:
            self._show_no_plane(run, k)
            return
        ia, ib = flat_index(sizes, *edge_a), flat_index(sizes, *edge_b)
        shown = run.at(k)
        params, theta = shown.theta[:run.n_params], shown.theta
        its, path_a, path_b = descent_path(run, edge_a, edge_b, k)
        self.path = (its, path_a, path_b)
        self.bounds = self._next_bounds(path_a, path_b, params[ia], params[ib])
        side = self._side(run, min(edge_a[0], edge_b[0]))
        self.view_axes = across, up = plane_axes(self.bounds, MIN_SIDE)  # the same for any side
        if across.offset or up.offset:  # ticks that count from an offset: the titles say it
            self._label_axes(sizes, self.view_axes)
        view_a, view_b = across.to_view(path_a), up.to_view(path_b)
        for line in (self.path_shadow, self.path_line):
            line.setData(view_a, view_b)
        self.start_marker.setData(view_a[:1], view_b[:1])
        self.now_marker.setData(across.to_view(params[ia:ia + 1]), up.to_view(params[ib:ib + 1]))
        others = theta.copy()  # the other weights and the biases
        others[[ia, ib]] = 0.0
        wanted = (id(run), self.pair, self.bounds, side, others.tobytes())
        self.deferred = side is None
        if wanted != self._computed and not self.deferred:
            self._compute(run, shown, side)
            self._computed = wanted
        if not session.player.playing and self.contours.isChecked() and \
                self._contours_for != self._computed:
            self._draw_contours()
        self.drawn_iteration = k
        self._write_caption(run, k, params, ia, ib)

    def _compute(self, run, shown, side):
        self.axes = plane_axes(self.bounds, side)
        self.grid_a, self.grid_b = (axis.centres for axis in self.axes)
        start = time.perf_counter()
        self.values = slice_loss(run, shown, self.pair, self.grid_a, self.grid_b)
        self.compute_seconds = time.perf_counter() - start
        self.computations += 1
        self._seconds_per_point = self.compute_seconds / side ** 2
        # While playing, spend at most about an eighth of the time on the map.
        self.redraw.min_interval = max(1 / 30, 8 * self.compute_seconds)
        # From the least finite loss to the 99th percentile; the rest at the top.
        scale, shown, levels = colour_scale(self.values, 99)
        self.image.setImage(shown, autoLevels=False)
        (x0, width), (y0, height) = (axis.view_extent for axis in self.axes)
        self.image.setRect(QRectF(x0, y0, width, height))
        self.colorbar.setLevels(levels)
        label_colour_bar(self.colorbar, scale, "loss E", self.plot.fontMetrics())
        item = self.plot.getPlotItem()
        item.setRange(xRange=self.axes[0].view_range, yRange=self.axes[1].view_range,
                      padding=0)
        for side, axis in zip(("bottom", "left"), self.axes, strict=True):
            item.getAxis(side).setTicks(axis.ticks())  # None: pyqtgraph's own
        for curve in self.isocurves:
            curve.hide()

    def _draw_contours(self):
        lo, hi = self.colorbar.levels()
        shown = self.image.image
        for curve, level in zip(self.isocurves, np.linspace(lo, hi, CONTOUR_LEVELS + 2)[1:-1],
                                strict=True):
            curve.setData(shown, level)
            curve.show()
        self._contours_for = self._computed

    def _next_bounds(self, path_a, path_b, a, b):
        """The grid's extent: the old one while it still fits, else a new one."""
        return grid_bounds(self.bounds, self.span.value(), path_a, path_b, a, b)

    def _side(self, run, first_layer):
        """Grid points per axis that fit the time budget (all MAX_SIDE when cheap)."""
        budget = PLAY_BUDGET_S if self.session.player.playing else PAUSED_BUDGET_S
        per_point = self._seconds_per_point
        if per_point is None:  # a first guess from the work one grid point needs
            sizes = run.layer_sizes[first_layer:]
            flops = run.X.shape[0] * sum(a * b + 10 * b for a, b in zip(sizes, sizes[1:],
                                                                          strict=False))
            per_point = flops * 2e-9
        side = int(np.sqrt(budget / max(per_point, 1e-12)))
        if side < MIN_SIDE and self.session.player.playing:
            return None  # even a coarse map would stall play: keep the old one till pause
        return int(min(MAX_SIDE, max(MIN_SIDE, side)))

    def _write_caption(self, run, k, params, ia, ib):
        sizes = run.layer_sizes
        wa, wb = (weight_symbol(sizes, e) for e in self.pair)
        n_other = len(params) - 2
        if n_other == 0:
            held = "the network has no other weights"
        elif n_other == 1:
            other = next(i for i in range(len(params)) if i not in (ia, ib))
            held = (f"{weight_symbol(sizes, locate(sizes, other))} held at its iteration-{k} "
                    f"value {fmt(params[other])}")
        else:
            held = (f"the other {n_other} weights{' and the biases' * run.options.bias} "
                    f"held at their iteration-{k} values")
        if run.options.bias and n_other < 2:
            held += f"; the biases at their iteration-{k} values"
        rows = (f" E on the {len(run.train_rows)} training rows, not the held-out ones."
                if len(run.test_rows) else "")
        self.caption.setText(f"Loss E over {wa} and {wb} at iteration {k}; {held}.{rows}")
        self.status.setText(
            f"Now (●): {wa} = {fmt(params[ia])}, {wb} = {fmt(params[ib])}, "
            f"E = {fmt(run.losses[k])}"
            + ("   (the map catches up when you pause: this network is too big to redraw "
               "it while playing)" if self.deferred else ""))
        self.status.setToolTip(f"{wa} = {float(params[ia])!r}\n{wb} = {float(params[ib])!r}\n"
                               f"E = {float(run.losses[k])!r}")  # the numbers in full

    def _label_axes(self, sizes, axes=(None, None)):
        """Name each axis's weight, and the offset its ticks count from (``axes``), if any."""
        plot = self.plot.getPlotItem()
        for side, edge, axis in zip(("bottom", "left"), self.pair, axes, strict=True):
            name = weight_label(sizes, edge)
            plot.setLabel(side, axis.title(name) if axis else name, color=palette.INK.name())

    def _show_no_plane(self, run, k):
        """Both axes on one weight: no map and no path, and nothing left from before."""
        self.caption.setText("Pick two different weights." if run.n_params > 1 else
                             "This network has a single weight: there is no plane.")
        self.image.clear()
        for part in (self.path_shadow, self.path_line, self.start_marker, self.now_marker):
            part.setData([], [])
        for curve in self.isocurves:
            curve.hide()
        self.status.setText("")
        self.values = self.path = None
        self._computed = self._contours_for = None
        self.drawn_iteration = k

    # ---- view -> view --------------------------------------------------------------

    def _pair_chosen(self, _index):
        sizes = self.session.run.layer_sizes
        self.pair = (locate(sizes, self.combo_a.currentIndex()),
                     locate(sizes, self.combo_b.currentIndex()))
        self.bounds = None
        self.redraw.schedule()

    def _refuse(self, why):
        self.refusal.setText(f"Not changed: {why}")
        self.refusal.show()

    def _span_changed(self, _value):
        self.refusal.hide()
        self.bounds = None
        self.redraw.schedule()

    def _contours_toggled(self, on):
        if self.plot is not None:  # else the map's first redraw reads the box
            for curve in self.isocurves:
                curve.setVisible(on and self._contours_for == self._computed)
        self.redraw.schedule()

    def _hover(self, pos):
        """Read off E under the mouse."""
        if self.values is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(pos)
        c, r = self.axes[0].cell_at(point.x()), self.axes[1].cell_at(point.y())
        if c is not None and r is not None:
            sizes = self.session.run.layer_sizes
            wa, wb = (weight_symbol(sizes, e) for e in self.pair)
            self.status.setText(f"Under the mouse: {wa} = {fmt(self.grid_a[c])}, "
                                f"{wb} = {fmt(self.grid_b[r])}, E = {fmt(self.values[r, c])}")


def slice_loss(run, shown, pair, values_a, values_b):
    """E of ``run`` over the grid of the two weights ``pair``, the rest of the
    parameters as at iteration ``shown`` (a ``run.at(k)``): on the training rows,
    with the run's loss and reduction, without the penalty, as the run records it."""
    return loss_grid(run.X_train, run.Y_train, shown.weights, run.activations, run.loss,
                     pair[0], pair[1], values_a, values_b, shown.biases,
                     run.options.reduction)


def plane_axes(bounds, cells):
    """The two weights' axes over ``bounds`` = (a_lo, a_hi, b_lo, b_hi)."""
    a_lo, a_hi, b_lo, b_hi = bounds
    return PlaneAxis(a_lo, a_hi, cells), PlaneAxis(b_lo, b_hi, cells)

