"""Accuracy, loss, outputs and weights over iterations, with a shared cursor.

Four pyqtgraph plots share the iteration axis (gui/plots/iteration_axis.py:
linear, or log with iteration k at k + 1). Each curve is created once
(gui/plots/run_curves.py, by ``CurveKey``) and fed only what its pixels can show:
``MinMaxPyramid`` keeps min/max summaries of every series up to date as history
grows, and a redraw asks it for about two points per pixel of the visible span
(plus a coarse outline of the rest, so auto-range still sees the whole history),
then drops the points a straight line passes within DRAW_TOLERANCE px of. Redraws
are coalesced into at most one per frame, so a redraw costs the same at 10^3 or
10^6 iterations. Each plot's lines are one item (gui/plots/plot_curves.py); a seek
moves only the cursors (gui/plots/cursors.py), and repaints only the strips they
leave and enter. The ranges follow the run shown (gui/plots/plot_ranges.py); the
faint curves of earlier runs (gui/plots/plot_ghosts.py) are drawn over its span.
"""

from __future__ import annotations

import functools

import pyqtgraph as pg
from PySide6.QtCore import Signal
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
from gui.common.redraw import RedrawTimer
from gui.plots.cursors import Cursors
from gui.plots.iteration_axis import IterationAxis
from gui.plots.pg_compat import LazyMenuViewBox, drop_export_menu, text_item
from gui.plots.plot_curves import CurveLayer, draw_simplified
from gui.plots.plot_ghosts import Ghosts
from gui.plots.plot_keys import PlotKeys
from gui.plots.plot_panel import PlotPanel
from gui.plots.plot_ranges import HeldRanges, Spans
from gui.plots.plot_series import view_points
from gui.plots.run_curves import RunCurves

KEY_POINTS = 8
DRAW_TOLERANCE = 0.05  # px: no drawn line is further than this from a point it passes
TITLES = {"accuracy": "accuracy", "loss": "loss E", "outputs": "output ŷ",
          "weights": "weights w"}


