"""What a run's arrays take, reckoned from its sizes before any of them is allocated.

A run's memory is driven by numbers that come from outside: the layer sizes, the
number of samples and the iteration count, typed by a user or read from a file. A
5 MB snapshot can declare a network whose buffers would take terabytes. So every
array those numbers size is counted here, and :class:`~nncore.run.Run` refuses a
network, a dataset or an iteration count whose arrays would take more than
``MEMORY_CAP``, with a :class:`~nncore.errors.BudgetError` naming the field, before
anything is allocated. What is counted (8-byte floats):

* the history, per iteration: outputs (samples x outputs), loss and accuracy (and
  the test loss, test accuracy and penalty when the run has them); and the row
  ``[weights | biases | optimizer state]``, every ``stride``-th iteration (a
  checkpoint);
* the buffers that make it: the steppers' activations, deltas, slopes, batches
  and gradient, the optimizer's scratch, the initial and current rows, the replay
  span (``stride`` rows), the trace (a chunk of steps' outputs and rows), and the
  temporaries that scoring a chunk makes (and, when outputs are computed from the
  parameters after the steps, the stacked forward pass of a chunk).

Checkpoints: rows are kept for every iteration while they take at most
``DENSE_BYTES_PER_ITERATION``; a bigger network keeps every ``stride``-th iteration
and replays the steps between from the checkpoint before them, caching the span it
replayed (``stride`` rows). That span grows with the square of the network's size,
so the stride is also capped to keep the span within ``SPAN_BYTES``: a very big
network then stores checkpoints more often (more memory per iteration, a shorter
replay), and still trains and loads instead of being refused. The stride changes
which iterations are stored, never the numbers: a replay repeats the same steps.

Arrays grow by doubling (see :func:`grown`), never past the rows the budget allows.
"""

from __future__ import annotations

import numpy as np

from .files import size_text
from .network import FORWARD_MANY_BYTES, n_weights
from .optimizers import scratch_size
from .options import TrainingOptions

MIB = 1024 * 1024
GIB = 1024 * MIB
MEMORY_CAP = 2 * GIB  # what one run's history and the buffers that make it may take
# 144 bytes = 18 weights: the tutorial's net (3) and Trask's (16) are kept densely,
# and a 3-32-32-1 net (1152 weights) is checkpointed every 64 iterations, which keeps
# a jump to any iteration (a replay of 32 steps on average) quick; 128 bytes would
# double both the gap and the jump time.
DENSE_BYTES_PER_ITERATION = 144
SPAN_BYTES = 256 * MIB  # the replay span's cap: what the stride may cost at once
CHUNK = 256  # steps between finiteness checks and time-budget checks, at most
CHUNK_BYTES = 8 * MIB  # a chunk's trace and its scoring temporaries stay near this
SCORE_TEMPORARIES = 4  # arrays the size of a chunk's outputs that scoring makes
# A stacked forward pass (nncore.network.forward_many) holds the layer it reads, the one
# it makes, and a temporary of a softmax's size.
FORWARD_TEMPORARIES = 3
LONG_HISTORY_BYTES = 2**23  # past this a growing array reserves RESERVE_BYTES (see grown)
RESERVE_BYTES = 2**30


def checkpoint_stride(n_params, row_width=None):
    """Iterations between stored rows (a power of two): 1 while a network's weights
    (``n_params``) take at most DENSE_BYTES_PER_ITERATION, then about one row's worth
    of them per DENSE_BYTES_PER_ITERATION, capped so ``stride`` rows of ``row_width``
    numbers (the weights, biases and optimizer state; by default just the weights)
    fit in SPAN_BYTES (but never below 2: dense storage has its own per-step trace).
    Biases and the optimizer's state do not lengthen the stride: a jump replays as
    many steps as it would without them (each step costs more), and the stored rows
    take more memory."""
    row_width = n_params if row_width is None else row_width
    stride = 1
    while n_params * 8 > DENSE_BYTES_PER_ITERATION * stride:
        stride *= 2
    while stride > 2 and stride * row_width * 8 > SPAN_BYTES:
        stride //= 2
    return stride


