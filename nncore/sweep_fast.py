"""The fast step of a sweep: many runs at once with the runs on the last axis.

:class:`~nncore.sweep_step.BatchStepper` keeps each run's numbers bit for bit by
making one BLAS product per run, and so pays a call per run. Here every array is
laid out runs-last: a layer's activations are ``(rows, units, runs)``, a weight
matrix ``(n_in, n_out, runs)``, so every elementwise call is one long run of
contiguous numbers, and every product is either

* one matrix product for all the runs, where they all read the same rows (the
  first layer with full batches: ``X @ [V_0 of every run]`` and its gradient
  ``X^T @ [delta_0 of every run]``), or
* a sum of products over the short axis, ``np.einsum`` over the runs axis (no
  temporary, no call per run).

The calls, their order, the sign conventions (V = -theta, slopes negated) and the
update (:func:`~nncore.optimizers.update_ops`, on views of the same numbers) are the
Stepper's. Only the products' sums differ: BLAS may add a product's terms in
another order, or fuse a multiply and an add, so a run's numbers may differ from
its single run's in the last bits of each product. The differences stay within
1e-12 relative over training (tested, and measured in docs/performance.md).
"""

from __future__ import annotations

import functools

import numpy as np

from .network import n_weights, weight_shapes
from .optimizers import Clock, Scratch, update_ops
from .sweep_step import BatchStepper, activation_ops, error_ops

FORWARD = "bir,ijr->bjr"  # a_out[b, j] = sum_i a_in[b, i] V[i, j], for each run r
BACK = "bjr,ijr->bir"  # delta_in[b, i] = sum_j delta[b, j] V[i, j]
GRADIENT = "bir,bjr->ijr"  # G[i, j] = sum_b a_in[b, i] delta[b, j]


class _Buffers:
    """Activations, slopes and deltas of a batch of ``b`` rows, (b, units, R) each, and
    the step's calls. ``X``, ``Y`` and ``output`` are (R, b, n) views for the caller."""

    def __init__(self, stepper, b):
        s, runs, sizes = stepper, stepper.runs, stepper.layer_sizes
        if s.shared:
            self.X, self.Y = np.zeros((b, sizes[0])), np.zeros((b, sizes[-1]))
            self._X, self._Y = self.X, self.Y[:, :, None]
        else:
            self._X, self._Y = np.zeros((b, sizes[0], runs)), np.zeros((b, sizes[-1], runs))
            self.X, self.Y = self._X.transpose(2, 0, 1), self._Y.transpose(2, 0, 1)
        self.acts = [np.zeros((b, m, runs)) for m in sizes[1:]]
        self.deltas = [np.zeros((b, m, runs)) for m in sizes[1:]]
        self.slopes = [np.full((b, m, runs), -1.0) for m in sizes[1:]]  # linear: -1
        self.output = self.acts[-1].transpose(2, 0, 1)
        self._ones = np.ones(())
        self._rows = np.array(float(b))
        self._error, self._hit = np.zeros((b, sizes[-1], runs)), np.zeros((b, sizes[-1], runs),
                                                                           dtype=bool)
        self.gradient_ops = self._forward(s, b) + self._backward(s, b)
        self.step_ops = self.gradient_ops + s.update

    def squared_error(self, reduction):
        """Every run's loss 1/2 sum (y - yhat)^2 over the batch (``mean``: divided by its
        rows) and accuracy (the share of rows whose every output, thresholded at 0.5,
        matches), as :func:`~nncore.network.batch_loss` and ``batch_accuracy`` define
        them, summed runs-last in a few calls; within 1e-12 of theirs."""
        error, hit, yhat = self._error, self._hit, self.acts[-1]
        np.subtract(self._Y, yhat, out=error)
        np.multiply(error, error, out=error)
        loss = np.add.reduce(error.reshape(-1, error.shape[-1]), axis=0) * 0.5
        if reduction == "mean":
            loss /= len(error)
        np.greater(yhat, 0.5, out=hit)
        np.equal(hit, self._Y > 0.5, out=hit)  # the targets: filled after construction
        rows_hit = np.logical_and.reduce(hit, axis=1)
        return loss, np.add.reduce(rows_hit, axis=0) / len(hit)

    def _forward(self, s, b):
        ops, a_in = [], self._X
        for k, name in enumerate(s.activations):
            a = self.acts[k]
            if k == 0 and s.shared:  # one product for every run: X @ [V_0 | V_0 | ...]
                ops.append((np.dot, (a_in, s.V[0].reshape(len(s.V[0]), -1), a.reshape(b, -1))))
            else:
                ops.append((_einsum(FORWARD, a), (a_in, s.V[k])))  # a = -s
            if s.Vb is not None:
                ops.append((np.add, (a, s.Vb[k], a)))
            ops += activation_ops(name, a, self._ones, 1)  # (b, units, R)
            a_in = a
        return ops

    def _backward(self, s, b):
        ops, acts, slopes, deltas = error_ops(s, self, self._Y), self.acts, self.slopes, self.deltas
        last = len(deltas) - 1
        for k in range(last, 0, -1):
            if deltas[k].shape[1] == 1:  # one term: delta_in[b, i] = delta[b, 0] V[i, 0]
                ops.append((np.multiply, (deltas[k], s.V[k][:, 0], deltas[k - 1])))
            else:
                ops.append((_einsum(BACK, deltas[k - 1]), (deltas[k], s.V[k])))
            ops.append((np.multiply, (deltas[k - 1], slopes[k - 1], deltas[k - 1])))
        for k, delta in enumerate(deltas):
            if k == 0 and s.shared:  # X^T @ [delta_0 | delta_0 | ...]: one product
                ops.append((np.dot, (self._X.T, delta.reshape(b, -1),
                                     s.G[0].reshape(len(s.G[0]), -1))))
            else:
                ops.append((_einsum(GRADIENT, s.G[k]), (self._X if k == 0 else acts[k - 1],
                                                         delta)))
        for delta, g in zip(deltas, s.Gb or [], strict=False):
            ops.append((np.add.reduce, (delta, 0, None, g)))  # summed over the batch's rows
        return ops


