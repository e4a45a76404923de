"""Axis ranges of the plots, held with headroom instead of pyqtgraph's auto-range.

pyqtgraph's auto-range scans every curve's data on each paint, and any change of
a range makes the axes regenerate their ticks: together a large share of a plot
redraw while the history grows (docs/performance.md). Here the plots view hands over the extent
of what it draws (it knows it from the min/max pyramids) and the ranges move only
when the data leaves them: the iteration axis grows in "nice" steps (1, 1.25, 1.5,
2, ... x 10^k) with room beyond the newest iteration, and each y axis keeps a
padded range until the data leaves it or shrinks to well under half of it.

The iteration axis follows the run shown, never the faint curves of earlier
runs: they are drawn over the shown run's span, whatever their length.

Following stops when the learner (or code) pans or zooms, as with pyqtgraph's
own auto-range; the plot's "A" button (gui/plots/plot_panel.py; or anything enabling
pyqtgraph's auto-range) makes the plot follow the data again.

Any finite data gets a finite range: values beyond +-MAX_SHOWN (pyqtgraph keeps a
view within +-1e307, and a span of +-1e308 overflows to inf) are shown at the edge.
"""

from __future__ import annotations

import math

import numpy as np

from gui.plots.iteration_axis import MIN_ITERATIONS

NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
X_ROOM = 1.05  # the newest iteration never sits on the right edge
Y_PAD = 0.08  # of the data's span, above and below
Y_SHRINK = 0.5  # refit when the data spans less than this share of the range
X_SHRINK = 0.5  # likewise for the history, e.g. after it was cut short
MAX_SHOWN = 1e306  # the largest magnitude a y range reaches (see above)


def shown_bounds(low, high):
    """[low, high] clipped to +-MAX_SHOWN, so a range padded around it stays finite."""
    return (min(max(low, -MAX_SHOWN), MAX_SHOWN), min(max(high, -MAX_SHOWN), MAX_SHOWN))


class Spans:
    """The [low, high] of the values each plot shows, widened by the points of each
    line (finite values only, as the plots get them)."""

    def __init__(self):
        self.of = {}  # plot name -> (low, high)

    def widen(self, plot, y):
        if len(y):
            low, high = self.of.get(plot, (math.inf, -math.inf))
            self.of[plot] = (min(low, float(np.min(y))), max(high, float(np.max(y))))


def nice_ceil(value):
    """The smallest 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at least ``value`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in NICE if m * power >= value * (1 - 1e-12))


def _differs(a, b):
    scale = max(abs(b[1] - b[0]), 1e-12)
    return abs(a[0] - b[0]) > 1e-6 * scale or abs(a[1] - b[1]) > 1e-6 * scale


class HeldRanges:
    """The x range of the linked plots (set on ``x_plot``) and each plot's y range.

    ``plots``: name -> PlotPanel (gui/plots/plot_panel.py); ``fixed_y``: names whose y
    range is set once by the caller (accuracy is always 0..100%)."""

    def __init__(self, plots, x_plot, fixed_y=()):
        self.plots, self.x_plot = plots, x_plot
        self.fixed_y = set(fixed_y)
        self.reset()

    def reset(self):
        """Follow the data again on every axis (a new run, a new x mapping)."""
        self.follow_x = True
        self.follow_y = {name: name not in self.fixed_y for name in self.plots}
        self._x_end = None  # iteration at the right edge while following
        self._set_x = None  # the x range as last set here
        self._set_y = {}
        for plot in self.plots.values():
            plot.vb.disableAutoRange()

    def follows(self, name):
        """Whether plot ``name`` follows the data on both axes (no pan or zoom since)."""
        return self.follow_x and (name in self.fixed_y or self.follow_y[name])

    def take_user_changes(self):
        """Note pans, zooms and requests to auto-range made since the last fit; True
        if an axis was asked to follow the data again (so it must be fitted now)."""
        wants_x = asked = False
        for name, plot in self.plots.items():
            auto_x, auto_y = plot.vb.autoRangeEnabled()
            if auto_x or auto_y:
                wants_x = wants_x or bool(auto_x)
                if auto_y and name not in self.fixed_y:
                    asked = True
                    self.follow_y[name] = True
                    self._set_y.pop(name, None)
                plot.vb.disableAutoRange()
        asked = asked or wants_x
        if wants_x:
            self.follow_x, self._x_end, self._set_x = True, None, None
        elif self.follow_x and self._set_x is not None and _differs(
                self.plots[self.x_plot].vb.viewRange()[0], self._set_x):
            self.follow_x = False
        for name, held in self._set_y.items():
            if self.follow_y[name] and _differs(self.plots[name].vb.viewRange()[1], held):
                self.follow_y[name] = False
        return asked

    def fit_x(self, extent, axis):
        """While following, show iterations 0..``extent`` (the shown run's newest) with
        room to grow, on ``axis`` (an IterationAxis)."""
        if not self.follow_x:
            return
        target = nice_ceil(max(extent * X_ROOM, MIN_ITERATIONS, 1.0))
        if self._x_end is not None and extent <= self._x_end and target > X_SHRINK * self._x_end:
            return
        self._x_end = target
        vb = self.plots[self.x_plot].vb
        vb.setXRange(axis.left, float(axis.to_view(target)), padding=0)
        self._set_x = tuple(vb.viewRange()[0])

    def fit_y(self, spans):
        """Keep each plot's [low, high] (``spans``: a Spans) in view while it follows;
        a plot with no finite value in the whole history shows 0..1, not the range of
        an earlier run."""
        for name in self.plots:
            if name in spans.of:
                self._fit_y(name, *spans.of[name])
            elif self.follow_x:
                self._fit_y(name, 0.0, 1.0)

    def _fit_y(self, name, low, high):
        if not self.follow_y.get(name) or not (math.isfinite(low) and math.isfinite(high)):
            return
        low, high = shown_bounds(low, high)
        span = max(high - low, 1e-3 * max(abs(low), abs(high)), 1e-9)
        held = self._set_y.get(name)
        if held is not None and held[0] <= low and high <= held[1] and (
                span >= Y_SHRINK * (held[1] - held[0]) / (1 + 2 * Y_PAD)):
            return
        vb = self.plots[name].vb
        vb.setYRange(low - Y_PAD * span, high + Y_PAD * span, padding=0)
        self._set_y[name] = tuple(vb.viewRange()[1])
