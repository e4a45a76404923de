"""The iteration cursor: one movable line on each plot, all at the session's
iteration. Dragging any of them moves the session there; the session's move then
brings them all along, snapped to a whole iteration."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker

from gui.common import palette
from gui.plots.pg_compat import Cursor


class Cursors:
    """The cursor lines of the plots, by plot name (``lines``), positioned on
    ``axis`` (an IterationAxis); a drag seeks ``session``."""

    def __init__(self, session, axis):
        self.session, self.axis = session, axis
        self.lines = {}  # plot name -> Cursor

    def add(self, name, plot):
        """A cursor on ``plot`` (a PlotPanel), above everything else on it."""
        cursor = Cursor(movable=True, pen=pg.mkPen(palette.INK, width=1.5),
                        hoverPen=pg.mkPen(palette.HIGHLIGHT, width=3))
        cursor.setZValue(100)
        cursor.sigDragged.connect(self._on_moved)
        cursor.sigPositionChangeFinished.connect(self._on_moved)
        plot.addItem(cursor, ignoreBounds=True)
        self.lines[name] = cursor

    def move(self, k):
        """Put every cursor at iteration ``k``, without telling the session."""
        x = float(self.axis.to_view(k))
        for cursor in self.lines.values():
            with QSignalBlocker(cursor):
                cursor.setValue(x)

    def set_bounds(self, newest):
        """Let the cursors move over iterations 0..``newest``."""
        bounds = (float(self.axis.to_view(0)), float(self.axis.to_view(newest)))
        for cursor in self.lines.values():
            cursor.setBounds(bounds)

    def _on_moved(self, cursor):
        self.session.cursor.seek(round(self.axis.from_view(cursor.value())))
        self.move(self.session.iteration)  # snap to a whole iteration
