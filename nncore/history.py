"""What a run records: one row per iteration, in arrays grown within its memory
budget, and the changes made by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import BudgetError
from .memory import amount, grown
from .network import batch_accuracy, batch_loss, forward_many, penalty_value

FIRST_ROWS = 16  # rows each array starts with, unless they pass FIRST_BYTES
FIRST_BYTES = 2**20


@dataclass(frozen=True)
class Change:
    """Something set by hand at ``iteration``, applied before that iteration's step.

    ``kind`` is ``"learning_rate"`` (``value`` is the new rate from then on),
    ``"weight"`` (``weights[layer][row, col] = value``) or ``"bias"``
    (``biases[layer][col] = value``; ``row`` is 0).
    """
    iteration: int
    kind: str
    value: float
    layer: int = 0
    row: int = 0
    col: int = 0


class History:
    """Outputs, loss and accuracy of every iteration, and the parameters at checkpoints.

    ``outputs[k]`` is yhat_k on every row of the dataset (samples x outputs);
    ``losses[k]`` and ``accuracies[k]`` are on the training rows, ``test_losses[k]``
    and ``test_accuracies[k]`` on the held-out rows (None without them), and
    ``penalties[k]`` the L1/L2 penalty at W_k (None without one).
    ``checkpoints[i]`` is the row ``[theta | optimizer state]`` at iteration
    ``i * stride`` (every iteration when ``stride`` is 1). Rows past the run's
    newest iteration are room reserved, not history. The arrays grow by doubling
    (see :func:`~nncore.memory.grown`), never past the rows ``footprint.capacity``
    allows, so a plot can take a view of them without a copy.
    """

    def __init__(self, footprint, run):
        self.footprint, self.run = footprint, run
        self.Y, self.loss, self.reduction = run.Y, run.loss, run.options.reduction
        self.limits = footprint.rows(footprint.capacity)
        row_bytes = (8 * footprint.n_outputs, 8 * footprint.n_row)
        rows, checkpoint_rows = (max(1, min(FIRST_ROWS, limit, FIRST_BYTES // size))
                                 for limit, size in zip(self.limits, row_bytes, strict=True))
        self.checkpoints = np.empty((checkpoint_rows, footprint.n_row))
        self.outputs = np.empty((rows,) + self.Y.shape)
        self.losses = np.empty(rows)
        self.accuracies = np.empty(rows)
        held_out = len(run.test_rows) > 0
        self.test_losses = np.empty(rows) if held_out else None
        self.test_accuracies = np.empty(rows) if held_out else None
        self.penalties = np.empty(rows) if run.options.has_penalty else None

    def _per_iteration(self):
        return [name for name in ("outputs", "losses", "accuracies", "test_losses",
                                  "test_accuracies", "penalties")
                if getattr(self, name) is not None]

    def reserve(self, n_iterations):
        """Room for iterations 0..n_iterations-1 (within the capacity).

        ``BudgetError`` if the computer has less memory than the budget allows;
        then every row recorded so far is still in place.
        """
        rows, checkpoint_rows = self.footprint.rows(n_iterations - 1)
        row_limit, checkpoint_limit = self.limits
        try:
            for name in self._per_iteration():
                setattr(self, name, grown(getattr(self, name), rows, row_limit))
            self.checkpoints = grown(self.checkpoints, checkpoint_rows, checkpoint_limit)
        except MemoryError:
            need = self.footprint.nbytes(n_iterations - 1)
            raise BudgetError(None, f"out of memory: {n_iterations - 1} iterations need "
                              f"{amount(need)}, more than this computer has free",
                              "iterations") from None

    def score(self, first, end):
        """Loss and accuracy of iterations first..end-1 from their outputs,
        vectorised over the chunk (training rows, then held-out rows)."""
        run, yhat = self.run, self.outputs[first:end]
        held_out = self.test_losses is not None
        train = yhat[:, run.train_rows] if held_out else yhat
        with np.errstate(all="ignore"):
            self.losses[first:end] = batch_loss(train, run.Y_train, self.loss,
                                                reduction=self.reduction)
            if held_out:
                test = yhat[:, run.test_rows]
                self.test_losses[first:end] = batch_loss(test, run.Y_test, self.loss,
                                                         reduction=self.reduction)
                self.test_accuracies[first:end] = batch_accuracy(test, run.Y_test, self.loss)
        self.accuracies[first:end] = batch_accuracy(train, run.Y_train, self.loss)

    def evaluate(self, first, thetas):
        """Record iterations first, first+1, ... from their parameters ``thetas``
        (rows of theta): every row's output, the scores and the penalty."""
        run, end = self.run, first + len(thetas)
        with np.errstate(all="ignore"):
            forward_many(run.X, thetas, run.layer_sizes, run.activations, run.options.bias,
                         out=self.outputs[first:end])
            if self.penalties is not None:
                options = run.options
                self.penalties[first:end] = penalty_value(thetas[:, :run.n_params],
                                                          options.l1, options.l2)
        self.score(first, end)

    def finite(self, first, end):
        """True when every score of iterations first..end-1 is finite (a non-finite
        output makes its loss non-finite too)."""
        if not np.isfinite(self.losses[first:end]).all():
            return False
        return all(np.isfinite(scores[first:end]).all()
                   for scores in (self.test_losses, self.penalties) if scores is not None)

    def keep(self, first, raw, n_theta):
        """Store the checkpoint rows among iterations first, first+1, ... given as
        the Stepper's rows ``raw`` (``[V | state]``, V = -theta)."""
        stride = self.footprint.stride
        skip = -first % stride
        picked = raw[skip::stride]
        start = (first + skip) // stride
        rows = self.checkpoints[start:start + len(picked)]
        if rows.shape[1] == n_theta:  # no optimizer state: the tutorial's path
            np.negative(picked, out=rows)
            return
        np.negative(picked[:, :n_theta], out=rows[:, :n_theta])
        rows[:, n_theta:] = picked[:, n_theta:]

    def nbytes(self, newest):
        """Bytes of the rows recorded up to iteration ``newest``."""
        rows, checkpoint_rows = self.footprint.rows(newest)
        return self.checkpoints[:checkpoint_rows].nbytes + sum(
            getattr(self, name)[:rows].nbytes for name in self._per_iteration())
