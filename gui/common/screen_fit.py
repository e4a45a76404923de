"""Keeping a top-level window on its screen.

Qt makes a window's minimum size the minimum of its contents and grows the window
to it. A label whose text outgrows the screen (a long number, a 60-input vector)
then pushes the window's right edge past the screen's, and the docks on that side
are cut off for good. ``bound_minimum_size`` sets the minimum instead: what the
contents ask for, but never more than the screen has.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QApplication, QLayout

FRAME_ROOM = QSize(16, 48)  # a title bar and borders, until the window knows its own


def screen_room(window):
    """The most ``window`` may take: its screen's available area less its frame."""
    screen = window.screen() or QApplication.primaryScreen()
    frame = window.frameGeometry().size() - window.geometry().size()
    if frame.isEmpty():  # not shown yet, or no frame: leave room for a usual one
        frame = FRAME_ROOM
    return screen.availableGeometry().size() - frame


def leave_minimum_to_us(window):
    """Stop Qt from setting ``window``'s minimum size (and growing it to it): call
    ``bound_minimum_size`` instead, after it is shown (when its frame is known) and on
    every LayoutRequest it gets (from its ``event``: an event filter would be called
    while the window is being destroyed)."""
    window.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)


def bound_minimum_size(window, event=None):
    """The contents' minimum, bounded by the screen, as ``window``'s minimum size; with
    an ``event``, only when it is a LayoutRequest (the contents' minimum may differ)."""
    if event is None or event.type() == QEvent.Type.LayoutRequest:
        wanted = window.layout().totalMinimumSize()
        window.setMinimumSize(wanted.boundedTo(screen_room(window)))
