"""Rows between two checkpoints, rebuilt by replaying the steps from the one before.

A run that stores only every ``stride``-th iteration's row ``[theta | optimizer
state]`` (see :mod:`nncore.memory`) gets the others here, by running the very same
steps as training did (the same batches, the same optimizer numbers), so they come
out bit for bit the same.
"""

from __future__ import annotations

import numpy as np

from .network import flat_index
from .step_plan import raw_to_rows


class ReplaySpan:
    """The span between two checkpoints replayed last, kept so that stepping back and
    forth within one span (scrubbing) replays each step once.

    ``rows[i]`` holds the Stepper's row ``[V | state]`` (V = -theta) at iteration
    ``first + i``, for i < ``filled``; the buffer has ``stride`` rows, which the
    memory budget counts.
    """

    def __init__(self, stride, n_row):
        self.first, self.filled = None, 0
        self.rows = np.empty((stride, n_row))
        self.held = None  # (k, row [theta | state]) of one iteration kept at hand

    def forget(self):
        """Drop the replayed rows: after a change or truncation they may be stale."""
        self.first, self.filled = None, 0
        self.held = None

    def hold(self, k, row):
        """Keep ``row``, iteration k's ``[theta | state]`` (not to be changed in place
        by the caller), so that reading k again replays nothing."""
        self.held = (k, row)

    def row_at(self, run, k):
        """The row ``[theta | state]`` of iteration k of ``run`` (a fresh array),
        replayed from the checkpoint before k."""
        if self.held is not None and self.held[0] == k:
            return self.held[1].copy()
        start, rows, plan = k - k % run.stride, self.rows, run.plan
        if self.first != start:
            self.first, self.filled = start, 1
            plan.load(run.history.checkpoints[start // run.stride])
            rows[0] = plan.raw
        if self.filled <= k - start:
            plan.raw[:] = rows[self.filled - 1]
            advance(run, start + self.filled - 1, k - start + 1 - self.filled,
                    rows[self.filled:])
            self.filled = k - start + 1
        return raw_to_rows(rows[k - start], plan.n_theta)


def advance(run, k, count, trace):
    """Step from iteration k (its row already in ``run.plan``) to k + count,
    applying the run's recorded changes on the way; the Stepper's row of iteration
    k + i + 1 goes to ``trace[i]``."""
    plan, end, filled, changes = run.plan, k + count, 0, run.changes
    with np.errstate(all="ignore"):
        while k < end:
            stop = min([c.iteration for c in changes if k < c.iteration <= end] + [end])
            program = plan.program(run.learning_rate_at(k))
            plan.run(program, k, stop - k, trace[filled:], plan.raw)
            filled, k = filled + stop - k, stop
            for change in changes:
                if change.kind != "learning_rate" and change.iteration == k:
                    plan.raw[theta_index(run, change)] = -change.value
                    trace[filled - 1] = plan.raw


def theta_index(run, change):
    """Where the weight or bias that a change sets sits in theta (the flat weights,
    then the biases layer by layer)."""
    if change.kind == "bias":
        return run.n_params + sum(run.layer_sizes[1:change.layer + 1]) + change.col
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
