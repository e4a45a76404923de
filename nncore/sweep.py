"""A sweep: many runs of one network trained at once, differing in seed and
learning rate.

The runs share the architecture, the dataset, the loss and every training option;
run i has seed ``seeds[i]`` (its initial weights, held-out rows and mini-batch
order, as :mod:`nncore.options` draws them) and learning rate
``learning_rates[i]``. The grid of :meth:`Sweep.grid` puts the seeds outer: runs
0..L-1 are the first seed with each of the L rates, and so on.

Each run is the run :class:`~nncore.run.Run` makes alone with that seed and rate.
The step is the single run's calls with a run axis, in one of two forms: the fast
one (:mod:`nncore.sweep_fast`, runs-last, products summed without a BLAS call per
run) agrees with the single run within 1e-12 relative; the exact one
(:mod:`nncore.sweep_step`, one BLAS product per run) to the last bit. ``exact``
chooses; by default the exact one serves RMSprop and Adam (SELF_SCALING), the fast
one the others. The scores are computed by the single run's functions
(:func:`~nncore.network.batch_loss`, :func:`~nncore.network.forward_many`).

What is kept: every run's final parameters and optimizer state, its final scores,
and its loss and accuracy (and test loss and accuracy) at every ``stride``-th
iteration and at the last one, the stride chosen so that those curves fit in
``RECORD_BYTES``. Training goes in chunks (:meth:`Sweep.steps`), so a caller can
show progress and stop.

Divergence follows :attr:`Run.diverged_at`: the first iteration whose parameters,
optimizer state or scores are not finite. It is noticed after each chunk (from
the parameters, the scores at recorded iterations and the scores at the chunk's
end), then found step by step for the runs concerned, as the single run does; the
run keeps the last finite iteration (``diverged_at - 1``) and the others go on. A
score that is not finite while the parameters stay finite (an unbounded output
that overflows a squared error) is checked at every iteration when the output
layer is linear or relu, and otherwise cannot happen.
"""

from __future__ import annotations

import numpy as np

from .errors import BudgetError
from .memory import MIB, amount
from .network import (
    batch_accuracy,
    batch_loss,
    check_learning_rate,
    forward_many,
    penalty_value,
    unflatten,
)
from .run import Run, _is_seed
from .sweep_fast import RunsLastStepper
from .sweep_rows import RunRows, scaled_weights
from .sweep_step import BatchStepper, shared_product_is_exact

MAX_RUNS = 100_000  # runs in one sweep; the memory budget usually binds first
RECORD_BYTES = 64 * MIB  # the curves: loss and accuracy (and test) of every run
SWEEP_BYTES = 192 * MIB  # everything a sweep allocates, curves included
PREPARE_BLOCK = 32  # seeds whose initial weights are drawn between two yields
CHUNK_WORK = 2**24  # runs x weights x batch rows per chunk: a few tens of milliseconds
SCORES = ("loss", "accuracy", "test_loss", "test_accuracy")
# optimizers that divide the gradient by its own running size: rounding in a gradient
# that should vanish becomes a whole step, so only the exact step follows the single run
SELF_SCALING = ("rmsprop", "adam")