def chunk_steps(per_step):
    """Steps trained between two checks: CHUNK, fewer when what a chunk holds for each
    step (``per_step`` numbers: its trace, its scoring temporaries) would pass
    CHUNK_BYTES."""
    return int(min(CHUNK, max(1, CHUNK_BYTES // (8 * per_step))))


class Footprint:
    """The bytes a run of ``layer_sizes`` on ``n_samples`` samples takes, by part,
    trained with ``options`` (a :class:`~nncore.options.TrainingOptions`).

    ``fixed`` is what the run takes at iteration 0 (``weights_part`` of it grows with
    the network, the rest with the samples); ``nbytes(k)`` adds the history of
    iterations 0..k; ``capacity`` is the last iteration MEMORY_CAP allows (-1 if
    not even iteration 0 fits). Integers throughout, so no size overflows.
    """

    def __init__(self, layer_sizes, n_samples, options=None):
        options = options or TrainingOptions()
        self.layer_sizes = sizes = [int(n) for n in layer_sizes]
        self.n_samples = n = int(n_samples)
        self.n_params = p = n_weights(sizes)
        self.n_theta = theta = p + (sum(sizes[1:]) if options.bias else 0)
        self.n_row = row = theta + options.state_size(theta)
        self.stride = checkpoint_stride(p, row)
        self.n_outputs = o = n * sizes[-1]
        rows = options.rows(n)
        self.evaluated = rows.evaluated
        width, widest, ends = sum(sizes[1:]), max(sizes), sizes[0] + sizes[-1]
        if rows.evaluated:  # per step: its row and its scoring; then a few stacked layers
            self.chunk = chunk_steps(row + SCORE_TEMPORARIES * o)
            layers = max(FORWARD_MANY_BYTES // 8, n * widest)  # see forward_many
            trace = self.chunk * row + FORWARD_TEMPORARIES * layers
        else:
            dense = o + (row if self.stride == 1 else 0)
            self.chunk = chunk_steps(max(SCORE_TEMPORARIES * o, dense))
            trace = self.chunk * (o + row) if self.stride == 1 else 0
        batches = [rows.batch] + ([rows.last_batch] if rows.last_batch != rows.batch else [])
        # Steppers: state and deltas, ones, zeros and slopes (5 x activations) and,
        # with mini-batches, their batch and the epoch's rows in order; rows held out
        # split the dataset in two copies.
        steppers = sum(5 * b * width + (b * ends if rows.batch < rows.n_train else 0)
                       for b in batches)
        if rows.batch < rows.n_train:
            steppers += rows.n_train * (ends + 2)  # the epoch's rows, its order
        split = n * ends if rows.n_test else 0
        # The parameters: the stepper's row, gradient and scratch; the run's initial
        # and current rows, a fresh copy made per chunk, the replay span.
        self.weights_part = 8 * (row + theta + scratch_size(options, theta, p) + 3 * row
                                 + self.stride * row)
        self.fixed = self.weights_part + 8 * (steppers + split + n * ends + trace
                                              + SCORE_TEMPORARIES * self.chunk * o)
        per_row = 2 + (2 if rows.n_test else 0) + (1 if options.has_penalty else 0)
        self.per_iteration = 8 * (o + per_row)  # outputs, the losses and accuracies
        self.capacity = self._capacity()

    def nbytes(self, k):
        """Bytes once iterations 0..k are recorded."""
        return self.fixed + (k + 1) * self.per_iteration + 8 * self.n_row * (
            k // self.stride + 1)
    def _capacity(self):
        if self.nbytes(0) > MEMORY_CAP:
            return -1
        low, high = 0, 1
        while self.nbytes(high) <= MEMORY_CAP:
            low, high = high, 2 * high
        while high - low > 1:  # nbytes(low) fits, nbytes(high) does not
            middle = (low + high) // 2
            low, high = (middle, high) if self.nbytes(middle) <= MEMORY_CAP else (low, middle)
        return low

    def rows(self, k):
        """(history rows, checkpoint rows) that iterations 0..k fill."""
        return k + 1, k // self.stride + 1

    def fixed_problem(self):
        """``(field, why)`` when not even iteration 0 fits, else None."""
        if self.capacity >= 0:
            return None
        sizes = "-".join(map(str, self.layer_sizes))
        field = "layer_sizes" if self.weights_part * 2 >= self.fixed else "dataset"
        return field, (f"a {sizes} network on {self.n_samples} samples would need "
                       f"{amount(self.nbytes(0))} before its first step; the limit is "
                       f"{amount(MEMORY_CAP)}")

    def problem(self, k, doing=None):
        """``(field, why)`` when iterations 0..k do not fit (field ``iteration``), or
        not even iteration 0 does (``layer_sizes`` or ``dataset``); else None."""
        if self.capacity < 0:
            return self.fixed_problem()
        why = self.iteration_problem(k, doing)
        return None if why is None else ("iteration", why)

    def iteration_problem(self, k, doing=None):
        """Why iterations 0..k do not fit, or None; ``doing`` starts the sentence."""
        if k <= self.capacity:
            return None
        return (f"{doing or f'recording {k} iterations'} would need "
                f"{amount(self.nbytes(k))}; the limit is {amount(MEMORY_CAP)} (iteration "
                f"{max(self.capacity, 0)} at most for this network and dataset)")


def amount(n):
    """``n`` bytes for a message: 2 GiB, 1.4 GiB, 1,413 GiB; 20 MiB, 800 bytes below."""
    value = n / GIB
    if value < 1:
        return size_text(n)
    if value == int(value) or value >= 10:
        return f"{value:,.0f} GiB"
    return f"{value:.2g} GiB"


def grown(array, needed, limit=None):
    """``array`` (or a bigger copy) with room for at least ``needed`` rows, and at
    most ``limit`` rows when a budget gives one (``needed <= limit``).

    Capacity doubles, so appending costs little on average; but each doubling
    copies the whole array at once, and for a long history that copy stalls Play.
    So an array that grows past LONG_HISTORY_BYTES reserves RESERVE_BYTES at once:
    ``np.empty`` takes address space only, and the operating system commits a page
    when a row is first written, so memory in use still follows the rows written.
    """
    if needed <= len(array):
        return array
    row_shape, row_bytes = array.shape[1:], array.itemsize * int(np.prod(array.shape[1:]))
    rows = max(needed, 2 * len(array))
    reserve = max(rows, RESERVE_BYTES // max(1, row_bytes))
    if limit is not None:
        rows, reserve = min(rows, limit), min(reserve, limit)
    try:
        bigger = np.empty((reserve if rows * row_bytes > LONG_HISTORY_BYTES else rows,)
                          + row_shape, dtype=array.dtype)
    except MemoryError:  # a system that commits address space up front
        bigger = np.empty((rows,) + row_shape, dtype=array.dtype)
    bigger[:len(array)] = array
    return bigger
