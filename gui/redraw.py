"""Coalesced, frame-dropping redraws for views that are costly to refresh.

A view calls ``schedule()`` on every signal that may change what it shows. The
redraw then runs once, from the event loop, however many signals arrived, and it
reads the newest state when it runs: a view that falls behind skips to the present
instead of replaying every iteration. While the session plays, redraws are spaced
at least ``1 / max_fps`` seconds apart; a hidden view does not redraw at all and
catches up when it is shown again (the widget's ``showEvent`` calls ``shown()``).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class RedrawTimer(QObject):
    """Runs ``callback`` for ``widget`` soon after ``schedule()``, at most ``max_fps``
    times a second while ``session`` plays, and only while ``widget`` is visible."""

    def __init__(self, widget, session, callback, max_fps=15):
        super().__init__(widget)
        self.widget = widget
        self.session = session
        self.callback = callback
        self.min_interval = 1.0 / max_fps
        self.stale = True
        self.last_run = 0.0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.run_now)

    def schedule(self, *_args):
        """Ask for a redraw; extra signal arguments are ignored."""
        self.stale = True
        if not self.widget.isVisible() or self.timer.isActive():
            return
        wait = 0.0
        if self.session.playing:
            wait = max(0.0, self.last_run + self.min_interval - time.perf_counter())
        self.timer.start(int(wait * 1000))

    def run_now(self):
        self.timer.stop()
        self.stale = False
        self.last_run = time.perf_counter()
        self.callback()

    def shown(self):
        """Call from the widget's showEvent: catch up on what happened while hidden."""
        if self.stale:
            self.timer.start(0)
