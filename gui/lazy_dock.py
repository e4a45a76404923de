"""A dock whose contents are built the first time it is on screen.

Several docks start as tabs behind another one, so the first frame never shows
them, yet building their widgets (tables, pyqtgraph plots) made up a good part
of the start-up time. The QDockWidget itself (title, objectName, toggleViewAction)
exists from the start, so saveState/restoreState and the View menu see every
dock; only the widget tree behind it waits.

A dock's minimum size takes part in the first layout even as a hidden tab (the
widest tab sets its column's width, and the plots' first ranges follow), so only
docks whose built minimum never decides their area's size may be lazy: today the
Prediction and Snapshots docks, not the Dataset (its buttons set the left column's
width) or Loss surface (its controls set the bottom area's minimum width) docks.

The contents are built when the dock comes on screen (its tab brought to the
front, the View menu showing it, a restored layout putting it in front), or as
soon as any code asks for something the building makes: a subclass keeps all of
that state in ``_build``, so a missing attribute builds the dock and is looked up
again. Tests and other callers can therefore use a dock as if it were built.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

from gui.redraw import on_screen


class LazyDock(QDockWidget):
    """Subclasses set the cheap identity in ``__init__`` and build the rest in
    ``_build`` (widgets, session connections, the first sync)."""

    def __init__(self, title, parent=None):
        super().__init__(title, parent)
        self._built = False
        # Stands in for what ``_build`` makes: its paint means the dock is on screen.
        self._stand_in = QWidget(self)
        self._stand_in.installEventFilter(self)
        self.setWidget(self._stand_in)
        self.visibilityChanged.connect(self._visibility_changed)

    def _build(self):
        raise NotImplementedError

    def ensure_built(self):
        """Build the contents now, if they are not built yet."""
        if self.__dict__.get("_built", True):
            return
        self._built = True
        self._build()
        self._stand_in.removeEventFilter(self)
        self._stand_in.hide()
        self._stand_in.deleteLater()

    def __getattr__(self, name):
        # Only reached when normal lookup fails: an attribute ``_build`` makes,
        # asked for before the dock was first shown.
        if name.startswith("__") or self.__dict__.get("_built", True):
            raise AttributeError(name)
        self.ensure_built()
        return object.__getattribute__(self, name)

    def _visibility_changed(self, visible):
        if visible and not self._built:
            # At the window's first show every dock says it is visible before the
            # window tabs them; once the event loop runs the layout is final.
            QTimer.singleShot(0, self, self._build_if_on_screen)

    def _build_if_on_screen(self):
        if not self._built and on_screen(self):
            self.ensure_built()

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self._built:
            # Building inside a paint is not allowed; right after it is.
            QTimer.singleShot(0, self, self.ensure_built)
        return False
