"""Coalesced, frame-dropping redraws for views that are costly to refresh.

A view calls ``schedule()`` on every signal that may change what it shows. The
redraw then runs once, from the event loop, however many signals arrived, and it
reads the newest state when it runs: a view that falls behind skips to the present
instead of replaying every iteration. While the session plays, redraws are spaced
at least ``1 / max_fps`` seconds apart; a hidden view does not redraw at all and
catches up when it is shown again (the widget's ``showEvent`` calls ``shown()``).
A view whose redraw can be slow (the decision map of a wide network) also waits
``cost_share`` times the last redraw's duration, so play keeps most of the time,
and may ask to be paced while paused too (``always_paced``).

"Hidden" includes a dock tabbed behind another: Qt keeps such a dock visible and
moves it off the window, so ``isVisible()`` alone would let every tab of a dock
area redraw on every frame. Such a view catches up when it is next painted, which
happens as soon as its tab is brought to the front. The check is made again when
the timer fires, not only when it is started: at the window's first show every
dock is shown (and asks to catch up) before the window tabs them, and the docks
that end up behind a tab must not draw before the first frame.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QTimer


def on_screen(widget):
    """Visible and inside its window, so not a dock tab behind another (see above)."""
    if not widget.isVisible():
        return False
    window = widget.window()
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()).intersects(window.rect())


class RedrawTimer(QObject):
    """Runs ``callback`` for ``widget`` soon after ``schedule()``, at most ``max_fps``
    times a second while ``session`` plays (always, with ``always_paced``), waiting
    at least ``cost_share`` times the callback's last duration between runs, and
    only while ``widget`` is visible."""

    def __init__(self, widget, session, callback, max_fps=15, cost_share=0.0,
                 always_paced=False):
        super().__init__(widget)
        self.widget = widget
        self.session = session
        self.callback = callback
        self.min_interval = 1.0 / max_fps
        self.cost_share = cost_share
        self.always_paced = always_paced
        self.stale = True
        self.last_run = 0.0
        self.last_cost = 0.0  # seconds the callback took last time
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._due)
        widget.installEventFilter(self)

    def schedule(self, *_args):
        """Ask for a redraw; extra signal arguments are ignored."""
        self.stale = True
        if self.timer.isActive() or not on_screen(self.widget):
            return
        wait = 0.0
        if self.session.player.playing or self.always_paced:
            interval = max(self.min_interval, self.cost_share * self.last_cost)
            wait = max(0.0, self.last_run + interval - time.perf_counter())
        self.timer.start(int(wait * 1000))

    def run_now(self):
        self.timer.stop()
        self.stale = False
        self.last_run = time.perf_counter()
        self.callback()
        self.last_cost = time.perf_counter() - self.last_run

    def _due(self):
        if on_screen(self.widget):  # else stale: the next paint brings it back here
            self.run_now()

    def shown(self):
        """Call from the widget's showEvent: catch up on what happened while hidden."""
        if self.stale:
            self.timer.start(0)

    def eventFilter(self, obj, event):
        # A paint while stale and nothing scheduled: the view was skipped off screen
        # (a tab behind another) and is now shown; draw the present right after.
        if (event.type() == QEvent.Type.Paint and self.stale and obj is self.widget
                and not self.timer.isActive()):
            self.timer.start(0)
        return False
