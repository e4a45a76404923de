"""Faint curves of earlier runs on the accuracy and loss plots, to compare runs.

When the run is replaced (new η, architecture, seed, dataset...), the old run's
accuracy and loss are kept and drawn faintly behind the new ones, labelled with
what was different: "η = 1" next to "this run: η = 0.5". Where labels would read
the same (two earlier runs with the same settings, or two datasets of one name),
every run is numbered in the order it was shown: "run 1: dataset xor.csv" next to
"this run (run 2): dataset xor.csv". At most MAX_GHOSTS are kept; the oldest goes
first.

A ghost never sets the plots' ranges: it is drawn over the iterations the shown
run's axis spans, clipped to them, however long it ran. So it is kept at a
resolution that halves as the iteration doubles (``ladder_downsample``): a short
new run next to a long old one still sees the old one's start in detail.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gui.common import palette
from gui.plots.downsample import ladder_downsample, minmax_downsample
from gui.plots.pg_compat import curve_item

MAX_GHOSTS = 5
GHOST_BUCKETS = 1000  # min and max of each: about 2000 points per curve in view
GHOST_ALPHA = 120
BAND = 1e4  # view heights beyond the view where far values are drawn (as plot_curves)

SETTINGS = ("dataset", "layers", "activations", "loss", "learning_rate", "seed")
NAME_CHARS = 24  # a longer dataset name is shortened in the middle, to leave room


def short_name(name):
    """``name``, or its start and end around "…" if it is over NAME_CHARS long."""
    if len(name) <= NAME_CHARS:
        return name
    half = (NAME_CHARS - 1) // 2
    return name[:half] + "…" + name[-(NAME_CHARS - 1 - half):]


def number_text(value):
    """``value`` as short as ``:g`` makes it, unless that would read the same for
    another value (``:g`` keeps 6 digits): then every digit it needs."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


def activations_of(config):
    """The activation of every layer, or None for sigmoid throughout (the default,
    which a run read from a file spells out)."""
    activations = list(config.activations or [])
    return None if all(a == "sigmoid" for a in activations) else activations


def differences(config, other):
    """[(setting, text)] for each setting of ``config`` that differs from ``other``,
    e.g. [("learning_rate", "η = 1"), ("seed", "seed 2")], in the order of SETTINGS."""
    parts = []
    if not (np.array_equal(config.X, other.X) and np.array_equal(config.Y, other.Y)):
        parts.append(("dataset", f"dataset {short_name(config.dataset_name)}"))
    if list(config.layer_sizes) != list(other.layer_sizes):
        parts.append(("layers", "layers " + "-".join(str(n) for n in config.layer_sizes)))
    if activations_of(config) != activations_of(other):
        parts.append(("activations",
                      "activations " + "/".join(activations_of(config) or ["sigmoid"])))
    if config.loss != other.loss:
        parts.append(("loss", f"loss {config.loss}"))
    if config.learning_rate != other.learning_rate:
        parts.append(("learning_rate", f"η = {number_text(config.learning_rate)}"))
    if config.seed != other.seed:
        parts.append(("seed", f"seed {config.seed}"))
    return parts


@dataclass(eq=False)
class Ghost:
    """One earlier run as drawn: its curves on the accuracy and loss plots."""
    run: weakref.ref
    config: object
    number: int  # its place in the order the runs were shown, from 1
    color: object
    x: tuple  # iterations of the points kept, per plot
    y: tuple  # their values, per plot
    curves: list
    label: str = ""
    shown: dict = field(default_factory=dict)  # plot index -> (span, x, y) as clipped
    drawn: dict = field(default_factory=dict)  # plot index -> what its curve was given


