"""What a run records: one row per iteration, in arrays grown within its memory
budget, and the changes made by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import BudgetError
from .memory import amount, grown
from .network import batch_accuracy, batch_loss

FIRST_ROWS = 16  # rows each array starts with, unless they pass FIRST_BYTES
FIRST_BYTES = 2**20


@dataclass(frozen=True)
class Change:
    """Something set by hand at ``iteration``, applied before that iteration's step.

    ``kind`` is ``"learning_rate"`` (``value`` is the new rate from then on) or
    ``"weight"`` (``weights[layer][row, col] = value``).
    """
    iteration: int
    kind: str
    value: float
    layer: int = 0
    row: int = 0
    col: int = 0


class History:
    """Outputs, loss and accuracy of every iteration, and the weights at checkpoints.

    ``outputs[k]`` is yhat_k (samples x outputs), ``losses[k]`` and ``accuracies[k]``
    its loss and accuracy; ``checkpoints[i]`` is W at iteration ``i * stride`` as a
    flat vector (every iteration when ``stride`` is 1). Rows past the run's newest
    iteration are room reserved, not history. The arrays grow by doubling (see
    :func:`~nncore.memory.grown`), never past the rows ``footprint.capacity``
    allows, so a plot can take a view of them without a copy.
    """

    def __init__(self, footprint, Y, loss):
        self.footprint, self.Y, self.loss = footprint, Y, loss
        self.limits = footprint.rows(footprint.capacity)
        row_bytes = (8 * footprint.n_outputs, 8 * footprint.n_params)
        rows, checkpoint_rows = (max(1, min(FIRST_ROWS, limit, FIRST_BYTES // size))
                                 for limit, size in zip(self.limits, row_bytes, strict=True))
        self.checkpoints = np.empty((checkpoint_rows, footprint.n_params))
        self.outputs = np.empty((rows,) + Y.shape)
        self.losses = np.empty(rows)
        self.accuracies = np.empty(rows)

    def reserve(self, n_iterations):
        """Room for iterations 0..n_iterations-1 (within the capacity).

        ``BudgetError`` if the computer has less memory than the budget allows;
        then every row recorded so far is still in place.
        """
        rows, checkpoint_rows = self.footprint.rows(n_iterations - 1)
        row_limit, checkpoint_limit = self.limits
        try:
            self.outputs = grown(self.outputs, rows, row_limit)
            self.losses = grown(self.losses, rows, row_limit)
            self.accuracies = grown(self.accuracies, rows, row_limit)
            self.checkpoints = grown(self.checkpoints, checkpoint_rows, checkpoint_limit)
        except MemoryError:
            need = self.footprint.nbytes(n_iterations - 1)
            raise BudgetError(None, f"out of memory: {n_iterations - 1} iterations need "
                              f"{amount(need)}, more than this computer has free",
                              "iterations") from None

    def score(self, first, end):
        """Loss and accuracy of iterations first..end-1 from their outputs,
        vectorised over the chunk."""
        yhat = self.outputs[first:end]
        with np.errstate(all="ignore"):
            self.losses[first:end] = batch_loss(yhat, self.Y, self.loss)
        self.accuracies[first:end] = batch_accuracy(yhat, self.Y)

    def nbytes(self, newest):
        """Bytes of the rows recorded up to iteration ``newest``."""
        rows, checkpoint_rows = self.footprint.rows(newest)
        return (self.checkpoints[:checkpoint_rows].nbytes + self.outputs[:rows].nbytes
                + self.losses[:rows].nbytes + self.accuracies[:rows].nbytes)
