"""A softmax output read as class probabilities: each class's ŷ as a percentage
with a bar, the picked class (the largest ŷ, as accuracy counts it) marked.

Part of the Prediction dock, which shows one for the selected sample and one for
a typed input.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from gui.common import palette

BAR_SIZE = QSize(90, 12)


class ProbabilityBar(QWidget):
    """A horizontal bar filled to ``share`` (0..1) in ``colour``."""

    def __init__(self, colour):
        super().__init__()
        self.colour = colour
        self.share = 0.0
        self.setFixedSize(BAR_SIZE)

    def set_share(self, share):
        self.share = float(share) if np.isfinite(share) else 0.0
        self.update()

    def paintEvent(self, _event):
        painter = QPainter(self)
        frame = QRectF(0.5, 0.5, self.width() - 1, self.height() - 1)
        painter.setPen(palette.ZERO)
        painter.setBrush(palette.BACKGROUND)
        painter.drawRect(frame)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawRect(QRectF(1, 1, (self.width() - 2) * min(max(self.share, 0.0), 1.0),
                                self.height() - 2))
        painter.end()


def percent_text(p):
    return f"{100 * p:.1f}%" if np.isfinite(p) else "not a number"


class ClassProbabilities(QWidget):
    """ŷ of one input over ``n`` classes. After ``show_output``, ``values`` holds
    the ŷ shown and ``picked`` the marked class (0-based)."""

    def __init__(self):
        super().__init__()
        self.values = None
        self.picked = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(2)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.rows = []  # (name, bar, percentage, mark) per class

    def set_classes(self, n):
        for widgets in self.rows:
            for widget in widgets:
                self.grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = []
        for c in range(n):
            colour = palette.categorical(c)
            name = QLabel(f"class {c + 1}")
            name.setStyleSheet(f"color: {colour.name()};")
            bar = ProbabilityBar(colour)
            percent = QLabel()
            percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            percent.setMinimumWidth(percent.fontMetrics().horizontalAdvance("100.0%") + 4)
            mark = QLabel()
            for column, widget in enumerate((name, bar, percent, mark)):
                self.grid.addWidget(widget, c, column)
            self.rows.append((name, bar, percent, mark))
        self.values = self.picked = None

    def show_output(self, title, yhat):
        """Show ``yhat`` (one softmax output row) under ``title``."""
        self.title.setText(title)
        self.values = np.asarray(yhat, dtype=float)
        self.picked = int(np.argmax(self.values))
        for c, (name, bar, percent, mark) in enumerate(self.rows):
            chosen = c == self.picked
            bar.set_share(self.values[c])
            percent.setText(percent_text(self.values[c]))
            percent.setToolTip(f"ŷ{c + 1} = {float(self.values[c])!r}")
            mark.setText("◀ picked" if chosen else "")
            for label in (name, percent, mark):
                font = QFont(label.font())
                font.setBold(chosen)
                label.setFont(font)

    def percent_texts(self):
        """The percentages as shown, class by class."""
        return [percent.text() for _name, _bar, percent, _mark in self.rows]
