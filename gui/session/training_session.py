"""``TrainingSession``: the run the window shows and how it moves, in four parts.

Views never train or move the cursor themselves: they call a method of a part and
redraw when that part's signal says so. The parts, as napari's ViewerModel holds
its dims, cursor and camera:

- ``cursor`` (:class:`Cursor`): the run, its config and the shown iteration; seek,
  step, training at the end, edits of the learning rate and weights.
- ``player`` (:class:`Player`): Play at a pace, max-pace training slices and
  "Run to", on timers read from an injectable clock.
- ``selection`` (:class:`Selection`): the sample, the selected weight, a typed input.
- ``snapshots`` (:class:`SnapshotList`): the Snapshots list and its comparison.
- ``micro`` (:class:`MicroSteps`): the phase of the shown iteration (Shift+arrows).

The session itself does what needs several parts at once (a new run, Reset, a jump
to a snapshot) and gathers their status-bar messages in ``sigMessage``.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from .cursor import Cursor, RunConfig
from .micro_steps import MicroSteps
from .player import Player
from .selection import Selection
from .snapshots import SnapshotList


class TrainingSession(QObject):
    """The cursor, player, selection and snapshot list of one window.

    ``run`` and ``iteration`` are the cursor's, the state nearly every view reads.
    ``clock``: what the player reads for the time (a test passes a fake one).
    Signal: sigMessage(str) for the status bar, from any part or view.
    """

    sigMessage = Signal(str)

    def __init__(self, config=None, parent=None, clock=time.perf_counter):
        super().__init__(parent)
        self.cursor = Cursor(config or RunConfig(), self)
        self.player = Player(self.cursor, clock, self)
        self.selection = Selection(self.cursor, self)
        self.snapshots = SnapshotList(self.cursor, self)
        self.micro = MicroSteps(self.cursor, self)
        self.player.micro_step = self.micro.forward  # Play in micro-steps walks them
        for part in (self.cursor, self.player, self.snapshots):
            part.sigMessage.connect(self.sigMessage)

    @property
    def run(self):
        return self.cursor.run

    @property
    def iteration(self):
        return self.cursor.iteration

    def new_run(self, **changes):
        """Start a new run at iteration 0 with some settings changed (see RunConfig)."""
        config = RunConfig(**{**self.cursor.config.__dict__, **changes})
        run = config.make_run()  # raises ValueError before anything changes
        self._replace(run, 0, config)

    def set_run(self, run, iteration, dataset_name="file"):
        """Adopt a run made elsewhere (a loaded snapshot), showing ``iteration``."""
        self._replace(run, iteration, RunConfig.of(run, dataset_name))

    def _replace(self, run, iteration, config):
        self.player.pause()
        self.player.cancel_run_to()
        selection, snapshots = self.selection, self.snapshots
        had_compare, had_edge = snapshots.compare is not None, selection.edge is not None
        had_probe = selection.probe is not None
        selection.fit(run)
        snapshots.compare = None
        self.cursor.replace(run, iteration, config)
        # Announce what the new run dropped, so that no view keeps showing it.
        if had_compare:
            snapshots.sigCompareChanged.emit()
        if had_edge:
            selection.sigEdgeSelected.emit(None)
        if had_probe and selection.probe is None:
            selection.sigProbeChanged.emit(None)

    def reset(self):
        """Back to iteration 0 (the history is kept)."""
        self.player.pause()
        self.cursor.seek(0)

    def jump_to_snapshot(self, entry, run=None):
        """Show ``entry``; ``run`` is ``snapshots.snapshot_run(entry)`` if the caller
        already replayed it (in slices), else it is made here."""
        run = run or self.snapshots.snapshot_run(entry)
        if run is not self.run:
            self.set_run(run, entry.iteration, entry.dataset_name)
        else:
            self.player.pause()
            self.cursor.seek(entry.iteration)

    def shutdown(self):
        """Stop the timers for good (the window is closing)."""
        self.player.shutdown()
