"""The Snapshots list: iterations the learner asked to remember, and a comparison."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from nncore import Run
from nncore.iteration import unflatten_biases
from nncore.replay import finish


@dataclass
class SnapshotEntry:
    """One "Take snapshot" entry: a run and an iteration in it, with its figures."""
    run: Run
    iteration: int
    params: np.ndarray
    loss: float
    accuracy: float
    dataset_name: str
    changes: tuple = ()  # the run's hand-made changes up to ``iteration``, to replay it

    def held_by(self, run):
        """``run``'s history still holds this entry's weights at its iteration."""
        k = self.iteration
        return k <= run.newest and np.array_equal(run.params_at(k), self.params)

    @property
    def label(self):
        return (f"iteration {self.iteration}  loss {self.loss:.4g}  "
                f"accuracy {self.accuracy:.0%}")


class SnapshotList(QObject):
    """The entries taken at the cursor, oldest first (a sequence: ``len``, index,
    iterate), and ``compare``: the pair (a, b) the diagram colours by W_b - W_a, or None.

    Signals: sigSnapshotsChanged, sigCompareChanged, sigMessage(str).
    """

    sigSnapshotsChanged = Signal()
    sigCompareChanged = Signal()
    sigMessage = Signal(str)

    def __init__(self, cursor, parent=None):
        super().__init__(parent)
        self.cursor = cursor
        self.entries: list[SnapshotEntry] = []
        self.compare = None

    def __len__(self):
        return len(self.entries)

    def __getitem__(self, index):
        return self.entries[index]

    def __iter__(self):
        return iter(self.entries)

    def take(self):
        """Remember the cursor's iteration; returns the new entry."""
        entry = self.entry_at(self.cursor.run, self.cursor.iteration,
                              self.cursor.config.dataset_name)
        self.entries.append(entry)
        self.sigSnapshotsChanged.emit()
        return entry

    @staticmethod
    def entry_at(run, k, dataset_name):
        """The entry for iteration ``k`` of ``run``."""
        return SnapshotEntry(run, k, run.params_at(k), float(run.losses[k]),
                             float(run.accuracies[k]), dataset_name,
                             tuple(c for c in run.changes if c.iteration <= k))

    def replace_entries(self, entries):
        """The list becomes ``entries`` (a session restored after a crash)."""
        self.entries = list(entries)
        self.compare = None
        self.sigSnapshotsChanged.emit()
        self.sigCompareChanged.emit()

    def snapshot_run(self, entry):
        """A run whose iteration ``entry.iteration`` is exactly the snapshot: its own
        run while that history still holds it; after an edit of the past discarded it,
        a replay of the snapshot from the initial weights (which ``entry`` then keeps)."""
        return finish(self.snapshot_run_steps(entry))

    def snapshot_run_steps(self, entry):
        """:meth:`snapshot_run` as a generator yielding ``(done, total)`` between slices
        of the replay; closed early, it leaves ``entry`` as it was."""
        run, k = entry.run, entry.iteration
        if entry.held_by(run):
            return run
        # From W_0 and b_0 as first made: an edit at iteration 0 is one of the changes
        # (run.restarted() would start from the edited iteration 0).
        first = run.initial_row
        biases = (unflatten_biases(first[run.n_params:run.n_theta], run.layer_sizes)
                  if run.options.bias else None)
        replayed = Run(run.X, run.Y, run.layer_sizes, run.activations, run.loss,
                       run.initial_learning_rate, run.seed, run.unflatten(run.initial_params),
                       run.dataset_name, run.options, biases)
        yield from replayed.replay_steps(entry.changes, k)
        entry.run = replayed
        return replayed

    def compare_snapshots(self, a, b):
        """Colour the diagram by W_b - W_a (when both fit the cursor's network)."""
        if a is None or b is None:
            self.compare = None
        elif a.params.shape != b.params.shape or a.params.shape != (
                self.cursor.run.n_params,):
            self.sigMessage.emit("Those snapshots belong to networks of different shapes.")
            self.compare = None
        else:
            self.compare = (a, b)
        self.sigCompareChanged.emit()
