"""A training run that keeps every iteration.

Iteration k holds weights W_k, outputs yhat_k = forward(X, W_k), loss_k and
accuracy_k; then W_{k+1} = W_k - lr * dE/dW(W_k). ``run.newest`` is the newest
recorded iteration, i.e. the number of updates applied so far.

Storage: outputs, loss and accuracy are kept for every iteration; weights too
while a network has few of them, else every ``stride``-th iteration (a checkpoint),
the ones between rebuilt by replaying the same steps from the checkpoint before
them, bit for bit (:mod:`nncore.history`; the memory budget: :mod:`nncore.memory`).

Speed (why training is done in chunks): the step itself is a prepared list of
numpy calls (see :class:`~nncore.stepper.Stepper`); per step, training copies
one row out of the stepper and nothing else. Negating the weights back, loss,
accuracy and the finiteness check run vectorised once per chunk of steps.

Changes in the past (a weight edit, a learning-rate change) follow undo-stack
rules: the iterations after the change are discarded, and the change is recorded
with its iteration so that a replay from the initial weights repeats it exactly.
"""

from __future__ import annotations

import time

import numpy as np

from .errors import BudgetError
from .history import Change, History
from .memory import CHUNK, Footprint, amount
from .network import check_architecture, check_learning_rate, init_weights, unflatten
from .replay import ReplaySpan, finish, weight_index
from .stepper import Stepper

# Weight updates (weights x samples) in one slice of a replay: short enough (see
# docs/performance.md) that a window replaying a long file stays responsive.
SLICE_WORK = 2**19


