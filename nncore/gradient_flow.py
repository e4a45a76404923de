"""Where the gradient flows: its size in each layer at iteration k, derived from the
history, and the units that block it.

**Gradient norm.** ``gradient_norms(run, ks)[i, l]`` is the Frobenius norm
‖∂E/∂W_l‖ = sqrt(sum of squares) at W_k (k = ks[i]), E being the data loss on
iteration k's batch with the run's reduction: the gradient the step from k takes,
without the L1/L2 penalty's part (a penalty's gradient is λW, which does not
vanish with depth) and without the biases. Nothing is recorded during training:
each value is one backward pass from the parameters the history keeps, stacked
over many iterations at once; it equals ``run.at(k).step().gradient`` to rounding.

A plot needs as many points as it has pixels, not one per iteration:
:class:`GradientFlow` computes the norms at every ``step``-th iteration, ``step``
being the smallest power of two that keeps the points to at most ``max_points``,
plus the newest iteration. Once the run is ``max_points`` times the history's
stride long, every point sits where the history keeps the parameters (no replay);
a shorter run replays the few rows between. Each point is computed once and kept
until a change in the past makes it stale, and when the run doubles in length the
new sample is a subset of the old one. Any single iteration (the cursor's) is
available exactly with ``at([k])``.

**Unit states** at iteration k, over the training rows at W_k (s is a unit's
weighted sum, bias included):

* *saturated*: a sigmoid unit with |s| >= 4 (σ'(s) <= 0.018, under a fourteenth of
  its peak 0.25) or a tanh unit with |s| >= 2 (tanh'(s) <= 0.071, a fourteenth of
  its peak 1) on at least 90% of the rows: its slope multiplies every gradient
  that passes through it, so almost nothing reaches the weights below it.
* *dead*: a ReLU unit with s <= 0 on every row: its slope is 0 everywhere, so
  its incoming weights get no gradient at all and it cannot come back by itself.

Output units count only where their slope enters the gradient: not a sigmoid with
``bce`` (nor a softmax with ``ce``), whose slope cancels out of ŷ − y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .initial_weights import weight_shapes
from .network import activate_in_place, output_delta, slope

SATURATION = {"sigmoid": 4.0, "tanh": 2.0}  # |s| from which the slope is under 1/14 of its peak
SATURATED_SHARE = 0.9  # of the training rows
BLOCK_BYTES = 8 * 2**20  # the activations of one stack of iterations


def theta_rows(run, iterations):
    """``(len(iterations), n_theta)``: theta at each iteration, from the stored rows
    where the history keeps them (replaying the others from their checkpoint)."""
    iterations = np.asarray(iterations, dtype=int)
    out = np.empty((len(iterations), run.n_theta))
    stored = (iterations % run.stride == 0) & (iterations < run.newest)
    out[stored] = run.history.checkpoints[iterations[stored] // run.stride, :run.n_theta]
    for i in np.flatnonzero(~stored):
        out[i] = run.row_at(int(iterations[i]))[:run.n_theta]
    return out


def _stack_size(run, rows):
    """Iterations stacked at once: their activations (and their parameters) within
    about BLOCK_BYTES."""
    per_iteration = 16 * rows * max(run.layer_sizes) + 16 * run.n_theta
    return max(1, BLOCK_BYTES // per_iteration)


def _parameters(run, thetas):
    """Weight stacks (c, n_in, n_out) and bias stacks (c, 1, n_out) or None."""
    c, offset = len(thetas), 0
    weights = []
    for n_in, n_out in weight_shapes(run.layer_sizes):
        weights.append(thetas[:, offset:offset + n_in * n_out].reshape(c, n_in, n_out))
        offset += n_in * n_out
    if not run.options.bias:
        return weights, [None] * len(weights)
    biases = []
    for n_out in run.layer_sizes[1:]:
        biases.append(thetas[:, None, offset:offset + n_out])
        offset += n_out
    return weights, biases


def _forward(run, X, weights, biases, keep_sums=False):
    """The activations a of every layer, stacked over iterations, and their sums s
    (with ``keep_sums``; else None)."""
    sums, layers = [], [X]
    for W, b, name in zip(weights, biases, run.activations, strict=True):
        s = np.matmul(layers[-1], W)
        if b is not None:
            s += b
        if keep_sums:
            sums.append(s)
            s = s.copy()
        layers.append(activate_in_place(name, s))  # fewer temporaries, the same values
    return (sums if keep_sums else None), layers


def gradient_norms(run, iterations):
    """``(len(iterations), n_layers)``: ‖∂E/∂W_l‖ at each iteration (see the module)."""
    iterations = np.asarray(iterations, dtype=int)
    out = np.empty((len(iterations), len(run.layer_sizes) - 1))
    if not len(iterations):
        return out
    schedule = run.plan.schedule
    step = _stack_size(run, schedule.size)
    with np.errstate(all="ignore"):
        if schedule.full:
            for start in range(0, len(iterations), step):
                ks = iterations[start:start + step]
                out[start:start + step] = _norms(run, theta_rows(run, ks), run.X_train,
                                                 run.Y_train)
            return out
        # mini-batches: iterations whose batches are the same size go through together
        sizes = np.array([len(schedule.positions(int(k))) for k in iterations])
        for size in np.unique(sizes):
            picked = np.flatnonzero(sizes == size)
            for start in range(0, len(picked), step):
                idx = picked[start:start + step]
                rows = np.stack([schedule.positions(int(k)) for k in iterations[idx]])
                out[idx] = _norms(run, theta_rows(run, iterations[idx]), run.X_train[rows],
                                  run.Y_train[rows])
    return out


def _norms(run, thetas, X, Y):
    weights, biases = _parameters(run, thetas)
    _, layers = _forward(run, X, weights, biases)
    acts = run.activations
    delta = output_delta(layers[-1], Y, acts[-1], run.loss)
    if run.options.reduction == "mean":
        delta = delta / Y.shape[-2]
    norms = np.empty((len(thetas), len(weights)))
    for k in range(len(weights) - 1, -1, -1):
        grad = np.matmul(np.swapaxes(layers[k], -1, -2), delta)
        norms[:, k] = np.sqrt(np.einsum("cij,cij->c", grad, grad))
        if k:
            delta = np.matmul(delta, np.swapaxes(weights[k], -1, -2)) * slope(acts[k - 1],
                                                                               layers[k])
    return norms


class GradientFlow:
    """The gradient norms of ``run`` for a plot, computed as needed and kept (see the
    module's docstring). ``max_points``: the most sampled iterations drawn."""

    def __init__(self, run, max_points=1024):
        self.run, self.max_points = run, max_points
        self._norms = {}
        self._changes = list(run.changes)

    def sample(self):
        """The iterations drawn: every ``step``-th, and the newest."""
        run = self.run
        step = 1
        while run.newest // step + 1 > self.max_points:
            step *= 2
        ks = np.arange(0, run.newest + 1, step)
        return ks if ks[-1] == run.newest else np.append(ks, run.newest)

    def curves(self, limit=None):
        """``(iterations, norms, complete)``: the sample and its norms, ``(len,
        n_layers)``. With ``limit``, at most that many norms not known yet are
        computed (spread over the sample), the iterations returned are those known,
        and ``complete`` says whether that is the whole sample: a window draws what
        it has and asks again, so a long run's first drawing never blocks it."""
        ks = self.sample()
        self._forget_stale()
        missing = [int(k) for k in ks if int(k) not in self._norms]
        if limit is not None and len(missing) > limit:
            picked = missing[::-(-len(missing) // limit)]
            self.at(picked)
            known = np.array([int(k) in self._norms for k in ks], dtype=bool)
            ks = ks[known]
            return ks, self.at(ks), False
        return ks, self.at(ks), True

    def at(self, iterations):
        """The norms at ``iterations`` (kept for the next call)."""
        self._forget_stale()
        missing = [int(k) for k in iterations if int(k) not in self._norms]
        if missing:
            for k, row in zip(missing, gradient_norms(self.run, missing), strict=True):
                self._norms[k] = row
        n = len(self.run.layer_sizes) - 1
        return np.array([self._norms[int(k)] for k in iterations]).reshape(-1, n)

    def _forget_stale(self):
        """Drop what a change in the past, or a cut, has made stale."""
        run, kept = self.run, self._changes
        stale = run.newest + 1
        if run.changes != kept:
            same = 0
            while same < min(len(kept), len(run.changes)) and kept[same] == run.changes[same]:
                same += 1
            firsts = [c.iteration for c in kept[same:] + run.changes[same:]]
            stale = min(stale, *firsts)
            self._changes = list(run.changes)
        # the newest row may still change (a truncation and an edit there): recompute it
        self._norms = {k: v for k, v in self._norms.items() if k < min(stale, run.newest)}


# ---- units that block the gradient ---------------------------------------------------------


@dataclass(frozen=True)
class UnitStates:
    """Which units are saturated or dead at one iteration, per layer after the input
    (``saturated[l][j]``: unit j of layer l + 1), with ``share[l][j]``, the fraction
    of training rows on which the unit is beyond its threshold (sigmoid, tanh) or at
    zero (ReLU); layers whose units cannot be either have all False."""
    saturated: list
    dead: list
    share: list

    @property
    def any_saturated(self):
        return any(s.any() for s in self.saturated)

    @property
    def any_dead(self):
        return any(d.any() for d in self.dead)


def checked_layers(run):
    """Per layer after the input: the activation whose units can block, or None."""
    names = list(run.activations)
    if run.loss in ("bce", "ce"):
        names[-1] = None  # the output's slope cancels out of yhat - y
    return [name if name in ("sigmoid", "tanh", "relu") else None for name in names]


def unit_flags(run, iterations):
    """``(saturated, dead, share)``: per iteration, every unit after the input in
    layer order, as arrays ``(len(iterations), n_units)`` (see :class:`UnitStates`)."""
    iterations = np.asarray(iterations, dtype=int)
    n_units = sum(run.layer_sizes[1:])
    saturated = np.zeros((len(iterations), n_units), dtype=bool)
    dead = np.zeros((len(iterations), n_units), dtype=bool)
    share = np.zeros((len(iterations), n_units))
    kinds = checked_layers(run)
    if not any(kinds) or not len(iterations):
        return saturated, dead, share
    X = run.X_train
    step = _stack_size(run, len(X))
    with np.errstate(all="ignore"):
        for start in range(0, len(iterations), step):
            ks = iterations[start:start + step]
            sums, _ = _forward(run, X, *_parameters(run, theta_rows(run, ks)), keep_sums=True)
            offset = 0
            for s, kind in zip(sums, kinds, strict=True):
                width, part = s.shape[-1], slice(start, start + len(ks))
                cols = slice(offset, offset + width)
                if kind == "relu":
                    at_zero = np.mean(s <= 0, axis=1)
                    share[part, cols] = at_zero
                    dead[part, cols] = at_zero == 1
                elif kind is not None:
                    beyond = np.mean(np.abs(s) >= SATURATION[kind], axis=1)
                    share[part, cols] = beyond
                    saturated[part, cols] = beyond >= SATURATED_SHARE
                offset += width
    return saturated, dead, share


def unit_states(run, k):
    """The :class:`UnitStates` of iteration ``k``."""
    saturated, dead, share = (a[0] for a in unit_flags(run, [k]))
    bounds = np.cumsum([0] + list(run.layer_sizes[1:]))
    def split(a):
        return [a[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    return UnitStates(split(saturated), split(dead), split(share))
