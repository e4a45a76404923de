"""Weights between two checkpoints, rebuilt by replaying the steps from the one before.

A run that stores only every ``stride``-th iteration's weights (see
:mod:`nncore.memory`) gets the others here, by running the very same steps as
training did, so they come out bit for bit the same.
"""

from __future__ import annotations

import numpy as np

from .network import flat_index


class ReplaySpan:
    """The span between two checkpoints replayed last, kept so that stepping back and
    forth within one span (scrubbing) replays each step once.

    ``rows[i]`` holds -W at iteration ``first + i`` (negated, as the stepper keeps
    weights), for i < ``filled``; the buffer has ``stride`` rows, which the memory
    budget counts.
    """

    def __init__(self, stride, n_params):
        self.first, self.filled = None, 0
        self.rows = np.empty((stride, n_params))

    def forget(self):
        """Drop the replayed rows: after a change or truncation they may be stale."""
        self.first, self.filled = None, 0

    def weights_at(self, run, k):
        """W_k of ``run`` (a fresh array), replayed from the checkpoint before k."""
        start, rows = k - k % run.stride, self.rows
        if self.first != start:
            self.first, self.filled = start, 1
            np.negative(run.history.checkpoints[start // run.stride], out=rows[0])
        if self.filled <= k - start:
            run.stepper.negated[:] = rows[self.filled - 1]
            advance(run, start + self.filled - 1, k - start + 1 - self.filled,
                    rows[self.filled:])
            self.filled = k - start + 1
        return -rows[k - start]


def advance(run, k, count, trace):
    """Step from W_k (already in ``run.stepper``) to W_{k+count}, applying the run's
    recorded changes on the way; -W_{k+i+1} goes to ``trace[i]``."""
    stepper, end, filled, changes = run.stepper, k + count, 0, run.changes
    with np.errstate(all="ignore"):
        while k < end:
            stop = min([c.iteration for c in changes if k < c.iteration <= end] + [end])
            ops = stepper.step_ops(run.learning_rate_at(k))
            stepper.run(ops, stop - k, trace[filled:], stepper.negated)
            filled, k = filled + stop - k, stop
            for change in changes:
                if change.kind == "weight" and change.iteration == k:
                    stepper.negated[weight_index(run, change)] = -change.value
                    trace[filled - 1] = stepper.negated


def weight_index(run, change):
    """Where the weight that a ``weight`` change sets sits in the flat weight vector."""
    return flat_index(run.layer_sizes, change.layer, change.row, change.col)


def finish(steps, progress=None):
    """Run the generator ``steps`` (which yields ``(done, total)`` now and then) to
    its end and return its value, calling ``progress(done, total)`` at each yield."""
    while True:
        try:
            done = next(steps)
        except StopIteration as end:
            return end.value
        if progress is not None:
            progress(*done)
