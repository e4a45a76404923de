"""Help > Quick tour: an overlay that dims the window but one area, with a card that
says what the area is for, and Back, Next and Close.

The window passes the steps as ``(title, text, area)`` where ``area()`` returns the
widget to light up (None or a hidden one: the card alone, in the middle). The
overlay is a child of the window, so it moves and resizes with it; Esc closes it,
the arrow keys go back and forth.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.common import palette

DIM = QColor(0, 0, 0, 140)
CARD_CHARACTERS = 48
TOUR_KEYS = (Qt.Key_Escape, Qt.Key_Left, Qt.Key_Right, Qt.Key_Return, Qt.Key_Enter)
MARGIN = 8  # between the lit area's edge and its outline


class QuickTour(QWidget):
    """The tour over ``window``; ``step`` is the index of the step shown."""

    sigClosed = Signal()

    def __init__(self, window, steps):
        super().__init__(window)
        self.window_ = window
        self.steps = list(steps)
        self.step = 0
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.StrongFocus)
        self.card = QFrame(self)
        self.card.setFrameShape(QFrame.StyledPanel)
        self.card.setAutoFillBackground(True)
        # About 48 characters a line, in whatever size the text is (zoom, presentation).
        self.card.setFixedWidth(self.fontMetrics().averageCharWidth() * CARD_CHARACTERS)
        self.title = QLabel(self.card)
        self.title.setStyleSheet("font-weight: bold; font-size: 120%;")
        self.text = QLabel(self.card)
        self.text.setWordWrap(True)
        self.counter = QLabel(self.card)
        self.back_button = QPushButton("Back", self.card)
        self.next_button = QPushButton("Next", self.card)
        self.close_button = QPushButton("Close", self.card)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter)
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self.card)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        window.installEventFilter(self)  # follow the window's size

    def start(self):
        self.setGeometry(self.window_.rect())
        self.show()
        self.raise_()
        self.setFocus()
        self.show_step(0)
        return self

    def show_step(self, index):
        self.step = max(0, min(index, len(self.steps) - 1))
        title, text, _area = self.steps[self.step]
        self.title.setText(title)
        self.text.setText(text)
        self.counter.setText(f"{self.step + 1} of {len(self.steps)}")
        self.back_button.setEnabled(self.step > 0)
        last = self.step == len(self.steps) - 1
        self.next_button.setText("Done" if last else "Next")
        self._place_card()
        self.update()

    def next(self):
        if self.step == len(self.steps) - 1:
            self.close()
        else:
            self.show_step(self.step + 1)

    def back(self):
        self.show_step(self.step - 1)

    def lit_rect(self):
        """The lit area in the overlay's coordinates, or an empty QRect."""
        area = self.steps[self.step][2]()
        if area is None or not area.isVisible():
            return QRect()
        top_left = area.mapTo(self.window_, area.rect().topLeft())
        return QRect(top_left, area.size()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN
                                                     ).intersected(self.rect())

    def _place_card(self):
        # A wrapped label's height depends on its width, which adjustSize ignores.
        self.card.setFixedHeight(self.card.layout().totalHeightForWidth(self.card.width()))
        lit, card = self.lit_rect(), self.card.size()
        room = self.rect()
        if lit.isEmpty():
            x, y = (room.width() - card.width()) // 2, (room.height() - card.height()) // 2
        else:
            # Beside the lit area where there is room: below, above, right, left, or inside.
            x = min(max(lit.left(), 0), room.width() - card.width())
            if lit.bottom() + card.height() + MARGIN < room.height():
                y = lit.bottom() + MARGIN
            elif lit.top() - card.height() - MARGIN > 0:
                y = lit.top() - card.height() - MARGIN
            else:
                y = lit.top() + MARGIN
                if lit.right() + card.width() + MARGIN < room.width():
                    x = lit.right() + MARGIN
                elif lit.left() - card.width() - MARGIN > 0:
                    x = lit.left() - card.width() - MARGIN
        self.card.move(max(0, x), max(0, y))

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        lit = self.lit_rect()
        path = QPainterPath()
        path.addRect(self.rect())
        if not lit.isEmpty():
            hole = QPainterPath()
            hole.addRoundedRect(lit, 6, 6)
            path = path.subtracted(hole)
        painter.fillPath(path, DIM)
        if not lit.isEmpty():
            painter.setPen(QPen(palette.HIGHLIGHT, 4))
            painter.drawRoundedRect(lit, 6, 6)

    def event(self, event):
        # The window's Step and Step back own the arrow keys as shortcuts: while the
        # tour has the focus, they move the tour instead.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in TOUR_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        key = event.key()
        if key == Qt.Key_Escape:
            self.close()
        elif key in (Qt.Key_Right, Qt.Key_Return, Qt.Key_Enter):
            self.next()
        elif key == Qt.Key_Left:
            self.back()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event):
        event.accept()  # the window under the overlay waits until the tour is closed

    def eventFilter(self, obj, event):
        if obj is self.window_ and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.window_.rect())
            self._place_card()
        return False

    def closeEvent(self, event):
        self.window_.removeEventFilter(self)
        self.sigClosed.emit()
        super().closeEvent(event)