class PlotsView(QWidget):
    """Four stacked plots sharing the iteration axis, each with a movable cursor.

    ``sigLogXChanged(bool)`` says when the log-x option changed here (from a plot's
    context menu), so a window's own "log x" action can follow. ``curves``:
    CurveKey -> Curve; ``cursors``: plot name -> its cursor line; ``keys``: plot
    name -> the labels of its key.
    """

    sigLogXChanged = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.axis = IterationAxis()
        self.plot_items = {}
        self.layers = {}  # plot name -> the CurveLayer drawing its lines
        self._run = None
        self._config = None
        self._dirty_from = 0  # first iteration whose values may have changed
        self._drawn_key = None
        # While playing, the plots redraw at most 10 times a second: a redraw of the
        # four plots costs about as much as a whole frame of everything else, and
        # the curves move by a pixel or so between frames; the diagram and the
        # counters keep the full frame rate.
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=10)
        self.cursor_lines = Cursors(session, self.axis)
        self.cursors = self.cursor_lines.lines
        self._create_widgets()
        self._create_plots()
        self.plot_keys = PlotKeys(self.plot_items, self.graphics.width, KEY_POINTS)
        self.keys = self.plot_keys.labels  # plot name -> labels in its key, in full
        self.lines = RunCurves(self.plot_items, self.layers, self.plot_keys)
        self.curves = self.lines.curves
        self.ghosts = Ghosts(self.plot_items["accuracy"], self.plot_items["loss"], self.axis)
        session.cursor.sigRunReplaced.connect(self._on_run_replaced)
        session.cursor.sigHistoryChanged.connect(self._on_history_changed)
        session.cursor.sigIterationChanged.connect(self._on_iteration_changed)
        session.selection.sigSampleChanged.connect(self.lines.emphasise)
        self._on_run_replaced()

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()  # catch up on what happened while hidden

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.plot_keys.render_all()  # fitted to the new width

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
        drop_export_menu(self.graphics.scene())
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
        axis_pen, text_pen = pg.mkPen(palette.FAINT_INK), pg.mkPen(palette.INK)
        for row, name in enumerate(TITLES):
            plot = PlotPanel(LazyMenuViewBox(self._add_menu_actions), axis_pen, text_pen)
            self.graphics.addItem(plot, row=row, col=0)
            # No grid: pyqtgraph draws one with alpha per tick, which made these plots
            # much costlier to paint; the cursor and the axes carry the reading.
            plot.setLabel("left", TITLES[name])
            for side in ("left", "bottom"):
                # An axis draws its ticks 5 px into the plot, and the strip a moving
                # cursor repaints reaches 2 px past the plot into the axis and the
                # key above: copy them from pixmaps instead of laying out and
                # drawing their text again.
                plot.getAxis(side).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
                text_item(plot.getAxis(side)).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            text_item(plot.titleLabel).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            plot.getAxis("left").setWidth(54)  # aligned plots read as one time axis
            plot.vb.setLimits(xMin=-1e9)
            if self.plot_items:
                plot.vb.setXLink(self.plot_items["accuracy"].vb)
            plot.vb.sigXRangeChanged.connect(self.redraw.schedule)
            plot.vb.sigStateChanged.connect(self.redraw.schedule)  # e.g. auto-range asked for
            layer = CurveLayer()
            layer.setZValue(10)  # above the faint curves of earlier runs
            plot.addItem(layer)
            self.layers[name] = layer
            self.cursor_lines.add(name, plot)
            self.plot_items[name] = plot
        for plot in self.plot_items.values():
            plot.vb.setLimits(**self.axis.limits())
        accuracy = self.plot_items["accuracy"]
        accuracy.vb.setYRange(0, 1, padding=0.06)
        accuracy.vb.setMouseEnabled(y=False)
        self.ranges = HeldRanges(self.plot_items, "accuracy", fixed_y=("accuracy",))
        for name, plot in self.plot_items.items():  # its "A" button shows when it does not
            plot.follows = functools.partial(self.ranges.follows, name)
        self.plot_items["weights"].setLabel("bottom", self.axis.label)
        accuracy.getAxis("left").setTicks([[(0, "0%"), (0.5, "50%"), (1, "100%")]])

    def _add_menu_actions(self, menu):
        """Our entries in a plot's right-click menu, added when the menu is built."""
        menu.addSeparator()
        log_action = QAction("Log iteration axis", menu, checkable=True)
        log_action.setChecked(self.axis.log)
        log_action.toggled.connect(self.set_log_x)
        # No lambda capturing self here: the menu is owned by Python, not by a Qt
        # parent, so such a closure makes a cycle gc cannot see through and the
        # whole view (and the session) outlives its window.
        self.sigLogXChanged.connect(log_action.setChecked)
        menu.addAction(log_action)
        clear = QAction("Clear earlier runs", menu)
        clear.triggered.connect(self.clear_ghosts)
        menu.addAction(clear)

    # ---- the run -------------------------------------------------------------------------

    def _on_run_replaced(self):
        run, config = self.session.run, self.session.cursor.config
        self.ghosts.replaced(self._run, self._config, run, config)
        self._run, self._config = run, config
        self.lines.rebuild(run, self.session.selection.sample)
        self._show_ghost_keys()
        self._dirty_from = 0
        self._drawn_key = None
        self.cursor_lines.set_bounds(run.newest)
        self.cursor_lines.move(self.session.iteration)
        self.ranges.reset()
        self.refresh()

    def _show_ghost_keys(self):
        """The accuracy and loss plots' keys: this run's lines (training, test,
        penalty) and the faint curves of earlier runs."""
        entries = self.ghosts.key()
        self.ghost_bar.setVisible(bool(entries))
        for name in ("accuracy", "loss"):
            live = self.ghosts.live_label if entries else "training"
            own = self.lines.key_entries(name, live)
            note = self.lines.notes.get(name, "")
            if entries:
                self.plot_keys.set(name, (own or [(palette.categorical(0), live)]) + entries,
                                   note)
            else:
                self.plot_keys.set(name, own, note)

    # ---- redrawing -----------------------------------------------------------------------

    def _on_history_changed(self):
        # Slots run right after the change, so run.newest is where a cut-short
        # history now ends: everything from there on may differ.
        self._dirty_from = min(self._dirty_from, self.session.run.newest)
        if not self.session.player.playing:  # while playing, refresh() moves the cursors
            self.cursor_lines.set_bounds(self.session.run.newest)
        self.redraw.schedule()

    def _on_iteration_changed(self, k):
        # While playing, the cursors move with the curves, at most max_fps times a
        # second: moving them on every tick repainted all four plots on every tick.
        if self.session.player.playing:
            self.redraw.schedule()
        else:
            self.cursor_lines.move(k)

    def visible_iterations(self):
        """(first, stop) iterations of the visible x span, clipped to the history.
        While x follows the data, the whole history is (or is about to be) visible."""
        n = self.session.run.newest + 1
        if self.ranges.follow_x:
            return 0, n
        return self.axis.span(self.plot_items["accuracy"].vb.viewRange()[0], n)

    def refresh(self):
        """Bring every curve up to date now (normally done at most once per frame)."""
        run = self.session.run
        if self.ranges.take_user_changes():
            self._drawn_key = None  # fit the axes asked to follow again
        for plot in self.plot_items.values():  # a pan or zoom may have stopped following
            plot.update_button()
        self.cursor_lines.set_bounds(run.newest)
        self.cursor_lines.move(self.session.iteration)
        first, stop = self.visible_iterations()
        key = (id(run), run.newest, self._dirty_from, first, stop, self.axis.log,
               self._view_state())
        if key == self._drawn_key:
            return
        pixels = max(100, int(self.plot_items["accuracy"].vb.width()))
        spans = Spans()
        points = {}
        for series in self.lines.series:
            series.pyramid.update(series.values(run, self._dirty_from),
                                  self._dirty_from // series.stride)
            for curve, (x, y) in zip(series.keys, view_points(series, first, stop, pixels,
                                                              self.axis.log), strict=True):
                x = x * series.stride
                points[curve] = (self.axis.to_view(x), y)
                spans.widen(curve.plot, y if self.ranges.follow_x else
                            y[(x >= first) & (x < stop)])
        self._dirty_from = run.newest + 1
        self._fit_ranges(spans)
        # At the scale now shown, most of those points lie on straight stretches.
        draw_simplified(self.curves, points, DRAW_TOLERANCE)
        self._drawn_key = key[:2] + (self._dirty_from,) + key[3:6] + (self._view_state(),)

    def _fit_ranges(self, spans):
        """Move the axes, if the data left them (see gui/plots/plot_ranges.py): the
        x axis follows the run shown; the faint curves of earlier runs are clipped
        to it, and they and the dashed targets are kept in view on the y axes."""
        self.ranges.fit_x(self.session.run.newest, self.axis)
        first, stop = self.axis.span(self.plot_items["accuracy"].vb.viewRange()[0],
                                     float("inf"))
        for plot, y in self.ghosts.clip(first, stop):
            spans.widen(("accuracy", "loss")[plot], y)
        spans.widen("outputs", self.lines.targets)
        self.ranges.fit_y(spans)
        self.ghosts.draw()

    def _view_state(self):
        """What the pixels of each plot show: its x and y ranges and its size."""
        return tuple((tuple(map(tuple, plot.vb.viewRange())), plot.vb.width(), plot.vb.height())
                     for plot in self.plot_items.values())

    # ---- options -------------------------------------------------------------------------

    def set_log_x(self, on):
        """Plot iterations on a log scale (iteration k at k + 1)."""
        on = bool(on)
        if on == self.axis.log:
            return
        self.axis.log = on
        self.sigLogXChanged.emit(on)
        # Move the range into the new mapping first: a log axis asked to show a
        # linear range like [0, 10^6] would compute 10**(10^6).
        last = self.session.run.newest
        self.plot_items["accuracy"].vb.setXRange(float(self.axis.to_view(0)),
                                                 float(self.axis.to_view(max(last, 1))))
        for plot in self.plot_items.values():
            plot.getAxis("bottom").setLogMode(on)
        for plot in self.plot_items.values():
            plot.vb.setLimits(**self.axis.limits())
        self.ranges.reset()
        self.plot_items["weights"].setLabel("bottom", self.axis.label)
        self._on_history_changed()
        self.cursor_lines.move(self.session.iteration)
        self._drawn_key = None
        self.refresh()

    def clear_ghosts(self):
        """Remove the curves kept from earlier runs (and the room they took)."""
        self.ghosts.clear()
        self._show_ghost_keys()
        self._drawn_key = None
        self.redraw.schedule()
