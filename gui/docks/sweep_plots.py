"""The Sweep dock's three plots: every run's loss curve, the final loss against the
learning rate, and how the final loss spreads over the runs.

Each plot is built once and refilled by ``show_steps(sweep)``, one plot per step. A
thousand curves are one item (NaN-separated, drawn as one path) with a faint pen, so
where many runs go the plot is dark and a lone run stays visible; each curve is
thinned to at most CURVE_POINTS points for drawing only. A click on the curves picks
the run whose loss at the nearest recorded iteration lies nearest the click, within
PICK_PIXELS.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui.common import palette

CURVE_POINTS = 300
PATH_POINTS = 50_000  # the whole path: built and painted in about one slice of work
HISTOGRAM_BINS = 30
PICK_PIXELS = 6  # how far (vertically) from a curve a click still picks it
LOSS_FLOOR = 1e-300  # a loss of exactly 0 still has a place on a log axis


def curve_pen(runs):
    """A pen faint enough that ``runs`` curves overlap into a density."""
    colour = QColor(palette.POSITIVE)
    colour.setAlpha(int(np.clip(4000 / max(runs, 1), 18, 220)))
    return pg.mkPen(colour, width=1)


def curves_path(recorded, losses):
    """``(x, y)``: every run's curve (a column of ``losses``) one after another, each
    followed by a NaN so the path breaks between runs; at most CURVE_POINTS points
    each, and about PATH_POINTS in all (the recorded iterations thinned evenly, the
    last one kept)."""
    points = int(np.clip(PATH_POINTS // max(losses.shape[1], 1), 20, CURVE_POINTS))
    picked = np.unique(np.linspace(0, len(recorded) - 1, min(points, len(recorded)))
                       .round().astype(int))
    runs = losses.shape[1]
    x = np.empty((runs, len(picked) + 1))
    y = np.empty_like(x)
    x[:, :-1], x[:, -1] = recorded[picked], np.nan
    y[:, :-1], y[:, -1] = losses[picked].T, np.nan
    return x.ravel(), y.ravel()


def nearest_curve(recorded, losses, x, y, reach):
    """The run (a column of ``losses``) whose loss at the recorded iteration nearest
    ``x`` is nearest ``y`` and at most ``reach`` from it, or None."""
    if not len(recorded):
        return None
    gaps = np.abs(losses[int(np.argmin(np.abs(recorded - x)))] - y)
    if not np.isfinite(gaps).any():
        return None
    i = int(np.nanargmin(gaps))
    return i if gaps[i] <= reach else None


class SweepPlots:
    """``curves``, ``rates`` and ``spread``: three PlotWidgets. ``points_clicked`` is
    called with a run's index when its curve, or its point in the rate plot, is
    clicked."""

    def __init__(self, points_clicked):
        self._points_clicked, self._sweep = points_clicked, None
        self.curves = pg.PlotWidget()
        self.curves.setLabel("bottom", "iteration")
        self.curves.setLabel("left", "loss (training rows)")
        self.curve_item = self.curves.plot([], [], connect="finite")
        self.curves.scene().sigMouseClicked.connect(self._curves_clicked)
        self.rates = pg.PlotWidget()
        self.rates.setLogMode(x=True, y=True)
        self.rates.setLabel("bottom", "learning rate")
        self.rates.setLabel("left", "final loss (a dot per run; the line: median)")
        self.median_item = self.rates.plot([], [], pen=pg.mkPen(palette.INK, width=2))
        # PlotDataItems, not bare ScatterPlotItems: only they follow the log axes
        self.points = self.rates.plot([], [], pen=None, symbol="o", symbolSize=7,
                                      symbolBrush=palette.POSITIVE, symbolPen=None)
        self.diverged_points = self.rates.plot([], [], pen=None, symbol="x", symbolSize=9,
                                               symbolBrush=palette.NEGATIVE, symbolPen=None)
        for item in (self.points, self.diverged_points):
            item.sigPointsClicked.connect(
                lambda _item, spots, _event: points_clicked(int(spots[0].data())))
        self.spread = pg.PlotWidget()
        self.spread.setLabel("bottom", "final loss (log10)")
        self.spread.setLabel("left", "runs")
        self.spread.addLegend(offset=(-10, 10))
        self.bars = None
        for plot in (self.curves, self.rates, self.spread):
            plot.setBackground(palette.BACKGROUND)
            plot.setMenuEnabled(False)
            for side in ("bottom", "left"):  # "x1e+27" on a log axis reads as nonsense
                plot.getAxis(side).enableAutoSIPrefix(False)
        # (bin edges, runs per bin, solved runs per bin) as drawn
        self.histogram = (np.zeros(0), np.zeros(0), np.zeros(0))

    def _curves_clicked(self, event):
        view = self.curves.getPlotItem().getViewBox()
        if self._sweep is None or event.button() != Qt.LeftButton \
                or not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        reach = PICK_PIXELS * view.viewPixelSize()[1]
        i = nearest_curve(self._sweep.recorded, self._sweep.curves["loss"], point.x(),
                          point.y(), reach)
        if i is not None:
            self._points_clicked(i)

    def show_steps(self, sweep):
        """Fill the plots one at a time, yielding after each: each plot's refill and
        its paint then take a turn of the event loop of their own."""
        self._sweep = sweep
        x, y = curves_path(sweep.recorded, sweep.curves["loss"])
        self.curve_item.setData(x, y, connect="finite")
        self.curve_item.setPen(curve_pen(sweep.runs))
        yield "curves"
        losses = np.maximum(sweep.final["loss"], LOSS_FLOOR)
        live = sweep.diverged_at < 0
        self._show_rates(sweep, losses, live)
        yield "rates"
        kept = live & np.isfinite(losses)
        self._show_histogram(np.log10(losses[kept]), sweep.solved()[kept])

    def _show_rates(self, sweep, losses, live):
        index = np.arange(sweep.runs)
        for item, which in ((self.points, live), (self.diverged_points, ~live)):
            item.setData(x=sweep.learning_rates[which], y=losses[which], data=index[which])
        rates = np.unique(sweep.learning_rates)
        medians = [np.median(losses[live & (sweep.learning_rates == r)])
                   if (live & (sweep.learning_rates == r)).any() else np.nan for r in rates]
        self.median_item.setData(rates, np.array(medians), connect="finite")
        self.rates.autoRange()

    def _show_histogram(self, values, solved):
        """Runs per bin of log10(final loss): solved runs (accuracy 100%) in green,
        the others stacked above them in blue."""
        for bars in self.bars or ():
            self.spread.removeItem(bars)
        self.bars = None
        if not len(values):
            self.histogram = (np.zeros(0), np.zeros(0), np.zeros(0))
            return
        low, high = float(values.min()), float(values.max())
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
        solved_counts, _ = np.histogram(values[solved], bins=edges)
        self.histogram = (edges, counts, solved_counts)
        self.bars = [
            pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=solved_counts,
                            brush=pg.mkBrush(palette.HIGHLIGHT), pen=pg.mkPen(None),
                            name="solved"),
            pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], y0=solved_counts,
                            height=counts - solved_counts, brush=pg.mkBrush(palette.POSITIVE),
                            pen=pg.mkPen(None), name="not solved")]
        for bars in self.bars:
            self.spread.addItem(bars)
        self.spread.autoRange()
