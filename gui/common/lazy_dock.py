"""A dock whose contents are built the first time it is on screen.

Docks that start as a tab behind another are not seen in the first frame, yet
building and laying out their widgets is part of the start-up. A ``LazyDock``
exists from the start as a QDockWidget (title, objectName, toggleViewAction), so
saveState/restoreState and the View menu see it; only the widgets behind it wait.
They are built when the dock comes on screen: its tab brought to the front, the
View menu or a restored layout putting it in front (the check runs from the event
loop, after the window has tabbed its docks), or when code calls ``build()``.

Only a dock whose minimum size never decides its area's size may wait: the empty
stand-in asks for no room, so the first layout is the same only if another dock
of the area asks for more (the Prediction dock, beside the inspector and the loss
surface's controls). The Dataset and loss-surface docks instead build their
controls at once, as their sizes set the columns, and only their plots later.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

from gui.common.redraw import on_screen


class LazyDock(QDockWidget):
    """Subclasses make their widgets, session connections and first sync in
    ``_build`` and end their ``__init__`` with ``self.build_now_or_when_shown(lazy)``."""

    def __init__(self, title, parent=None):
        super().__init__(title, parent)
        self.built = False
        self.redraw = None  # a subclass that redraws sets its RedrawTimer in _build
        # A timer of its own, not QTimer.singleShot(0, self, method): a single shot
        # still pending when the window is destroyed keeps the bound method, and with
        # it the dock and the session, alive.
        self._build_soon = QTimer(self)
        self._build_soon.setSingleShot(True)
        self._build_soon.setInterval(0)
        self._build_soon.timeout.connect(self._build_if_on_screen)

    def _build(self):
        raise NotImplementedError

    def build(self):
        """Build the contents now, if they are not built yet."""
        if self.built:
            return
        self.built = True
        stand_in = self.widget()
        self._build()
        if stand_in is not None and stand_in is not self.widget():
            stand_in.removeEventFilter(self)
            stand_in.hide()
            stand_in.deleteLater()
        if self.isVisible():
            self.widget().show()  # QDockWidget.setWidget leaves a new widget hidden

    def build_now_or_when_shown(self, lazy):
        if not lazy:
            self.build()
            return
        stand_in = QWidget(self)
        stand_in.installEventFilter(self)  # its paint means the dock is on screen
        self.setWidget(stand_in)
        self.visibilityChanged.connect(self._visibility_changed)

    def showEvent(self, event):
        super().showEvent(event)
        if self.redraw is not None:
            self.redraw.shown()  # catch up on what happened while hidden

    def _visibility_changed(self, visible):
        if visible and not self.built:
            # At the window's first show every dock says it is visible before the
            # window tabs them; from the event loop the layout is final.
            self._build_soon.start()

    def _build_if_on_screen(self):
        if not self.built and on_screen(self):
            self.build()

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.built:
            self._build_soon.start()  # not inside a paint
        return False
