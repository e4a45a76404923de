"""A scroll area that scrolls only when its body cannot shrink to fit."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QScrollArea


class FittedScroll(QScrollArea):
    """``body`` takes the viewport's width, and its height down to the body's minimum
    at that width; only below that does it scroll.

    A resizable QScrollArea gives a body with word-wrapped text its preferred height
    at the viewport's width, so it scrolls as soon as that is taller than the
    viewport, although the body's layout could shrink its table to fit."""

    def __init__(self, body):
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(False)
        self.setWidget(body)
        body.installEventFilter(self)

    def eventFilter(self, watched, event):
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.fit()
        return False

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()

    def fit(self):
        body = self.widget()
        layout = body.layout()
        for _ in range(2):  # a scroll bar that comes or goes changes the viewport's width
            width, height = self.viewport().width(), self.viewport().height()
            least = (layout.totalMinimumHeightForWidth(width) if layout.hasHeightForWidth()
                     else layout.totalMinimumSize().height())
            size = (width, max(height, least))
            if (body.width(), body.height()) != size:
                body.resize(*size)
