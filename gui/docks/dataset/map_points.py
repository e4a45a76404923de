"""The samples drawn on the decision map, and the legend that reads them.

Each sample is a dot in its target class's colour (two classes: blue for y = 1,
orange for y = 0; several: the map's class colours). A dark ring: the network
still gets it wrong at the shown iteration. A held-out sample is a hollow square:
its outline in its class's colour, white inside (dark inside when the network gets
it wrong); a square, because at a few pixels a hollow dot looks like a filled one
with its white outline. The
rows of the shown iteration's mini-batch get a wider reddish-purple ring around
them, which moves as the learner scrubs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.common import palette
from gui.docks.dataset.map_colours import class_colour

RING = palette.NEGATIVE_ACTIVE  # reddish purple: the mini-batch (also the table's tint)
RING_GROWTH = 8  # px the batch ring is wider than a dot


def is_multi_class(run):
    """A softmax output over several classes: the map colours each class."""
    return run.activations[-1] == "softmax" and run.Y.shape[1] > 1


def predicted_right(run, outputs):
    """Per sample, whether ``outputs`` (samples x outputs) get its class right, as
    the run's accuracy counts it (arg-max for several classes, 0.5 for one)."""
    if is_multi_class(run):
        return np.argmax(outputs, axis=1) == np.argmax(run.Y, axis=1)
    return (outputs[:, 0] > 0.5) == (run.Y[:, 0] > 0.5)


class PointStyle:
    """Brushes and pens of ``run``'s samples, made once per run."""

    def __init__(self, run):
        self.multi = is_multi_class(run)
        if self.multi:
            classes = np.argmax(run.Y, axis=1)
            colours = [class_colour(c) for c in range(run.Y.shape[1])]
        else:
            classes = (run.Y[:, 0] > 0.5).astype(int)
            colours = [palette.NEGATIVE, palette.POSITIVE]
        held = np.zeros(len(run.Y), dtype=bool)
        held[run.test_rows] = True
        self.held = held
        self.symbols = np.where(held, "s", "o").tolist()
        fills = [pg.mkBrush(c) for c in colours]
        self.fill = [fills[c] for c in classes]
        hollow = [pg.mkPen(c, width=2.5) for c in colours]
        self.hollow_pen = [hollow[c] for c in classes]
        self.white = pg.mkBrush(palette.BACKGROUND)
        self.dark = pg.mkBrush(palette.INK)
        self.right_pen = pg.mkPen("w", width=1.5)
        self.wrong_pen = pg.mkPen(palette.INK, width=2.5)
        self.ring_pen = pg.mkPen(RING, width=2.5)

    def points(self, right):
        """(brushes, pens, symbols) of the samples, ``right`` saying which the
        network gets."""
        brushes, pens = [], []
        for s, ok in enumerate(right):
            if self.held[s]:
                brushes.append(self.white if ok else self.dark)
                pens.append(self.hollow_pen[s])
            else:
                brushes.append(self.fill[s])
                pens.append(self.right_pen if ok else self.wrong_pen)
        return brushes, pens, self.symbols


def legend_text(run, output_map=True):
    """The legend under the map for ``run``; ``output_map``: the map shows the
    network's output (its 0.5 line, or each class's region), not one unit's values."""
    def dot(colour):
        return f"<span style='color:{colour.name()}'>●</span>"

    if is_multi_class(run):
        classes = ", ".join(f"{dot(class_colour(c))} class {c + 1}"
                            for c in range(run.Y.shape[1]))
        text = f"Samples by class: {classes}."
        if output_map:
            text += (" A region takes the colour of the class the network picks there, "
                     "paler where it is less sure.")
        text += " A dark ring: still wrong."
    else:
        text = (f"Training samples by target: {dot(palette.POSITIVE)} y=1, "
                f"{dot(palette.NEGATIVE)} y=0; a dark ring: still wrong.")
        if output_map:
            text += " The black line is ŷ = 0.5."
    if len(run.test_rows):
        text += " Hollow squares: held out (test), dark inside when wrong."
    if len(run.at(0).batch_rows) < len(run.train_rows):
        text += (f" <span style='color:{RING.name()}'>◯</span> ring: the shown "
                 "iteration's mini-batch.")
    return text
