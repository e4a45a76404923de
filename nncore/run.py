"""A training run that keeps every iteration.

Iteration k holds weights W_k (and biases b_k, and the optimizer's state), outputs
yhat_k = forward(X, W_k) on every row, loss_k and accuracy_k on the training rows
(and the test loss and accuracy, and the penalty, when the run has them); then
W_{k+1} comes from one optimizer step on the batch of iteration k (by default:
W_k - lr * dE/dW(W_k) on every row). ``run.newest`` is the newest recorded
iteration, i.e. the number of updates applied so far. How a run trains beyond the
tutorial is its :class:`~nncore.options.TrainingOptions`.

Storage: outputs, loss and accuracy are kept for every iteration; the parameters
and optimizer state too while a network has few of them, else every
``stride``-th iteration (a checkpoint), the ones between rebuilt by replaying the
same steps from the checkpoint before them, bit for bit (:mod:`nncore.history`;
the memory budget: :mod:`nncore.memory`; the training loop: :mod:`nncore.training`).

Changes in the past (a weight edit, a learning-rate change) follow undo-stack
rules: the iterations after the change are discarded, and the change is recorded
with its iteration so that a replay from the initial weights repeats it exactly.
"""

from __future__ import annotations

import time

import numpy as np

from .errors import BudgetError
from .history import Change, History
from .iteration import Iteration
from .memory import CHUNK, Footprint, amount
from .network import (
    MAX_SEED,
    check_architecture,
    check_learning_rate,
    check_one_hot,
    init_weights,
    unflatten,
)
from .options import TrainingOptions, held_out_rows
from .replay import ReplaySpan, finish, theta_index
from .step_plan import StepPlan
from .training import train

# Weight updates (weights x samples) in one slice of a replay: short enough (see
# docs/performance.md) that a window replaying a long file stays responsive.
SLICE_WORK = 2**19