class RunsLastStepper(BatchStepper):
    """Parameters, optimizer state and step buffers of R runs, stored runs-last.

    A BatchStepper in another layout: ``raw`` is ``(R, n_row)``, each row ``[V |
    optimizer state]`` (here a transposed view of ``(n_row, R)`` storage), and a
    batch's buffers take ``X`` and ``Y`` as (R, b, n) (or, ``shared``, (b, n)). Its
    rows in and out and its steps are BatchStepper's; the buffers are its own.
    """

    batch_buffers = _Buffers  # the step's buffers and calls for a batch, in this layout

    def __init__(self, layer_sizes, activations, loss, options, rates, shared):
        self.layer_sizes, self.activations = list(layer_sizes), list(activations)
        self.loss, self.options, self.shared = loss, options, shared
        runs = self.runs = len(rates)
        self.n_params = n_weights(layer_sizes)
        self.n_theta = self.n_params + (sum(layer_sizes[1:]) if options.bias else 0)
        self.n_row = self.n_theta + options.state_size(self.n_theta)
        self._raw, self._grad = np.zeros((self.n_row, runs)), np.zeros((self.n_theta, runs))
        self.raw, self.grad = self._raw.T, self._grad.T
        self.rates = np.asarray(rates, dtype=float).reshape(runs, 1)
        self.V = _weight_views(self._raw, layer_sizes)
        self.G = _weight_views(self._grad, layer_sizes)
        self.Vb = self.Gb = None
        if options.bias:
            offsets = np.cumsum([self.n_params] + layer_sizes[1:])
            spans = list(zip(offsets, offsets[1:], strict=False))
            self.Vb = [self._raw[None, a:b] for a, b in spans]  # (1, units, R)
            self.Gb = [self._grad[a:b] for a, b in spans]
        self.clock = Clock(options)
        scratch = _runs_last(Scratch(options, self.n_theta, self.n_params, runs))
        self.update = update_ops(options, self.raw, self.grad, self.n_params, self.rates,
                                 self.clock, scratch)
        self._buffers = {}
        self.index = None  # which runs of a sweep these are
        self.epoch, self.epoch_rows = None, None  # the rows of the current epoch, per run


def _einsum(subscripts, out):
    """``np.einsum(subscripts, x, y, out=out)`` as one call on two operands; without
    ``optimize`` einsum sums in place, with no temporary and no BLAS call."""
    return functools.partial(np.einsum, subscripts, out=out, optimize=False)


def _weight_views(flat, layer_sizes):
    """Each weight matrix of every run in runs-last ``flat`` (n, R), as (n_in, n_out, R)
    views: a single run's flat index i * n_out + j is row i, column j."""
    views, offset = [], 0
    for n_in, n_out in weight_shapes(layer_sizes):
        views.append(flat[offset:offset + n_in * n_out].reshape(n_in, n_out, -1))
        offset += n_in * n_out
    return views


def _runs_last(scratch):
    """``scratch``'s (R, n) buffers stored as (n, R), like the rows they work with: an
    elementwise call runs fastest when all its operands have the same layout."""
    for name in ("rate", "step", "other", "weights"):
        buffer = getattr(scratch, name)
        if buffer is not None:
            setattr(scratch, name, np.ascontiguousarray(buffer.T).T)
    return scratch