class Sweep:
    """Runs ``(seeds[i], learning_rates[i])`` of one network, trained ``iterations``
    steps together. Use :meth:`grid` for every seed with every rate.

    After :meth:`train` (or exhausting :meth:`steps`): ``final_rows[i]`` is run i's
    ``[theta | optimizer state]`` at ``last_iteration[i]`` (``iterations``, or
    ``diverged_at - 1``), ``final[name][i]`` its scores there, and
    ``curves[name][j, i]`` its score at iteration ``recorded[j]`` (NaN from its
    divergence on; the test scores are None without held-out rows).
    """

    def __init__(self, X, Y, layer_sizes, activations=None, loss="sse", seeds=(1,),
                 learning_rates=(1.0,), iterations=1000, options=None, stride=None,
                 exact=None):
        if len(seeds) != len(learning_rates) or not len(seeds):
            raise ValueError("seeds: need one learning rate per seed, and at least one run")
        if len(seeds) > MAX_RUNS:
            raise BudgetError(None, f"{len(seeds)} runs is more than a sweep may train "
                              f"({MAX_RUNS})", "runs")
        for seed in seeds:
            if not _is_seed(seed):
                raise ValueError(f"seed: must be a whole number from 0 to 2**32-1, got {seed!r}")
        rates = [check_learning_rate(rate) for rate in learning_rates]
        if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer) \
                or iterations < 0:
            raise ValueError(f"iterations: must be a whole number of 0 or more, got {iterations!r}")
        # the single run checks everything else, and resolves the defaults
        first = Run(X, Y, layer_sizes, activations, loss, rates[0], int(seeds[0]),
                    options=options)
        self.X, self.Y = first.X, first.Y
        self.layer_sizes, self.activations = first.layer_sizes, first.activations
        self.loss, self.options = loss, first.options
        self.seeds = np.array([int(s) for s in seeds], dtype=np.int64)
        self.learning_rates = np.array(rates)
        self.iterations = int(iterations)
        self.exact = self.options.optimizer in SELF_SCALING if exact is None else bool(exact)
        self.evaluated = first.evaluated
        self.rows = RunRows(self.X, self.Y, self.seeds, self.options)
        self.stride = self._check_budget(stride)
        runs, n_rec = len(self.seeds), self.iterations // self.stride + 1
        self.recorded = np.arange(n_rec) * self.stride
        if self.recorded[-1] != self.iterations:
            self.recorded = np.append(self.recorded, self.iterations)
        held_out = self.rows.n_test > 0
        self.curves = {name: (np.full((len(self.recorded), runs), np.nan)
                              if held_out or not name.startswith("test") else None)
                       for name in SCORES}
        self.final = {name: np.full(runs, np.nan) for name in SCORES}
        self.diverged_at = np.full(runs, -1, dtype=np.int64)
        self.last_iteration = np.full(runs, self.iterations, dtype=np.int64)
        self.done = 0
        self._score_each = self.activations[-1] in ("linear", "relu")
        self.n_params, self.n_theta = first.n_params, first.n_theta
        self.final_rows = np.zeros((runs, first.plan.n_row))  # the initial rows, once drawn
        self._stepper = None  # made when the initial weights are drawn, by steps()
        self.chunk = max(1, CHUNK_WORK // (runs * self.n_params * self.rows.batch))

    @classmethod
    def grid(cls, X, Y, layer_sizes, activations=None, loss="sse", seeds=(1,),
             learning_rates=(1.0,), **kwargs):
        """Every seed with every learning rate, seeds outer."""
        pairs = [(s, lr) for s in seeds for lr in learning_rates]
        return cls(X, Y, layer_sizes, activations, loss, [s for s, _ in pairs],
                   [lr for _, lr in pairs], **kwargs)

    @property
    def runs(self):
        return len(self.seeds)

    # ---- the budget --------------------------------------------------------------------

    def _check_budget(self, stride):
        """The recording stride (the given one, or the smallest whose curves fit in
        RECORD_BYTES); BudgetError naming ``runs`` if the sweep would pass SWEEP_BYTES."""
        runs, sizes, n = len(self.seeds), self.layer_sizes, len(self.X)
        series = 4 if self.rows.n_test else 2
        if stride is None:
            per_row = 8 * runs * series
            stride = 1
            while (self.iterations // stride + 2) * per_row > RECORD_BYTES:
                stride *= 2
        n_theta = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False)) + sum(sizes[1:])
        n_row = n_theta * (1 + len(self.options.state_names))
        width = sizes[0] + sizes[-1]
        per_run = 8 * (5 * n_row + 4 * n_theta + 4 * n * width + 2 * n
                       + 6 * self.rows.batch * sum(sizes[1:]) + 4 * n * sizes[-1])
        need = per_run * runs + (self.iterations // stride + 2) * 8 * runs * series
        if need > SWEEP_BYTES:
            raise BudgetError(None, f"{runs} runs of this network and dataset need about "
                              f"{amount(need)}; a sweep may take {amount(SWEEP_BYTES)}", "runs")
        return int(stride)

    # ---- training ----------------------------------------------------------------------

    def train(self, progress=None):
        """Train every run to ``iterations`` (or its divergence). ``progress(done,
        iterations)``, if given, is called after each chunk."""
        for done in self.steps():
            if progress is not None:
                progress(done, self.iterations)
        return self

    def steps(self):
        """Draw the initial weights, then train chunk by chunk, yielding the
        iterations done after each (0 while drawing); stopping the generator leaves
        every run at the last chunk's end (``done``)."""
        if self._stepper is None and not self.done:
            yield from self._prepare()
        with np.errstate(all="ignore"):
            while self.done < self.iterations and self._stepper is not None:
                end = min(self.done + self.chunk, self.iterations)
                self._chunk(self.done, end)
                self.done = end
                yield end
        if self._stepper is None:  # every run diverged
            self.done = self.iterations

    def _prepare(self):
        """Every run's initial weights, PREPARE_BLOCK seeds at a time: drawing them is
        Python work that a window should not wait for in one piece."""
        drawn, generator = {}, np.random.RandomState()
        for start in range(0, self.runs, PREPARE_BLOCK):
            for i in range(start, min(start + PREPARE_BLOCK, self.runs)):
                seed = int(self.seeds[i])
                if seed not in drawn:  # init_weights' numbers: one stream, layer after layer;
                    generator.seed(seed)  # reseeding is far quicker than a new generator
                    drawn[seed] = scaled_weights(2 * generator.random_sample(self.n_params) - 1,
                                          self.layer_sizes, self.options.init)
                self.final_rows[i, :self.n_params] = drawn[seed]
            yield 0
        self._stepper = self._make_stepper(np.arange(self.runs), self.final_rows)

    def _chunk(self, first, end):
        stepper = self._stepper
        start_rows, suspect = stepper.rows(), np.zeros(len(stepper.index), dtype=bool)
        for k in range(first, end):
            buffers = self.rows.fill(stepper, k)
            recorded = k % self.stride == 0
            if recorded or self._score_each:
                stepper.gradient(buffers)
                scores = self._scores(stepper, buffers)
                suspect |= ~_finite(scores)
                if recorded:
                    self._record(k, stepper.index, scores)
                stepper.apply_update(k + 1)
            else:
                stepper.step(buffers, k + 1)
        scores = self._scores_now(stepper, end)
        suspect |= ~_finite(scores) | ~np.isfinite(stepper.raw).all(axis=1)
        if end == self.iterations:
            self._record(end, stepper.index, scores)
        if suspect.any():
            self._find_divergence(start_rows[suspect], stepper.index[suspect], first, end)
        keep = ~suspect
        index = stepper.index[keep]
        self.final_rows[index] = stepper.rows()[keep]
        for name in SCORES:
            if scores[name] is not None:
                self.final[name][index] = scores[name][keep]
        if suspect.any():
            self._stepper = self._make_stepper(index, stepper.rows()[keep]) if keep.any() \
                else None

    def _find_divergence(self, rows, index, first, end):
        """Step the runs ``index`` from ``rows`` at iteration ``first`` one at a time
        to find each one's first bad iteration, as :func:`nncore.training.train` does."""
        stepper = self._make_stepper(index, rows)
        bad = np.full(len(index), -1, dtype=np.int64)
        kept, current = rows.copy(), rows.copy()  # W_{k-1} and W_k of each run
        for k in range(first, end + 1):
            buffers = self.rows.fill(stepper, k)
            stepper.gradient(buffers)
            scores = self._scores(stepper, buffers)
            bad[(bad < 0) & ~_finite(scores)] = k  # W_k is finite, its scores are not
            if k == end:
                break
            stepper.apply_update(k + 1)
            after, live = stepper.rows(), bad < 0
            kept[live] = current[live]
            bad[live & ~np.isfinite(after).all(axis=1)] = k + 1
            current = after
        if (bad < 0).any():
            raise AssertionError("a divergence seen in a chunk did not recur step by step")
        self._settle(index, bad, kept)

    def _settle(self, index, bad, last_rows):
        """Runs ``index`` diverged at ``bad``: keep their last finite state (the
        scores are computed again from it: the same numbers)."""
        self.diverged_at[index] = bad
        self.last_iteration[index] = np.maximum(bad - 1, 0)
        self.final_rows[index] = last_rows
        scored = self._scores_of_rows(index, last_rows)
        for name in SCORES:
            if scored[name] is not None:
                self.final[name][index] = scored[name]
        for j, k in enumerate(self.recorded):
            late = index[bad <= k]
            for name in SCORES:
                if self.curves[name] is not None:
                    self.curves[name][j, late] = np.nan

    # ---- scores ----------------------------------------------------------------------

    def _scores(self, stepper, buffers):
        """Scores of the current parameters; with full batches and every row trained
        on, from the step's own output (as the single run scores them)."""
        if self.evaluated:
            return self._evaluate(stepper.index, stepper.rows()[:, :self.n_theta])
        yhat, scores = buffers.output, dict.fromkeys(SCORES)
        if self.loss == "sse" and hasattr(buffers, "squared_error"):  # the fast step's own
            scores["loss"], scores["accuracy"] = buffers.squared_error(self.options.reduction)
            return scores
        scores["loss"] = batch_loss(yhat, self.Y, self.loss, reduction=self.options.reduction)
        scores["accuracy"] = batch_accuracy(yhat, self.Y, self.loss)
        return scores

    def _scores_now(self, stepper, k):
        if self.evaluated:
            return self._scores(stepper, None)
        buffers = self.rows.fill(stepper, k)
        stepper.gradient(buffers)
        return self._scores(stepper, buffers)

    def _scores_of_rows(self, index, rows):
        return self._scores_now(self._make_stepper(index, rows), 0)

    def _evaluate(self, index, thetas):
        """Every row's output from the parameters, scored on each run's own rows."""
        yhat = forward_many(self.X, thetas, self.layer_sizes, self.activations,
                            self.options.bias)
        rows, reduction = self.rows, self.options.reduction
        scores = dict.fromkeys(SCORES)
        train = np.take_along_axis(yhat, rows.train[index][:, :, None], axis=1)
        scores["loss"] = batch_loss(train, rows.Y_train[index], self.loss, reduction=reduction)
        scores["accuracy"] = batch_accuracy(train, rows.Y_train[index], self.loss)
        if rows.n_test:
            test = np.take_along_axis(yhat, rows.test[index][:, :, None], axis=1)
            Y_test = rows.Y_test[index]
            scores["test_loss"] = batch_loss(test, Y_test, self.loss, reduction=reduction)
            scores["test_accuracy"] = batch_accuracy(test, Y_test, self.loss)
        if self.options.has_penalty:
            scores["penalty"] = penalty_value(thetas[:, :self.n_params], self.options.l1,
                                              self.options.l2)
        return scores

    def _record(self, k, index, scores):
        j = int(np.searchsorted(self.recorded, k))
        if j < len(self.recorded) and self.recorded[j] == k:
            for name in SCORES:
                if self.curves[name] is not None:
                    self.curves[name][j, index] = scores[name]

    # ---- runs --------------------------------------------------------------------------

    def _make_stepper(self, index, rows):
        """A stepper for runs ``index``, from their ``rows``: the exact one, or the
        fast one (runs-last, products summed otherwise than BLAS sums them)."""
        shared = self.rows.shareable  # every run reads the same rows
        if self.exact:
            shared = shared and shared_product_is_exact(self.X, self.layer_sizes[1], len(index))
        make = BatchStepper if self.exact else RunsLastStepper
        stepper = make(self.layer_sizes, self.activations, self.loss, self.options,
                      self.learning_rates[index], shared)
        stepper.index = np.asarray(index)  # which runs of the sweep it steps
        stepper.load(rows)
        return stepper

    def weights(self, i):
        """Run i's final weight matrices (at ``last_iteration[i]``)."""
        return unflatten(self.final_rows[i, :self.n_params].copy(), self.layer_sizes)

    def biases(self, i):
        """Run i's final bias vectors, or None without biases."""
        if not self.options.bias:
            return None
        theta, out = self.final_rows[i, :self.n_theta], []
        offset = self.n_params
        for m in self.layer_sizes[1:]:
            out.append(theta[offset:offset + m].copy())
            offset += m
        return out

    def single_run(self, i):
        """Run i as a fresh :class:`~nncore.run.Run` (iteration 0), to replay alone."""
        return Run(self.X, self.Y, self.layer_sizes, self.activations, self.loss,
                   float(self.learning_rates[i]), int(self.seeds[i]), options=self.options)

    def diverged(self, i):
        """Run i's ``diverged_at``, or None."""
        return None if self.diverged_at[i] < 0 else int(self.diverged_at[i])

    def solved(self):
        """Which runs reached accuracy 1 on the training rows at their last iteration."""
        return self.final["accuracy"] == 1.0


def _finite(scores):
    ok = np.ones(len(scores["loss"]), dtype=bool)
    for name in SCORES + ("penalty",):
        if scores.get(name) is not None:
            ok &= np.isfinite(scores[name])
    return ok
