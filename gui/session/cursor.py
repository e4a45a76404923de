"""The run and its cursor: which run the window shows, and which iteration of it.

The cursor moves along the recorded history (``seek``, ``step_back``) and, at its
end, by training (``step``, ``train``). A change made by hand (learning rate, a
weight) applies at the cursor and discards the iterations after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from nncore import Run, TrainingOptions, check_learning_rate
from nncore.datasets import builtin


@dataclass
class RunConfig:
    """Everything that defines a run at iteration 0; changing any of it starts anew."""
    dataset_name: str = "tutorial"
    X: np.ndarray = field(default_factory=lambda: builtin("tutorial")[0])
    Y: np.ndarray = field(default_factory=lambda: builtin("tutorial")[1])
    layer_sizes: list = field(default_factory=lambda: [3, 1])
    activations: list | None = None
    loss: str = "sse"
    learning_rate: float = 1.0
    seed: int = 1
    options: TrainingOptions = field(default_factory=TrainingOptions)

    def make_run(self):
        return Run(self.X, self.Y, self.layer_sizes, self.activations, self.loss,
                   self.learning_rate, self.seed, options=self.options)

    @classmethod
    def of(cls, run, dataset_name):
        """The config that makes ``run`` at iteration 0 (for a run made elsewhere)."""
        return cls(dataset_name, run.X, run.Y, list(run.layer_sizes), list(run.activations),
                   run.loss, run.initial_learning_rate, run.seed, run.options)


class Cursor(QObject):
    """``run`` (made from ``config``) and the shown ``iteration`` in 0..run.newest.

    Signals
    -------
    sigRunReplaced: a different run (new architecture, dataset, seed, or a file).
    sigHistoryChanged: the recorded history grew or was cut short.
    sigIterationChanged(int): the cursor moved.
    sigDiverged: training stopped at a state that is not finite; play cannot go on.
    sigFull: the history holds as much as the memory budget allows; play cannot go on.
    sigMessage(str): for the status bar.
    """

    sigRunReplaced = Signal()
    sigHistoryChanged = Signal()
    sigIterationChanged = Signal(int)
    sigDiverged = Signal()
    sigFull = Signal()  # the history reached the memory budget; play cannot go on
    sigMessage = Signal(str)

    def __init__(self, config, parent=None):
        super().__init__(parent)
        self.config = config
        self.run = config.make_run()
        self.iteration = 0
        self._unannounced = False  # quiet training has grown the history (see train)

    @property
    def at_end(self):
        return self.iteration == self.run.newest

    @property
    def full(self):
        """The history holds as many iterations as the memory budget allows."""
        return self.run.newest >= self.run.capacity

    @property
    def can_step(self):
        return not (self.at_end and (self.run.diverged_at is not None or self.full))

    def weights(self):
        """W at the cursor, as matrices."""
        return self.run.weights_at(self.iteration)

    # ---- moving -----------------------------------------------------------------------

    def seek(self, k):
        """Show iteration ``k`` (clamped to the history)."""
        k = int(min(max(int(k), 0), self.run.newest))
        if k != self.iteration:
            self.iteration = k
            self.run.hold(k)
            self.sigIterationChanged.emit(k)

    def step(self):
        """One iteration forward: along the recorded timeline, then by training."""
        if self.at_end and not self.train(1):
            return False
        self.seek(self.iteration + 1)
        return True

    def step_back(self):
        self.seek(self.iteration - 1)

    def train(self, n, seconds=None, clock=time.perf_counter, quietly=False):
        """Train ``n`` more iterations at the end of the history, or fewer when
        ``seconds`` (measured by ``clock``) run out; False if none were made.
        The cursor stays where it is. ``quietly``: the growth is announced by the
        next ``announce()`` instead of now (Play at max pace trains many slices a
        frame, and the views need to hear of them once a frame, not once a slice)."""
        run = self.run
        if run.diverged_at is not None:
            self.sigDiverged.emit()
            self.sigMessage.emit(f"Diverged at iteration {run.diverged_at}: step back, or "
                                 "lower the learning rate, to continue.")
            return False
        if self.full:
            self.sigFull.emit()
            self.sigMessage.emit(f"Iteration {run.newest} is as far as this network can be "
                                 "trained within the memory budget (see docs/security.md).")
            return False
        done = run.train(min(n, run.capacity - run.newest), seconds, clock)
        if done and quietly:
            self._unannounced = True
        elif done:
            self._unannounced = False
            self.sigHistoryChanged.emit()
        if run.diverged_at is not None:
            self.sigDiverged.emit()
            self.sigHistoryChanged.emit()
            self.sigMessage.emit(f"Diverged at iteration {run.diverged_at}; kept the last "
                                 f"finite state (iteration {run.newest}).")
        return done > 0

    def announce(self):
        """Emit the sigHistoryChanged that quiet training has owed, if any."""
        if self._unannounced:
            self._unannounced = False
            self.sigHistoryChanged.emit()

    # ---- changes ----------------------------------------------------------------------

    def replace(self, run, iteration, config):
        """Show ``run`` (made from ``config``) at ``iteration``."""
        self.config = config
        self.run = run
        self.iteration = min(iteration, run.newest)
        self._unannounced = False  # the signals below tell of the whole new history
        self.sigRunReplaced.emit()
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def set_learning_rate(self, rate):
        """Train with ``rate`` from the current iteration on; later iterations go."""
        rate = check_learning_rate(rate)
        if rate == self.run.learning_rate_at(self.iteration):
            return
        self.run.set_learning_rate(self.iteration, rate)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def set_weight(self, layer, row, col, value):
        """Edit one weight at the current iteration; later iterations go."""
        self.run.set_weight(self.iteration, layer, row, col, value)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def set_bias(self, layer, unit, value):
        """Edit the bias of unit ``unit`` of layer ``layer + 1`` at the current
        iteration; later iterations go."""
        self.run.set_bias(self.iteration, layer, unit, value)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)
