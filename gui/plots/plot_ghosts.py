"""Faint curves of earlier runs on the accuracy and loss plots, to compare runs.

When the run is replaced (new η, architecture, seed, dataset...), the old run's
accuracy and loss are kept, downsampled to about 2000 points, and drawn faintly
behind the new ones, labelled with what was different: "η = 1" next to
"this run: η = 0.5". At most MAX_GHOSTS are kept; the oldest goes first.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gui.common import palette
from gui.plots.downsample import minmax_downsample

MAX_GHOSTS = 5
GHOST_BUCKETS = 1000  # min and max of each: about 2000 points per curve
GHOST_ALPHA = 120


SETTINGS = ("dataset", "layers", "activations", "loss", "learning_rate", "seed")


def differences(config, other):
    """[(setting, text)] for each setting of ``config`` that differs from ``other``,
    e.g. [("learning_rate", "η = 1"), ("seed", "seed 2")], in the order of SETTINGS."""
    parts = []
    if config.dataset_name != other.dataset_name or not (
            np.array_equal(config.X, other.X) and np.array_equal(config.Y, other.Y)):
        parts.append(("dataset", f"dataset {config.dataset_name}"))
    if list(config.layer_sizes) != list(other.layer_sizes):
        parts.append(("layers", "layers " + "-".join(str(n) for n in config.layer_sizes)))
    if (config.activations or None) != (other.activations or None):
        parts.append(("activations",
                      "activations " + "/".join(config.activations or ["sigmoid"])))
    if config.loss != other.loss:
        parts.append(("loss", f"loss {config.loss}"))
    if config.learning_rate != other.learning_rate:
        parts.append(("learning_rate", f"η = {config.learning_rate:g}"))
    if config.seed != other.seed:
        parts.append(("seed", f"seed {config.seed}"))
    return parts


def describe(config, other):
    """The settings of ``config`` that differ from ``other``, e.g. "η = 1, seed 2"."""
    return ", ".join(text for _, text in differences(config, other))


class Ghosts:
    """Earlier runs' curves on two plots; ``to_view`` maps iterations to x."""

    def __init__(self, accuracy_plot, loss_plot, to_view):
        self.plots = (accuracy_plot, loss_plot)
        self.to_view = to_view
        self.entries = []  # dicts: run (weakref), config, label, color, x, y, curves
        self.live_label = "this run"

    def add(self, run, config, new_config):
        """Keep ``run`` (set up by ``config``) as a ghost now that ``new_config`` runs."""
        if run.newest == 0:
            return  # nothing was trained: no curve worth keeping
        x, accuracy = minmax_downsample(run.accuracies, GHOST_BUCKETS)
        x_loss, loss = minmax_downsample(run.losses, GHOST_BUCKETS)
        color = palette.categorical(1 + self._next_color())
        color.setAlpha(GHOST_ALPHA)
        pen = pg.mkPen(color, width=2)
        curves = []
        for plot in self.plots:
            curve = pg.PlotDataItem(pen=pen)
            curve.setZValue(1)
            # A ghost changes only with the axis ranges: kept as a pixmap, a seek's
            # strips copy it instead of stroking its 2000 points again (with four
            # ghosts, 7.5 ms of painting per seek down to 2.9).
            curve.curve.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            plot.addItem(curve)
            curves.append(curve)
        self.entries.append({"run": weakref.ref(run), "config": config, "color": color,
                             "x": (x, x_loss), "y": (accuracy, loss), "curves": curves})
        while len(self.entries) > MAX_GHOSTS:
            self._remove(self.entries[0])
        self.redraw()
        self.relabel(new_config)

    def relabel(self, current):
        """Label every ghost by how its settings differ from ``current`` (the live
        run's), and the live run by its values of all those settings: each label
        then reads against the curve the learner is watching now."""
        shown = {}
        for entry in self.entries:
            entry["label"] = describe(entry["config"], current) or "earlier run, same settings"
            for setting, text in differences(current, entry["config"]):
                shown[setting] = text
        now = ", ".join(shown[s] for s in SETTINGS if s in shown)
        self.live_label = f"this run: {now}" if now else "this run"

    def _next_color(self):
        used = {e["color"].name() for e in self.entries}
        for i in range(MAX_GHOSTS + 1):
            if palette.categorical(1 + i).name() not in used:
                return i
        return 0

    def forget(self, run):
        """Drop the ghost of ``run`` (it is live again, e.g. a snapshot jumped back)."""
        for entry in list(self.entries):
            if entry["run"]() is run:
                self._remove(entry)

    def _remove(self, entry):
        for plot, curve in zip(self.plots, entry["curves"], strict=True):
            plot.removeItem(curve)
        self.entries.remove(entry)

    def clear(self):
        for entry in list(self.entries):
            self._remove(entry)
        self.live_label = "this run"

    def redraw(self):
        """Set every ghost's data again (after the x mapping changed)."""
        for entry in self.entries:
            for curve, x, y in zip(entry["curves"], entry["x"], entry["y"], strict=True):
                curve.setData(self.to_view(x), y)

    def labels(self):
        """Ghost labels, oldest first."""
        return [entry["label"] for entry in self.entries]

    def key(self):
        """(colour, label) of each ghost, newest first, for the plots' keys; the
        colour is made as faint on white as the curve is."""
        return [(palette.mix(palette.BACKGROUND, entry["color"], GHOST_ALPHA / 255),
                 entry["label"]) for entry in reversed(self.entries)]