class Run:
    """Dataset, architecture and the full training history of one network.

    Its memory is budgeted (see :mod:`nncore.memory`): a network and dataset whose
    buffers alone would pass the budget are refused with ``BudgetError`` before
    anything is allocated, and ``capacity`` is the last iteration the history may
    reach.

    ``options`` (a :class:`~nncore.options.TrainingOptions`, default: the
    tutorial's training) sets biases, reduction, penalties, mini-batches, the
    optimizer and the held-out rows; ``initial_biases`` (default: zeros) are the
    biases at iteration 0 when ``options.bias``.
    """

    def __init__(self, X, Y, layer_sizes, activations=None, loss="sse",
                 learning_rate=1.0, seed=1, initial_weights=None, dataset_name="custom",
                 options=None, initial_biases=None):
        X = np.array(X, dtype=float, ndmin=2)
        Y = np.array(Y, dtype=float, ndmin=2)
        if Y.shape[0] == 1 and X.shape[0] != 1:
            Y = Y.T
        self.layer_sizes = [int(n) for n in layer_sizes]
        self.activations = list(activations or ["sigmoid"] * (len(self.layer_sizes) - 1))
        self.loss = loss
        check_architecture(self.layer_sizes, self.activations, loss)
        if X.shape != (X.shape[0], self.layer_sizes[0]) or Y.shape != (
                X.shape[0], self.layer_sizes[-1]):
            raise ValueError(f"dataset: inputs {X.shape} and targets {Y.shape} do not fit "
                             f"layer sizes {self.layer_sizes}")
        if loss == "ce":
            check_one_hot(Y)
        check_learning_rate(learning_rate)
        self.options = options = (options or TrainingOptions()).checked()
        rows = options.rows(X.shape[0])
        if (rows.n_test or rows.batch < rows.n_train) and not _is_seed(seed):
            raise ValueError("seed: mini-batches and held-out rows are drawn from the seed; "
                             f"it must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        self.footprint = Footprint(self.layer_sizes, X.shape[0], options)
        problem = self.footprint.fixed_problem()
        if problem:  # before init_weights and the Stepper allocate anything
            field, why = problem
            raise BudgetError(None, why, field)
        self.X, self.Y = X, Y
        self.seed = seed
        self.dataset_name = str(dataset_name)
        self.initial_learning_rate = float(learning_rate)
        self.test_rows = held_out_rows(X.shape[0], options.test_fraction, seed)
        training = np.ones(X.shape[0], dtype=bool)
        training[self.test_rows] = False
        self.train_rows = np.flatnonzero(training)
        self.stride = self.footprint.stride
        self.capacity = self.footprint.capacity  # the last iteration the budget allows
        self.evaluated = self.footprint.evaluated  # outputs computed after the steps
        self.changes: list[Change] = []
        self.newest = 0
        self.diverged_at = None
        self.seconds_per_step = 0.0  # as the last timed chunk went (see nncore.training)
        try:
            self._allocate(initial_weights, initial_biases)
        except MemoryError:  # within the budget, but the computer has less free
            raise BudgetError(None, f"out of memory: this network and dataset need "
                              f"{amount(self.footprint.nbytes(0))}, more than this computer "
                              "has free", "layer_sizes") from None
        self._current = self.initial_row.copy()  # the row at self.newest
        self._record_current()

    def _allocate(self, initial_weights, initial_biases):
        if self.test_rows.size:
            self.X_train, self.Y_train = self.X[self.train_rows], self.Y[self.train_rows]
            self.Y_test = self.Y[self.test_rows]
        else:
            self.X_train, self.Y_train, self.Y_test = self.X, self.Y, None
        if initial_weights is None:
            initial_weights = init_weights(self.layer_sizes, self.seed,
                                           init=self.options.init)
        self.plan = StepPlan(self.X_train, self.Y_train, self.layer_sizes, self.activations,
                             self.loss, self.options, self.seed)
        self.stepper = self.plan.main
        self.n_params, self.n_theta = self.plan.n_params, self.plan.n_theta
        parts = [np.asarray(W, float).ravel() for W in initial_weights]
        if sum(p.size for p in parts) != self.n_params:
            raise ValueError("initial_weights: shapes do not match layer sizes")
        if self.options.bias:
            n_biases = self.n_theta - self.n_params
            biases = (np.zeros(n_biases) if initial_biases is None else
                      np.concatenate([np.asarray(b, float).ravel() for b in initial_biases]))
            if biases.size != n_biases:
                raise ValueError("initial_biases: sizes do not match layer sizes")
            parts.append(biases)
        elif initial_biases is not None:
            raise ValueError("initial_biases: this network has no biases")
        self.initial_row = np.zeros(self.plan.n_row)  # optimizer state starts at 0
        self.initial_row[:self.n_theta] = np.concatenate(parts)
        self.initial_params = self.initial_row[:self.n_params]
        self.history = History(self.footprint, self)
        self.history.checkpoints[0] = self.initial_row
        self._span = ReplaySpan(self.stride, self.plan.n_row)
        # a chunk's rows before they are filed: [yhat_k | row_{k+1}] of each step when
        # the steps record the outputs and every row is kept, else row_{k+1}
        chunk, width = self.footprint.chunk, self.plan.n_row
        if self.evaluated:
            self._trace = np.empty((chunk, width))
        elif self.stride == 1:
            self._trace = np.empty((chunk, self.stepper.record.size))
        else:
            self._trace = None

    # ---- reading the history -------------------------------------------------------

    @property
    def learning_rate(self):
        """The learning rate in force at the newest iteration."""
        return self.learning_rate_at(self.newest)

    def learning_rate_at(self, k):
        rate = self.initial_learning_rate
        for change in self.changes:
            if change.kind == "learning_rate" and change.iteration <= k:
                rate = change.value
        return rate

    @property
    def losses(self):
        """loss_k (on the training rows) for k = 0..newest (a view; do not modify)."""
        return self.history.losses[:self.newest + 1]

    @property
    def accuracies(self):
        return self.history.accuracies[:self.newest + 1]

    @property
    def test_losses(self):
        """The loss on the held-out rows for k = 0..newest, or None without them."""
        return _upto(self.history.test_losses, self.newest)

    @property
    def test_accuracies(self):
        return _upto(self.history.test_accuracies, self.newest)

    @property
    def penalties(self):
        """The L1/L2 penalty at W_k for k = 0..newest, or None without one."""
        return _upto(self.history.penalties, self.newest)

    @property
    def outputs(self):
        """yhat_k for k = 0..newest on every row of the dataset (held-out rows too),
        shape (newest+1, n_samples, n_out) (a view)."""
        return self.history.outputs[:self.newest + 1]

    def row_at(self, k):
        """The row ``[theta | optimizer state]`` of iteration k (a fresh copy): theta is
        the flat weights then the biases; the state's vectors follow in
        ``options.state_names`` order, each as long as theta."""
        k = self._checked(k)
        if k == self.newest:
            return self._current.copy()
        if k % self.stride == 0:
            return self.history.checkpoints[k // self.stride].copy()
        return self._span.row_at(self, k)

    def hold(self, k):
        """Keep iteration k's row at hand if k is the newest: training on replaces the
        newest row, and reading k after that would replay up to ``stride`` steps from
        its checkpoint. The window holds the iteration it shows, which its views read
        while Play trains past it."""
        if k == self.newest and k % self.stride:
            self._span.hold(k, self._current)

    def params_at(self, k):
        """W_k as one flat vector (layer by layer, row-major); a fresh copy."""
        return self.row_at(k)[:self.n_params]

    def weights_at(self, k):
        """W_k as a list of matrices, ``W[l]`` of shape (n_l, n_{l+1})."""
        return self.unflatten(self.params_at(k))

    def at(self, k):
        """Everything about iteration k (an :class:`~nncore.iteration.Iteration`):
        weights, biases, optimizer state, batch rows, epoch, scores, and the step."""
        return Iteration(self, self._checked(k))

    def restarted(self, learning_rate=None):
        """A new run from this run's very first state (W_0, b_0, its data, options and
        seed), with ``learning_rate`` (default: the initial one) and no history."""
        first = self.at(0)
        return Run(self.X, self.Y, self.layer_sizes, self.activations, self.loss,
                   self.initial_learning_rate if learning_rate is None else learning_rate,
                   self.seed, [W.copy() for W in first.weights], self.dataset_name,
                   self.options,
                   [b.copy() for b in first.biases] if self.options.bias else None)

    def unflatten(self, flat):
        """The weight matrices of the flat vector ``flat`` (views of it)."""
        return unflatten(flat, self.layer_sizes)

    def saved_weights(self):
        """(iterations, flat weights) of every stored row: each iteration when the
        network is small, every ``stride``-th one otherwise. Views; for plotting."""
        rows = self.saved_rows()
        return np.arange(len(rows)) * self.stride, rows

    def saved_rows(self):
        """The flat weights of every stored row (row i: W at i * stride), a view."""
        return self.history.checkpoints[:self.newest // self.stride + 1, :self.n_params]

    @property
    def history_nbytes(self):
        """Bytes of the recorded history and the buffers that make it. Rows reserved
        beyond the newest iteration are not counted: they take address space, and
        memory only once written (see :func:`nncore.memory.grown`)."""
        trace = 0 if self._trace is None else self._trace.nbytes
        return self.history.nbytes(self.newest) + self._span.rows.nbytes + trace

    def gradient_at(self, k):
        """dE/dW at W_k on iteration k's batch, with the penalty's gradient, as a list
        of matrices (for plain gradient descent: what the step from k subtracts, / lr)."""
        return self.at(k).step().gradient_weights

    # ---- training ----------------------------------------------------------------------

    def reserve(self, n):
        """Room for ``n`` more iterations, made now; ``BudgetError`` before anything
        changes if they would pass ``capacity``."""
        target = self.newest + n
        if target > self.capacity:
            raise BudgetError(None, self.footprint.iteration_problem(
                target, f"training to iteration {target}"), "iterations")
        self.history.reserve(target + 1)

    def train(self, n=1, seconds=None, clock=time.perf_counter):
        """Apply up to ``n`` updates from the newest iteration; returns how many.

        Stops early after ``seconds`` of work as ``clock`` (a callable returning
        seconds) measures it, at ``capacity`` when ``seconds`` is given (without it,
        ``n`` updates that would pass ``capacity`` are refused with ``BudgetError``
        before any step), or at divergence: then ``diverged_at`` is the first
        iteration whose parameters, optimizer state, outputs, losses or penalty are
        not finite, and the history ends at the last finite iteration before it.
        """
        return train(self, n, seconds, clock)

    @property
    def full(self):
        """True when the history has reached ``capacity``: training adds nothing."""
        return self.newest >= self.capacity

    def replay(self, changes, iterations, progress=None):
        """Train to ``iterations``, applying each recorded change at its iteration
        (how a saved run is rebuilt from its initial weights); True if it got there.
        ``BudgetError`` before any step if ``iterations`` is past ``capacity``.
        ``progress(done, iterations)``, if given, is called after each slice."""
        return finish(self.replay_steps(changes, iterations, sliced=progress is not None),
                      progress)

    def replay_steps(self, changes, iterations, sliced=True):
        """:meth:`replay` as a generator that yields ``(done, iterations)`` after each
        slice of about SLICE_WORK weight updates (or once, at the end, if not
        ``sliced``), so a caller can keep a window responsive or draw a progress bar."""
        if iterations > self.capacity:
            raise BudgetError(None, self.footprint.iteration_problem(
                iterations, f"replaying {iterations} iterations"), "iteration")
        work = max(self.n_params * self.X.shape[0], CHUNK)
        slice_ = max(1, SLICE_WORK // work) if sliced else iterations + 1
        for change in sorted(changes, key=lambda c: c.iteration):
            while self.newest < change.iteration and self.train(
                    min(slice_, change.iteration - self.newest)):
                yield self.newest, iterations
            if self.newest != change.iteration:
                raise ValueError(f"changes: the run stops at iteration {self.newest} "
                                 f"before the change at iteration {change.iteration}")
            if change.kind == "learning_rate":
                check_learning_rate(change.value)
            self._change(change)
        while self.newest < iterations and self.train(min(slice_, iterations - self.newest)):
            yield self.newest, iterations
        return self.newest == iterations

    # ---- changes in the past --------------------------------------------------------------

    def truncate(self, k):
        """Discard every iteration after ``k`` (and the changes recorded after it)."""
        k = self._checked(k)
        if k == self.newest and self.diverged_at is None:
            return
        self._current = self.row_at(k)
        self.newest = k
        self.diverged_at = None
        self._span.forget()
        self.changes = [c for c in self.changes if c.iteration <= k]
        self._record_current()

    def set_learning_rate(self, k, rate):
        """From iteration ``k`` on, train with ``rate``; later iterations are discarded.
        The optimizer's state at k is kept, as the replay gives it."""
        check_learning_rate(rate)
        self.truncate(k)
        self._change(Change(k, "learning_rate", float(rate)))

    def set_weight(self, k, layer, row, col, value):
        """Set ``W_k[layer][row, col] = value``; later iterations are discarded."""
        value = _finite(value, "weight")
        shape = (self.layer_sizes[layer], self.layer_sizes[layer + 1])
        if not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise ValueError(f"weight: ({row}, {col}) is outside layer {layer} {shape}")
        self.truncate(k)
        self._change(Change(k, "weight", value, layer, row, col))

    def set_bias(self, k, layer, unit, value):
        """Set ``b_k[layer][unit] = value`` (the bias of unit ``unit`` of layer
        ``layer + 1``); later iterations are discarded."""
        value = _finite(value, "bias")
        if not self.options.bias:
            raise ValueError("bias: this network has no biases")
        if not (0 <= layer < len(self.layer_sizes) - 1
                and 0 <= unit < self.layer_sizes[layer + 1]):
            raise ValueError(f"bias: ({layer}, {unit}) is outside layer sizes "
                             f"{self.layer_sizes}")
        self.truncate(k)
        self._change(Change(k, "bias", value, layer, 0, unit))

    def _change(self, change):
        self._span.forget()
        if change.kind != "learning_rate":
            self._current[theta_index(self, change)] = change.value
            if change.iteration % self.stride == 0:
                self.history.checkpoints[change.iteration // self.stride] = self._current
        self.changes.append(change)
        self._record_current()

    # ---- bookkeeping -----------------------------------------------------------------------

    def _checked(self, k):
        k = int(k)
        if not 0 <= k <= self.newest:
            raise IndexError(f"iteration {k} is outside the history 0..{self.newest}")
        return k

    def _record_current(self):
        """Outputs, scores and penalty of the newest iteration (no step has made them)."""
        h = self.history
        h.reserve(self.newest + 1)
        if self.newest % self.stride == 0:
            h.checkpoints[self.newest // self.stride] = self._current
        if self.evaluated:
            h.evaluate(self.newest, self._current[None, :self.n_theta])
            return
        self.plan.load(self._current)
        with np.errstate(all="ignore"):
            h.outputs[self.newest] = self.plan.forward()
        h.score(self.newest, self.newest + 1)


def _upto(array, newest):
    return None if array is None else array[:newest + 1]


def _finite(value, field):
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{field}: {value} is not a finite number")
    return value


def _is_seed(seed):
    return (isinstance(seed, int | np.integer) and not isinstance(seed, bool)
            and 0 <= seed <= MAX_SEED)
