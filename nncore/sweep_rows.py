"""What each run of a sweep starts from and trains on: its initial weights (the
single run's draw) and its rows (held out, and the batch of each iteration)."""

from __future__ import annotations

import numpy as np

from .initial_weights import init_limit, weight_shapes
from .options import BatchSchedule, held_out_rows


class RunRows:
    """Which rows each run trains on, and the batch of iteration k."""

    def __init__(self, X, Y, seeds, options):
        n = len(X)
        self.X, self.Y, self.options = X, Y, options
        counts = options.rows(n)
        self.n_test, self.n_train, self.batch = counts.n_test, counts.n_train, counts.batch
        self.shareable = counts.n_test == 0 and counts.batch >= counts.n_train
        tests = {int(s): held_out_rows(n, options.test_fraction, int(s)) for s in set(seeds)}
        self.test = np.array([tests[int(s)] for s in seeds]).reshape(len(seeds), self.n_test)
        everything = np.ones((len(seeds), n), dtype=bool)
        np.put_along_axis(everything, self.test, False, axis=1)
        self.train = np.nonzero(everything)[1].reshape(len(seeds), self.n_train)
        self.Y_train, self.Y_test = Y[self.train], Y[self.test]
        self.seeds = seeds
        # its sizes only: each run's epoch order comes from its own seed, in fill()
        self.schedule = BatchSchedule(self.n_train, options.batch_size, 0)

    def fill(self, stepper, k):
        """The buffers of iteration k's batch for ``stepper``'s runs, filled."""
        schedule = self.schedule
        if schedule.full:
            buffers = stepper.buffers(self.n_train)
            if not getattr(buffers, "filled", False):
                if stepper.shared:
                    buffers.X[...], buffers.Y[...] = self.X, self.Y
                else:
                    buffers.X[...] = self.X[self.train[stepper.index]]
                    buffers.Y[...] = self.Y_train[stepper.index]
                buffers.filled = True
            return buffers
        epoch, j = divmod(k, schedule.per_epoch)
        if stepper.epoch != epoch:
            orders = {int(s): np.random.default_rng([int(s), epoch]).permutation(self.n_train)
                      for s in set(self.seeds[stepper.index].tolist())}
            picked = self.train[stepper.index]
            order = np.array([orders[int(s)] for s in self.seeds[stepper.index]])
            rows = np.take_along_axis(picked, order, axis=1)
            stepper.epoch, stepper.epoch_rows = epoch, rows
        size = schedule.size if j < schedule.per_epoch - 1 else schedule.last_size
        buffers = stepper.buffers(size)
        rows = stepper.epoch_rows[:, j * schedule.size:j * schedule.size + size]
        buffers.X[...] = self.X[rows]
        buffers.Y[...] = self.Y[rows]
        return buffers


def scaled_weights(flat, layer_sizes, init):
    """The uniform draw ``flat`` (every weight, layer by layer) scaled per layer as
    :func:`~nncore.initial_weights.init_weights` scales it for ``init``."""
    if init != "uniform":  # the tutorial's bits are left untouched
        offset = 0
        for n_in, n_out in weight_shapes(layer_sizes):
            flat[offset:offset + n_in * n_out] *= init_limit(init, n_in, n_out)
            offset += n_in * n_out
    return flat