class Run:
    """Dataset, architecture and the full training history of one network.

    Its memory is budgeted (see :mod:`nncore.memory`): a network and dataset whose
    buffers alone would pass the budget are refused with ``BudgetError`` before
    anything is allocated, and ``capacity`` is the last iteration the history may
    reach.
    """

    def __init__(self, X, Y, layer_sizes, activations=None, loss="sse",
                 learning_rate=1.0, seed=1, initial_weights=None, dataset_name="custom"):
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
        check_learning_rate(learning_rate)
        self.footprint = Footprint(self.layer_sizes, X.shape[0])
        problem = self.footprint.fixed_problem()
        if problem:  # before init_weights and the Stepper allocate anything
            field, why = problem
            raise BudgetError(None, why, field)
        self.X, self.Y = X, Y
        self.seed = seed
        self.dataset_name = str(dataset_name)
        self.initial_learning_rate = float(learning_rate)
        self.stride = self.footprint.stride
        self.capacity = self.footprint.capacity  # the last iteration the budget allows
        self._chunk = self.footprint.chunk
        self.changes: list[Change] = []
        self.newest = 0
        self.diverged_at = None
        try:
            self._allocate(initial_weights)
        except MemoryError:  # within the budget, but the computer has less free
            raise BudgetError(None, f"out of memory: this network and dataset need "
                              f"{amount(self.footprint.nbytes(0))}, more than this computer "
                              "has free", "layer_sizes") from None
        self._current = self.initial_params.copy()  # W at self.newest
        self._record_current()

    def _allocate(self, initial_weights):
        if initial_weights is None:
            initial_weights = init_weights(self.layer_sizes, self.seed)
        self.stepper = Stepper(self.X, self.Y, self.layer_sizes, self.activations, self.loss)
        self.n_params = self.stepper.n_params
        self.initial_params = np.concatenate([np.asarray(W, float).ravel()
                                              for W in initial_weights])
        if self.initial_params.size != self.n_params:
            raise ValueError("initial_weights: shapes do not match layer sizes")
        self.history = History(self.footprint, self.Y, self.loss)
        self.history.checkpoints[0] = self.initial_params
        self._span = ReplaySpan(self.stride, self.n_params)
        # dense mode: [yhat_k | -W_{k+1}] of each step of a chunk, before they are filed
        self._trace = (np.empty((self._chunk, self.stepper.record.size))
                       if self.stride == 1 else None)

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
        """loss_k for k = 0..newest (a view; do not modify)."""
        return self.history.losses[:self.newest + 1]

    @property
    def accuracies(self):
        return self.history.accuracies[:self.newest + 1]

    @property
    def outputs(self):
        """yhat_k for k = 0..newest, shape (newest+1, n_samples, n_out) (a view)."""
        return self.history.outputs[:self.newest + 1]

    def params_at(self, k):
        """W_k as one flat vector (layer by layer, row-major); a fresh copy."""
        k = self._checked(k)
        if k == self.newest:
            return self._current.copy()
        if k % self.stride == 0:
            return self.history.checkpoints[k // self.stride].copy()
        return self._span.weights_at(self, k)

    def weights_at(self, k):
        """W_k as a list of matrices, ``W[l]`` of shape (n_l, n_{l+1})."""
        return self.unflatten(self.params_at(k))

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
        return self.history.checkpoints[:self.newest // self.stride + 1]

    @property
    def history_nbytes(self):
        """Bytes of the recorded history and the buffers that make it. Rows reserved
        beyond the newest iteration are not counted: they take address space, and
        memory only once written (see :func:`nncore.memory.grown`)."""
        trace = 0 if self._trace is None else self._trace.nbytes
        return self.history.nbytes(self.newest) + self._span.rows.nbytes + trace

    def gradient_at(self, k):
        """dE/dW at W_k as a list of matrices (what the step from k subtracts, / lr)."""
        stepper = self.stepper
        stepper.set_params(self.params_at(k))
        with np.errstate(all="ignore"):
            stepper.gradient()
        return [g.copy() for g in stepper.grads]

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
        before any step), or at divergence: then
        ``diverged_at`` is the first iteration whose weights, outputs or loss are
        not finite, and the history ends at the last finite iteration before it.
        """
        if self.diverged_at is not None or n <= 0:
            return 0
        if seconds is None:  # all n will be made (unless it diverges): room for them at once
            self.reserve(n)
        elif self.newest + n > self.capacity:
            n = self.capacity - self.newest
            if n <= 0:
                return 0
        deadline = None if seconds is None else clock() + seconds
        start, stride, stepper, h = self.newest, self.stride, self.stepper, self.history
        stepper.set_params(self._current)
        ops = stepper.step_ops(self.learning_rate)
        n_out = h.outputs[0].size
        with np.errstate(all="ignore"):
            while self.newest < start + n:
                first = self.newest
                count = min(self._chunk, start + n - first)
                try:
                    h.reserve(first + count + 1)
                except BudgetError:
                    if deadline is None:
                        raise
                    self.capacity = self.newest  # less memory free than the budget allows
                    break
                if stride == 1:
                    trace = self._trace[:count]
                    stepper.run(ops, count, trace, stepper.record)
                    h.outputs[first:first + count].reshape(count, n_out)[:] = trace[:, :n_out]
                    np.negative(trace[:, n_out:], out=h.checkpoints[first + 1:first + count + 1])
                else:
                    self._run_to_checkpoints(ops, first, count)
                previous, self._current = self._current, stepper.params
                self.newest = first + count
                h.outputs[self.newest] = stepper.forward()  # the newest iteration's too
                h.score(first, self.newest + 1)
                if not (np.isfinite(h.losses[first:self.newest + 1]).all()
                        and np.isfinite(self._current).all()):
                    # a non-finite weight stays non-finite, so the chunk's last
                    # weights and its losses (which see every output) cover it all
                    self._find_divergence(first, previous)
                    return self.newest - start
                if deadline is not None and clock() > deadline:
                    break
        return self.newest - start

    def _run_to_checkpoints(self, ops, first, count):
        """Checkpoint mode: ``count`` steps from ``first`` recording the outputs, and
        the weights at each checkpoint passed."""
        stepper, stride, h = self.stepper, self.stride, self.history
        k, end, n_out = first, first + count, h.outputs[0].size
        while k < end:
            steps = min(end - k, stride - k % stride)
            stepper.run(ops, steps, h.outputs[k:k + steps].reshape(steps, n_out),
                        stepper.record[:n_out])
            k += steps
            if k % stride == 0:
                np.negative(stepper.negated, out=h.checkpoints[k // stride])

    def _find_divergence(self, first, first_params):
        """Step again from ``first`` one update at a time to find the first bad
        iteration; keep everything before it."""
        end, stepper, lr, h = self.newest, self.stepper, self.learning_rate, self.history
        self.newest, self._current = first, first_params
        stepper.set_params(first_params)
        with np.errstate(all="ignore"):
            for k in range(first, end + 1):
                h.outputs[k] = stepper.step(lr)
                h.score(k, k + 1)
                if not np.isfinite(h.losses[k]):
                    bad = k  # W_k is finite but its outputs or loss are not
                    break
                params = stepper.params
                if not np.isfinite(params).all():
                    bad = k + 1
                    break
                self.newest, self._current = k + 1, params
                if self.newest % self.stride == 0:
                    h.checkpoints[self.newest // self.stride] = params
            else:
                raise AssertionError("a divergence seen in a chunk did not recur step by step")
        if bad == self.newest and bad > 0:
            self.truncate(bad - 1)
        else:
            self._record_current()
        self.diverged_at = bad

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
        self._current = self.params_at(k)
        self.newest = k
        self.diverged_at = None
        self._span.forget()
        self.changes = [c for c in self.changes if c.iteration <= k]
        self._record_current()

    def set_learning_rate(self, k, rate):
        """From iteration ``k`` on, train with ``rate``; later iterations are discarded."""
        check_learning_rate(rate)
        self.truncate(k)
        self._change(Change(k, "learning_rate", float(rate)))

    def set_weight(self, k, layer, row, col, value):
        """Set ``W_k[layer][row, col] = value``; later iterations are discarded."""
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"weight: {value} is not a finite number")
        shape = (self.layer_sizes[layer], self.layer_sizes[layer + 1])
        if not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise ValueError(f"weight: ({row}, {col}) is outside layer {layer} {shape}")
        self.truncate(k)
        self._change(Change(k, "weight", value, layer, row, col))

    def _change(self, change):
        self._span.forget()
        self._apply(change)
        self.changes.append(change)
        self._record_current()

    def _apply(self, change):
        if change.kind == "weight":
            self._current[weight_index(self, change)] = change.value
            if change.iteration % self.stride == 0:
                self.history.checkpoints[change.iteration // self.stride] = self._current

    # ---- bookkeeping -----------------------------------------------------------------------

    def _checked(self, k):
        k = int(k)
        if not 0 <= k <= self.newest:
            raise IndexError(f"iteration {k} is outside the history 0..{self.newest}")
        return k

    def _record_current(self):
        """Outputs, loss and accuracy of the newest iteration (no step has made them)."""
        h = self.history
        h.reserve(self.newest + 1)
        if self.newest % self.stride == 0:
            h.checkpoints[self.newest // self.stride] = self._current
        self.stepper.set_params(self._current)
        with np.errstate(all="ignore"):
            h.outputs[self.newest] = self.stepper.forward()
        h.score(self.newest, self.newest + 1)
