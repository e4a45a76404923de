"""Keeping a top-level window on its screen.

Qt makes a window's minimum size the minimum of its contents and grows the window
to it. A label whose text outgrows the screen (a long number, a 60-input vector)
then pushes the window's right edge past the screen's, and the docks on that side
are cut off for good. ``ScreenBound`` sets the minimum itself instead: what the
contents ask for, but never more than the screen has.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QApplication, QLayout

FRAME_ROOM = QSize(16, 48)  # a title bar and borders, until the window knows its own


def screen_room(window):
    """The most ``window`` may take: its screen's available area less its frame."""
    screen = window.screen() or QApplication.primaryScreen()
    frame = window.frameGeometry().size() - window.geometry().size()
    if frame.isEmpty():  # not shown yet, or no frame: leave room for a usual one
        frame = FRAME_ROOM
    return screen.availableGeometry().size() - frame


class ScreenBound(QObject):
    """Bounds ``window``'s minimum size by its screen, now and whenever its layout
    changes (call ``apply()`` after showing it, when the frame is known)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        window.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        window.installEventFilter(self)

    def apply(self):
        wanted = self.window.layout().totalMinimumSize()
        self.window.setMinimumSize(wanted.boundedTo(screen_room(self.window)))

    def eventFilter(self, obj, event):
        if obj is self.window and event.type() == QEvent.Type.LayoutRequest:
            self.apply()  # the contents' minimum may have changed
        return False
