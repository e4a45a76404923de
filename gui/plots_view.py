"""Accuracy, loss, outputs and weights over iterations, with a shared cursor."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui import palette


class PlotsView(QWidget):
    """Four stacked pyqtgraph plots sharing the iteration axis."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.log_x = False
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.plot_items = {}
        self.curves = {}
        self.cursors = {}
        titles = {"accuracy": "accuracy", "loss": "loss", "outputs": "output ŷ",
                  "weights": "weights"}
        for row, name in enumerate(titles):
            plot = self.graphics.addPlot(row=row, col=0)
            plot.setLabel("left", titles[name])
            if name != "accuracy":
                plot.setXLink(self.plot_items["accuracy"])
            self.plot_items[name] = plot
            self.curves[name] = plot.plot(pen=pg.mkPen(palette.categorical(0), width=1.5))
            cursor = pg.InfiniteLine(0, movable=True, pen=pg.mkPen(palette.INK, width=1))
            cursor.sigPositionChangeFinished.connect(self._on_cursor_moved)
            cursor.sigDragged.connect(self._on_cursor_moved)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors[name] = cursor
        self.plot_items["weights"].setLabel("bottom", "iteration")
        session.sigHistoryChanged.connect(self._redraw)
        session.sigRunReplaced.connect(self._redraw)
        session.sigIterationChanged.connect(self._move_cursors)
        self._redraw()
        self._move_cursors(session.iteration)

    def set_log_x(self, on):
        self.log_x = bool(on)
        for plot in self.plot_items.values():
            plot.setLogMode(x=self.log_x)
        self._redraw()
        self._move_cursors(self.session.iteration)

    def _x(self, k):
        return np.log10(np.asarray(k, float) + 1) if self.log_x else np.asarray(k, float)

    def _redraw(self):
        run = self.session.run
        x = np.arange(run.last + 1, dtype=float) + (1 if self.log_x else 0)
        self.curves["accuracy"].setData(x, np.array(run.accuracies))
        self.curves["loss"].setData(x, np.array(run.losses))
        self.curves["outputs"].setData(x, np.array(run.outputs[:, 0, 0]))
        iterations, rows = run.saved_weights()
        self.curves["weights"].setData(iterations + (1 if self.log_x else 0),
                                       np.array(rows[:, 0]))

    def _move_cursors(self, k):
        for cursor in self.cursors.values():
            with QSignalBlocker(cursor):
                cursor.setValue(float(self._x(k)))

    def _on_cursor_moved(self, cursor):
        v = cursor.value()
        k = 10 ** v - 1 if self.log_x else v
        self.session.seek(round(k))
        self._move_cursors(self.session.iteration)