class Ghosts:
    """Earlier runs' curves on two plots; ``axis`` (an IterationAxis) maps iterations
    to x. ``entries``: the Ghosts, oldest first."""

    def __init__(self, accuracy_plot, loss_plot, axis):
        self.plots = (accuracy_plot, loss_plot)
        self.axis = axis
        self.entries = []
        self.live_number = 1  # the shown run's place in the order of runs
        self._runs_shown = 1
        self.live_label = "this run"

    def replaced(self, old_run, old_config, run, config):
        """The shown run went from ``old_run`` (set up by ``old_config``) to ``run``:
        keep the old one as a ghost, and give ``run`` back its curve if it had one."""
        if old_run is None or old_run is run:
            self.relabel(config)
            return
        number = self.live_number
        self.live_number = None
        for entry in list(self.entries):
            if entry.run() is run:  # it is live again, e.g. a snapshot jumped back
                self.live_number = entry.number
                self._remove(entry)
        if self.live_number is None:
            self._runs_shown += 1
            self.live_number = self._runs_shown
        if old_run.newest > 0:  # else nothing worth keeping
            self._add(old_run, old_config, number)
        self.relabel(config)

    def _add(self, run, config, number):
        x, accuracy = ladder_downsample(run.accuracies, GHOST_BUCKETS)
        x_loss, loss = ladder_downsample(run.losses, GHOST_BUCKETS)
        color = palette.categorical(1 + self._next_color())
        color.setAlpha(GHOST_ALPHA)
        pen = pg.mkPen(color, width=2)
        curves = []
        for plot in self.plots:
            curve = pg.PlotDataItem(pen=pen)
            curve.setZValue(1)
            # A ghost changes only with the axis ranges: kept as a pixmap, a seek's
            # strips copy it instead of stroking its points again.
            curve_item(curve).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            plot.addItem(curve, ignoreBounds=True)  # pyqtgraph's auto-range too
            curves.append(curve)
        self.entries.append(Ghost(weakref.ref(run), config, number, color, (x, x_loss),
                                  (accuracy, loss), curves))
        while len(self.entries) > MAX_GHOSTS:
            self._remove(self.entries[0])

    def relabel(self, current):
        """Label every ghost by how its settings differ from ``current`` (the live
        run's), and the live run by its values of all those settings: each label
        then reads against the curve the learner is watching now. Labels that would
        read the same are numbered (see the module's docstring)."""
        shown, clash = {}, False
        for entry in self.entries:
            mine = differences(entry.config, current)
            theirs = dict(differences(current, entry.config))
            entry.label = ", ".join(text for _, text in mine)
            clash = clash or any(theirs[setting] == text for setting, text in mine)
            shown.update(theirs)
        labels = [entry.label for entry in self.entries]
        clash = clash or len(set(labels)) < len(labels)
        for entry in self.entries:
            if clash:
                entry.label = (f"run {entry.number}: {entry.label}" if entry.label
                               else f"run {entry.number}, same settings")
            else:
                entry.label = entry.label or "earlier run, same settings"
        now = ", ".join(shown[s] for s in SETTINGS if s in shown)
        live = f"this run (run {self.live_number})" if clash else "this run"
        self.live_label = f"{live}: {now}" if now else live

    def _next_color(self):
        used = {e.color.name() for e in self.entries}
        for i in range(MAX_GHOSTS + 1):
            if palette.categorical(1 + i).name() not in used:
                return i
        return 0

    def _remove(self, entry):
        for plot, curve in zip(self.plots, entry.curves, strict=True):
            plot.removeItem(curve)
        self.entries.remove(entry)

    def clear(self):
        for entry in list(self.entries):
            self._remove(entry)
        self.live_label = "this run"

    def clip(self, first, stop):
        """Keep of each ghost the points of iterations [first, stop) (the span the
        axis shows), and one beyond each end so its line runs to the plot's edge.
        Returns [(plot index, values in the span)], for the plots' y ranges."""
        in_span = []
        for entry in self.entries:
            for i, (x, y) in enumerate(zip(entry.x, entry.y, strict=True)):
                lo = int(np.searchsorted(x, first, "left"))
                hi = int(np.searchsorted(x, stop, "left"))
                in_span.append((i, y[lo:hi]))
                if entry.shown.get(i, (None,))[0] == (first, stop):
                    continue
                x, y = x[max(lo - 1, 0):hi + 1], y[max(lo - 1, 0):hi + 1]
                if len(x) > 2 * GHOST_BUCKETS + 2:  # a long span of a long run
                    at, y = minmax_downsample(y, GHOST_BUCKETS)
                    x = x[at]
                entry.shown[i] = ((first, stop), x, y)
        return in_span

    def draw(self):
        """Give each ghost's curves what ``clip`` kept, at the current x mapping;
        values far outside a plot's view are drawn at a finite distance from it."""
        for entry in self.entries:
            for i, (plot, curve) in enumerate(zip(self.plots, entry.curves, strict=True)):
                span, x, y = entry.shown.get(i, (None, entry.x[i][:0], entry.y[i][:0]))
                _, (y0, y1) = plot.vb.viewRange()
                drawn = (self.axis.log, span, y0, y1)
                if entry.drawn.get(i) != drawn:
                    entry.drawn[i] = drawn
                    y = np.clip(y, y0 - BAND * (y1 - y0), y1 + BAND * (y1 - y0))
                    curve.setData(self.axis.to_view(x), y)

    def labels(self):
        """Ghost labels, oldest first."""
        return [entry.label for entry in self.entries]

    def key(self):
        """(colour, label) of each ghost, newest first, for the plots' keys; the
        colour is made as faint on white as the curve is."""
        return [(palette.mix(palette.BACKGROUND, entry.color, GHOST_ALPHA / 255),
                 entry.label) for entry in reversed(self.entries)]
