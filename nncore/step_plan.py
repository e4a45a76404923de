"""The steps of one run, for any iteration k: which rows, which calls, which optimizer
numbers.

A :class:`~nncore.stepper.Stepper` makes one step on a fixed batch. A run with
mini-batches needs the batch of iteration k (see :mod:`nncore.options`), and Adam
needs t = k + 1: a small ``tick`` call before each step sets both, so that the
step's calls stay a fixed list. An epoch whose last batch is smaller than the others
is made by a second Stepper of that size, sharing the first one's parameters,
optimizer state and gradient.

Parameters are exchanged as *rows*: ``[theta | optimizer state]``, theta being the
weights then the biases (true signs; the Stepper keeps theta negated, its ``raw``
row ``[V | state]``).
"""

from __future__ import annotations

import numpy as np

from .optimizers import Clock
from .options import BatchSchedule
from .stepper import Stepper, _execute


class StepPlan:
    """Training steps over ``X_train``/``Y_train`` (the rows not held out)."""

    def __init__(self, X_train, Y_train, layer_sizes, activations, loss, options, seed):
        self.options = options
        self.X_train, self.Y_train = X_train, Y_train
        self.schedule = schedule = BatchSchedule(len(X_train), options.batch_size, seed)
        self.clock = Clock(options)
        if schedule.full:
            self.main = Stepper(X_train, Y_train, layer_sizes, activations, loss, options)
            self.last = None
        else:
            def batch(size):
                return np.zeros((size, X_train.shape[1])), np.zeros((size, Y_train.shape[1]))
            self.main = Stepper(*batch(schedule.size), layer_sizes, activations, loss, options)
            self.last = None if schedule.last_size == schedule.size else Stepper(
                *batch(schedule.last_size), layer_sizes, activations, loss, options,
                shared=(self.main.raw, self.main.grad))
        self.raw = self.main.raw
        self.n_theta, self.n_row = self.main.n_theta, len(self.raw)
        self.n_params = self.main.n_params
        self.needs_tick = not schedule.full or options.optimizer == "adam"
        self._next = 0  # the iteration the next tick prepares
        self._epoch, self._X_epoch, self._Y_epoch = None, None, None

    # ---- the parameters -----------------------------------------------------------------

    def load(self, row):
        """Set the parameters and optimizer state from a true-signed row."""
        np.negative(row[:self.n_theta], out=self.raw[:self.n_theta])
        self.raw[self.n_theta:] = row[self.n_theta:]

    def row(self):
        """The current ``[theta | optimizer state]`` (a fresh array)."""
        if self.n_row == self.n_theta:  # no optimizer state: the tutorial's path
            return -self.raw
        return raw_to_rows(self.raw, self.n_theta)

    # ---- steps ------------------------------------------------------------------------

    def program(self, lr):
        """The calls of a step at learning rate ``lr``, for each Stepper; valid until
        the next call (it reuses the Steppers' buffers)."""
        return [None if stepper is None else self._ops(stepper, lr)
                for stepper in (self.main, self.last)]

    def _ops(self, stepper, lr):
        ops = stepper.step_ops(lr, self.clock)
        return [(self._ticker(stepper), ())] + ops if self.needs_tick else ops

    def _ticker(self, stepper):
        schedule, clock, adam = self.schedule, self.clock, self.options.optimizer == "adam"
        X, Y, size = stepper.X, stepper.Y, len(stepper.X)

        def tick():
            k = self._next
            if not schedule.full:
                epoch, j = divmod(k, schedule.per_epoch)
                if epoch != self._epoch:
                    self._load_epoch(epoch)
                start = j * schedule.size
                X[...] = self._X_epoch[start:start + size]
                Y[...] = self._Y_epoch[start:start + size]
            if adam:
                clock.set(k + 1)
            self._next = k + 1
        return tick

    def _load_epoch(self, epoch):
        """The training rows in epoch ``epoch``'s order: each batch is then a slice."""
        order = self.schedule.order(epoch)
        self._X_epoch, self._Y_epoch = self.X_train[order], self.Y_train[order]
        self._epoch = epoch

    def run(self, program, k, count, trace, record):
        """``count`` steps from iteration ``k``, copying ``record`` into ``trace[i]``
        after step i. Steps of an epoch's last batch, when it is smaller, are made by
        the second Stepper."""
        self._next = k
        main, last = program
        if last is None:
            self.main.run(main, count, trace, record)
            return
        per_epoch, done = self.schedule.per_epoch, 0
        while done < count:
            j = (k + done) % per_epoch
            if j == per_epoch - 1:
                self.last.run(last, 1, trace[done:], record)
                done += 1
            else:
                steps = min(count - done, per_epoch - 1 - j)
                self.main.run(main, steps, trace[done:], record)
                done += steps

    def step(self, program, k):
        """One step from iteration ``k``; returns the Stepper's output (with full
        batches: yhat at W_k)."""
        self._next = k
        is_last = self.last is not None and k % self.schedule.per_epoch == \
            self.schedule.per_epoch - 1
        _execute(program[1] if is_last else program[0])
        return self.main.output

    def forward(self):
        """Every training row's output at the current parameters (full batches)."""
        return self.main.forward()


def raw_to_rows(raw, n_theta):
    """Stepper rows ``[V | state]`` (one, or a 2-D stack) as ``[theta | state]``."""
    rows = np.array(raw, dtype=float)
    np.negative(rows[..., :n_theta], out=rows[..., :n_theta])
    return rows
