"""Accuracy, loss, outputs and weights over iterations, with a shared cursor.

Four pyqtgraph plots share the iteration axis. Each curve is created once and
fed only what its pixels can show: ``MinMaxPyramid`` keeps min/max summaries of
every series up to date as history grows, and a redraw asks it for about two
points per pixel of the visible span (plus a coarse outline of the rest, so
auto-range still sees the whole history), then drops the points a straight line
passes within DRAW_TOLERANCE px of. Redraws are coalesced into at most one per
frame, so a redraw costs the same at 10^3 or 10^6 iterations. Each plot's lines
are one item (gui/plots/plot_curves.py); a seek moves only the cursors, and repaints
only the strips they leave and enter.

Log x: iteration k is drawn at k + 1, so iteration 0 sits at 1 (the axis says
"iteration + 1"). The transform is done here, not by pyqtgraph, so cursors,
downsampling and ghosts all use the same mapping (``to_view``/``from_view``).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.names import edge_name, vector_text
from gui.common.redraw import RedrawTimer
from gui.plots.lazy_menu import LazyMenuViewBox
from gui.plots.plot_curves import Cursor, CurveLayer, draw_simplified
from gui.plots.plot_ghosts import Ghosts
from gui.plots.plot_panel import PlotPanel
from gui.plots.plot_ranges import HeldRanges
from gui.plots.plot_series import LayerNorms, PlotKeys, Series, view_points
from nncore import Run

MAX_WEIGHT_LINES = 32  # above this, one line per layer: the norm of its weights
MAX_OUTPUT_SAMPLES = 8  # above this, only the first samples' outputs are drawn
MAX_KEY_ENTRIES = 8  # a longer key would hide the plot; colours then speak alone
KEY_POINTS = 8
DRAW_TOLERANCE = 0.05  # px: no drawn line is further than this from a point it passes


class PlotsView(QWidget):
    """Four stacked plots sharing the iteration axis, each with a movable cursor.

    ``sigLogXChanged(bool)`` says when the log-x option changed here (from a plot's
    context menu), so a window's own "log x" action can follow.
    """

    sigLogXChanged = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.log_x = False
        self.series = []  # Series: curves "accuracy", "loss", "output i,j", "w ..."
        self.curves = {}  # name -> Curve (gui/plots/plot_curves.py), the same names
        self.cursors = {}
        self.plot_items = {}
        self.layers = {}  # plot name -> the CurveLayer drawing its lines
        self._targets = []  # y of the dashed target lines on the outputs plot
        self._run = None
        self._config = None
        self._dirty_from = 0  # first iteration whose values may have changed
        self._drawn_key = None
        # While playing, the plots redraw at most 10 times a second: a redraw of the
        # four plots costs about as much as a whole frame of everything else, and
        # the curves move by a pixel or so between frames; the diagram and the
        # counters keep the full frame rate.
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=10)
        self._create_widgets()
        self._create_plots()
        self.key = PlotKeys(self.plot_items, self.graphics.width, KEY_POINTS)
        self.keys = self.key.labels  # plot name -> labels in its key, as shown
        self.ghosts = Ghosts(self.plot_items["accuracy"], self.plot_items["loss"], self.to_view)
        session.sigRunReplaced.connect(self._on_run_replaced)
        session.sigHistoryChanged.connect(self._on_history_changed)
        session.sigIterationChanged.connect(self._on_iteration_changed)
        session.sigSampleChanged.connect(self._emphasise_sample)
        self._on_run_replaced()

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()  # catch up on what happened while hidden

    # ---- building ------------------------------------------------------------------------

    def _create_widgets(self):
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(palette.BACKGROUND)
        # The background is one colour: filling the repainted strips of a seek costs
        # less than copying them from a cached pixmap of the whole view.
        self.graphics.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        # No "Export..." in the right-click menu: pyqtgraph's export dialog knows whole
        # plots only as PlotItems, which these are not. File > Export has the plots
        # (PNG, SVG) and every recorded value (CSV).
        self.graphics.scene().contextMenu = []
        # Shown only while earlier runs are drawn, to say what the faint curves are.
        self.ghost_bar = QWidget()
        self.ghost_note = QLabel("Faint curves: earlier runs.")
        self.ghost_note.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        self.clear_button = QPushButton("Clear earlier runs")
        self.clear_button.setToolTip("Remove the faint curves of earlier runs.")
        self.clear_button.clicked.connect(self.clear_ghosts)
        header = QHBoxLayout(self.ghost_bar)
        header.setContentsMargins(6, 2, 6, 0)
        header.addWidget(self.ghost_note)
        header.addStretch(1)
        header.addWidget(self.clear_button)
        self.ghost_bar.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.ghost_bar)
        layout.addWidget(self.graphics)

    def _create_plots(self):
        titles = {"accuracy": "accuracy", "loss": "loss E", "outputs": "output ŷ",
                  "weights": "weights w"}
        axis_pen, text_pen = pg.mkPen(palette.FAINT_INK), pg.mkPen(palette.INK)
        for row, name in enumerate(titles):
            plot = PlotPanel(LazyMenuViewBox(self._add_menu_actions), axis_pen, text_pen)
            self.graphics.addItem(plot, row=row, col=0)
            # No grid: pyqtgraph draws one with alpha per tick, which tripled the cost
            # of painting these plots; the cursor and the axes carry the reading.
            plot.setLabel("left", titles[name])
            for side in ("left", "bottom"):
                # An axis draws its ticks 5 px into the plot, and the strip a moving
                # cursor repaints reaches 2 px past the plot into the axis and the
                # key above: copy them from pixmaps instead of laying out and
                # drawing their text again.
                plot.getAxis(side).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
                plot.getAxis(side).label.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            plot.titleLabel.item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            plot.getAxis("left").setWidth(54)  # aligned plots read as one time axis
            plot.vb.setLimits(xMin=-1e9)
            if self.plot_items:
                plot.vb.setXLink(self.plot_items["accuracy"].vb)
            plot.vb.sigXRangeChanged.connect(self._schedule)
            plot.vb.sigStateChanged.connect(self._schedule)  # e.g. auto-range asked for
            layer = CurveLayer()
            layer.setZValue(10)  # above the faint curves of earlier runs
            plot.addItem(layer)
            self.layers[name] = layer
            cursor = Cursor(movable=True, pen=pg.mkPen(palette.INK, width=1.5),
                            hoverPen=pg.mkPen(palette.HIGHLIGHT, width=3))
            cursor.setZValue(100)
            cursor.sigDragged.connect(self._on_cursor_moved)
            cursor.sigPositionChangeFinished.connect(self._on_cursor_moved)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors[name] = cursor
            self.plot_items[name] = plot
        accuracy = self.plot_items["accuracy"]
        self._set_x_limits()
        accuracy.vb.setYRange(0, 1, padding=0.06)
        accuracy.vb.setMouseEnabled(y=False)
        self.ranges = HeldRanges(self.plot_items, "accuracy", fixed_y=("accuracy",))
        for name, plot in self.plot_items.items():  # its "A" button shows when it does not
            plot.follows = functools.partial(self.ranges.follows, name)
        self.plot_items["weights"].setLabel("bottom", "iteration")
        for name in ("accuracy", "loss"):
            self._add_curve(name, name, palette.categorical(0), width=2.5)
        self.plot_items["accuracy"].getAxis("left").setTicks(
            [[(0, "0%"), (0.5, "50%"), (1, "100%")]])

    def _add_menu_actions(self, menu):
        """Our entries in a plot's right-click menu, added when the menu is built."""
        menu.addSeparator()
        log_action = QAction("Log iteration axis", menu, checkable=True)
        log_action.setChecked(self.log_x)
        log_action.toggled.connect(self.set_log_x)
        # No lambda capturing self here: the menu is owned by Python, not by a Qt
        # parent, so such a closure makes a cycle gc cannot see through and the
        # whole view (and the session) outlives its window.
        self.sigLogXChanged.connect(log_action.setChecked)
        menu.addAction(log_action)
        clear = QAction("Clear earlier runs", menu)
        clear.triggered.connect(self.clear_ghosts)
        menu.addAction(clear)

    def _add_curve(self, name, plot, color, width=1.5, tip=""):
        """A line named ``name`` on plot ``plot``; ``tip`` names it on hover, for when
        there are too many lines for the key."""
        curve = self.layers[plot].add(pg.mkPen(color, width=width), tip)
        self.curves[name] = curve
        return curve

    def _remove_curves(self, names):
        for name in names:
            curve = self.curves.pop(name)
            curve.layer.remove(curve)

    def set_key(self, name, entries, note=""):
        """Show a key above plot ``name`` (see PlotKeys)."""
        self.key.set(name, entries, note)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.key.render_all()  # wrapped to the new width

    # ---- the run -------------------------------------------------------------------------

    def _on_run_replaced(self):
        run, config = self.session.run, self.session.config
        if self._run is not None and self._run is not run:
            self.ghosts.add(self._run, self._config, config)
        self.ghosts.forget(run)
        self.ghosts.relabel(config)
        self._run, self._config = run, config
        self._show_ghost_keys()
        self._rebuild_series(run)
        self._dirty_from = 0
        self._drawn_key = None
        self._set_cursor_bounds()
        self._move_cursors(self.session.iteration)
        self.ranges.reset()
        self.refresh()

    def _set_x_limits(self):
        """Keep the shared x axis at iteration 0 and at least 10 iterations (one
        decade on a log axis) wide, so a fresh run shows 0..10, not -0.5..0.5."""
        for plot in self.plot_items.values():
            if self.log_x:
                plot.vb.setLimits(xMin=-0.05, minXRange=1.0)
            else:
                plot.vb.setLimits(xMin=-0.5, minXRange=10.0)

    def _show_ghost_keys(self):
        entries = self.ghosts.key()
        self.ghost_bar.setVisible(bool(entries))
        for name in ("accuracy", "loss"):
            if entries:
                self.set_key(name, [(palette.categorical(0), self.ghosts.live_label)]
                             + entries)
            else:
                self.set_key(name, [])

    def _rebuild_series(self, run):
        old = [n for n in self.curves if n not in ("accuracy", "loss")]
        self._remove_curves(old)
        self.series = [Series(["accuracy"], lambda r: r.accuracies),
                       Series(["loss"], lambda r: r.losses)]
        self._build_output_series(run)
        self._build_weight_series(run)
        self._emphasise_sample(self.session.sample)

    def _build_output_series(self, run):
        n_samples, n_out = run.Y.shape
        shown = min(n_samples, MAX_OUTPUT_SAMPLES)
        key, targets, names = [], [], []
        for s in range(shown):
            for o in range(n_out):
                color = palette.categorical(s * n_out + o)
                name = f"output {s},{o}"
                label = "x = " + vector_text(run.X[s]) + (f" ŷ{o + 1}" if n_out > 1 else "")
                self._add_curve(name, "outputs", color, tip=f"output for {label}")
                key.append((color, label))
                names.append(name)
                pen = pg.mkPen(color, width=1.2)
                pen.setStyle(Qt.DashLine)
                targets.append((float(run.Y[s, o]), pen))
        # Column s * n_out + o of the outputs, as rows, is output o of sample s.
        self.series.append(Series(names, lambda r: r.outputs.reshape(len(r.outputs), -1)
                                  [:, :len(names)]))
        self.layers["outputs"].set_hlines(targets)
        self._targets = [y for y, _ in targets]
        if len(key) > MAX_KEY_ENTRIES:
            key = []
        key.append((palette.FAINT_INK, "target y", True))
        note = f"first {shown} of {n_samples} samples" if shown < n_samples else ""
        self.set_key("outputs", key, note)

    def _build_weight_series(self, run):
        sizes = run.layer_sizes
        if run.n_params <= MAX_WEIGHT_LINES:
            edges = [(layer, i, j) for layer in range(len(sizes) - 1)
                     for i in range(sizes[layer]) for j in range(sizes[layer + 1])]
            labels = [edge_name(sizes, e) for e in edges]
            values = Run.saved_rows
            self.plot_items["weights"].setLabel("left", "weights w")
            note = "" if len(labels) <= MAX_KEY_ENTRIES else f"all {len(labels)} weights"
        else:
            labels = [f"‖W{layer + 1}‖" for layer in range(len(sizes) - 1)]
            norms = LayerNorms()

            def values(r):
                return norms.update(r, r.saved_rows(), self._dirty_from)
            self.plot_items["weights"].setLabel("left", "‖W‖ per layer")
            note = "root sum of squares of each layer's weights"
        key = []
        for c, label in enumerate(labels):
            self._add_curve(f"w {label}", "weights", palette.categorical(c), tip=label)
            key.append((palette.categorical(c), label))
        self.series.append(Series([f"w {label}" for label in labels], values, run.stride))
        self.set_key("weights", key if len(key) <= MAX_KEY_ENTRIES else [], note)

    def _emphasise_sample(self, index):
        """The selected sample's output line is drawn thicker."""
        n_out = self.session.run.Y.shape[1]
        for name, curve in self.curves.items():
            if name.startswith("output "):
                s, o = (int(v) for v in name[7:].split(","))
                pen = pg.mkPen(palette.categorical(s * n_out + o),
                               width=3 if s == index else 1.5)
                curve.setPen(pen)

    # ---- redrawing -----------------------------------------------------------------------

    def _on_history_changed(self):
        # Slots run right after the change, so run.newest is where a cut-short
        # history now ends: everything from there on may differ.
        self._dirty_from = min(self._dirty_from, self.session.run.newest)
        if not self.session.playing:  # while playing, refresh() moves the cursors
            self._set_cursor_bounds()
        self._schedule()

    def _set_cursor_bounds(self):
        last = self.session.run.newest
        for cursor in self.cursors.values():
            cursor.setBounds((float(self.to_view(0)), float(self.to_view(last))))

    def _schedule(self, *args):
        self.redraw.schedule()

    def to_view(self, k):
        """x position of iteration ``k`` (array or number) on the plots."""
        if self.log_x:
            return np.log10(np.asarray(k, dtype=float) + 1)
        return np.asarray(k, dtype=float)

    def from_view(self, x):
        """Iteration at x position ``x`` (not rounded)."""
        if self.log_x:
            return 10.0 ** min(float(x), 15.0) - 1
        return float(x)

    def visible_iterations(self):
        """(first, stop) iterations of the visible x span, clipped to the history.
        While x follows the data, the whole history is (or is about to be) visible."""
        vb = self.plot_items["accuracy"].vb
        n = self.session.run.newest + 1
        if self.ranges.follow_x:
            return 0, n
        x0, x1 = vb.viewRange()[0]
        first = int(min(max(math.floor(self.from_view(x0)), 0), n))
        stop = int(min(max(math.ceil(self.from_view(x1)) + 1, first), n))
        return first, stop

    def refresh(self):
        """Bring every curve up to date now (normally done at most once per frame)."""
        run = self.session.run
        if self.ranges.take_user_changes():
            self._drawn_key = None  # fit the axes asked to follow again
        for plot in self.plot_items.values():  # a pan or zoom may have stopped following
            plot.update_button()
        self._set_cursor_bounds()
        self._move_cursors(self.session.iteration)
        first, stop = self.visible_iterations()
        key = (id(run), run.newest, self._dirty_from, first, stop, self.log_x, self._view_state())
        if key == self._drawn_key:
            return
        pixels = max(100, int(self.plot_items["accuracy"].vb.width()))
        changed = self._dirty_from
        spans = {}  # plot name -> [low, high] of what it shows
        points = {}
        for series in self.series:
            series.pyramid.update(series.values(run), changed // series.stride)
            for name, (x, y) in zip(series.names, view_points(series, first, stop, pixels,
                                                              self.log_x), strict=True):
                points[name] = (self.to_view(x * series.stride), y)
                self._widen(spans, name, x * series.stride, y, first, stop)
        self._dirty_from = run.newest + 1
        self._fit_ranges(spans, first, stop)
        # At the scale now shown, most of those points lie on straight stretches.
        draw_simplified(self.curves, points, DRAW_TOLERANCE)
        self._drawn_key = key[:2] + (self._dirty_from,) + key[3:5] + (self.log_x,
                                                                     self._view_state())

    def _view_state(self):
        """What the pixels of each plot show: its x and y ranges and its size."""
        return tuple((tuple(map(tuple, plot.vb.viewRange())), plot.vb.width(), plot.vb.height())
                     for plot in self.plot_items.values())

    def _widen(self, spans, name, x, y, first, stop):
        """Widen plot ``name``'s [low, high] by the points of iterations [first, stop)."""
        plot = ("outputs" if name.startswith("output ") else "weights" if name.startswith("w ")
                else name)
        if not self.ranges.follow_x:
            y = y[(x >= first) & (x < stop)]
        if len(y):
            low, high = spans.get(plot, (math.inf, -math.inf))
            spans[plot] = [min(low, float(y.min())), max(high, float(y.max()))]

    def _fit_ranges(self, spans, first, stop):
        """Move the axes, if the data left them (see gui/plots/plot_ranges.py). The faint
        curves of earlier runs and the dashed targets are kept in view too."""
        extent = self.session.run.newest
        for entry in self.ghosts.entries:
            x, y = entry["x"][1], entry["y"][1]
            extent = max(extent, int(x[-1]))
            self._widen(spans, "loss", x, y, first, stop)
        for target in self._targets:
            self._widen(spans, "output ", np.zeros(1), np.array([target]), 0, 1)
        self.ranges.fit_x(extent, self.to_view, 10, -0.05 if self.log_x else -0.5)
        for plot, (low, high) in spans.items():
            self.ranges.fit_y(plot, low, high)

    # ---- the cursor ----------------------------------------------------------------------

    def _on_iteration_changed(self, k):
        # While playing, the cursors move with the curves, at most max_fps times a
        # second: moving them on every tick repainted all four plots on every tick.
        if self.session.playing:
            self._schedule()
        else:
            self._move_cursors(k)

    def _move_cursors(self, k):
        for cursor in self.cursors.values():
            with QSignalBlocker(cursor):
                cursor.setValue(float(self.to_view(k)))

    def _on_cursor_moved(self, cursor):
        self.session.seek(round(self.from_view(cursor.value())))
        self._move_cursors(self.session.iteration)  # snap to a whole iteration

    # ---- options -------------------------------------------------------------------------

    def set_log_x(self, on):
        """Plot iterations on a log scale (iteration k at k + 1)."""
        on = bool(on)
        if on == self.log_x:
            return
        self.log_x = on
        self.sigLogXChanged.emit(on)
        # Move the range into the new mapping first: a log axis asked to show a
        # linear range like [0, 10^6] would compute 10**(10^6).
        last = self.session.run.newest
        self.plot_items["accuracy"].vb.setXRange(float(self.to_view(0)),
                                                 float(self.to_view(max(last, 1))))
        for plot in self.plot_items.values():
            plot.getAxis("bottom").setLogMode(on)
        self._set_x_limits()
        self.ranges.reset()
        self.plot_items["weights"].setLabel(
            "bottom", "iteration + 1 (log scale)" if on else "iteration")
        self.ghosts.redraw()
        self._on_history_changed()
        self._move_cursors(self.session.iteration)
        self._drawn_key = None
        self.refresh()

    def clear_ghosts(self):
        """Remove the curves kept from earlier runs."""
        self.ghosts.clear()
        self._show_ghost_keys()
