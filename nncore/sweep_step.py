"""One training step of many runs at once: the batched form of
:class:`~nncore.stepper.Stepper`, for :class:`~nncore.sweep.Sweep`.

Every array gets a leading run axis, and each numpy call serves all the runs. The
calls are the Stepper's, in its order, with its sign conventions (parameters kept
negated, V = -theta; slopes negated), and the update is
:func:`~nncore.optimizers.update_ops` itself, applied to one row per run. A stacked
``np.matmul`` makes one BLAS product per run, the same product the Stepper's
``np.dot`` makes, so each run's numbers are a single run's, bit for bit (tested).

When every run trains on the same rows (full batches, no held-out rows), the first
layer is one matrix product for all the runs: ``X @ [V_0 of run 0 | V_0 of run 1 |
...]``, and its gradient ``X^T @ [delta_0 of every run]``; each column of such a
product is the product a single run makes.
"""

from __future__ import annotations

import numpy as np

from .network import n_weights, weight_shapes
from .optimizers import Clock, Scratch, update_ops
from .stepper import _execute


class _Buffers:
    """Activations, slopes and deltas of a batch of ``b`` rows, (R, b, n) each, and the
    step's calls. Every per-run product reads and writes whole contiguous stacks: numpy
    hands a strided one to another routine, with other bits, for some shapes."""

    def __init__(self, stepper, b):
        s, runs, sizes = stepper, stepper.runs, stepper.layer_sizes
        self.X = np.zeros((b, sizes[0]) if s.shared else (runs, b, sizes[0]))
        self.Y = np.zeros((b, sizes[-1]) if s.shared else (runs, b, sizes[-1]))
        self.acts = [np.zeros((runs, b, m)) for m in sizes[1:]]
        self.deltas = [np.zeros((runs, b, m)) for m in sizes[1:]]
        self.slopes = [np.full((runs, b, m), -1.0) for m in sizes[1:]]  # linear: -1
        self.output = self.acts[-1]
        self._ones = np.ones(())
        self._rows = np.array(float(b))
        if s.shared:  # the first layer's one product works in (n_in or b, R, n_1)
            n_in, n_out = sizes[0], sizes[1]
            self._first_V = np.zeros((n_in, runs, n_out))
            self._first_G = np.zeros((n_in, runs, n_out))
            self._first_S = np.zeros((b, runs, n_out))
        self.gradient_ops = self._forward(s) + self._backward(s)
        self.step_ops = self.gradient_ops + s.update

    def _forward(self, s):
        ops = []
        a_in = self.X
        for k, name in enumerate(s.activations):
            a = self.acts[k]
            if k == 0 and s.shared:  # one product for every run: X @ [V_0 | V_0 | ...]
                V, S = self._first_V, self._first_S
                ops += [(np.copyto, (V, s.V[0].transpose(1, 0, 2))),
                        (np.dot, (self.X, V.reshape(V.shape[0], -1), S.reshape(S.shape[0], -1))),
                        (np.copyto, (a, S.transpose(1, 0, 2)))]
            else:
                ops.append((_product(a_in.shape[-1]), (a_in, s.V[k], a)))  # a = -s
            if s.Vb is not None:
                ops.append((np.add, (a, s.Vb[k], a)))
            ops += activation_ops(name, a, self._ones, -1)
            a_in = a
        return ops

    def _backward(self, s):
        ops, acts, slopes, deltas = error_ops(s, self, self.Y), self.acts, self.slopes, self.deltas
        last = len(deltas) - 1
        for k in range(last, 0, -1):
            inner, Vt = deltas[k].shape[-1], s.V[k].transpose(0, 2, 1)
            ops += [((np.multiply if inner == 1 else np.matmul), (deltas[k], Vt, deltas[k - 1])),
                    (np.multiply, (deltas[k - 1], slopes[k - 1], deltas[k - 1]))]
        for k, delta in enumerate(deltas):
            if k == 0 and s.shared:  # X^T @ [delta_0 | delta_0 | ...]: one product
                G, S = self._first_G, self._first_S
                ops += [(np.copyto, (S, delta.transpose(1, 0, 2))),
                        (np.dot, (self.X.T, S.reshape(S.shape[0], -1), G.reshape(G.shape[0], -1))),
                        (np.copyto, (s.G[0], G.transpose(1, 0, 2)))]
            else:
                a_in = self.X if k == 0 else acts[k - 1]
                ops.append((_product(delta.shape[-2]), (a_in.swapaxes(-1, -2), delta, s.G[k])))
        for delta, g in zip(deltas, s.Gb or [], strict=False):
            ops.append((np.add.reduce, (delta, 1, None, g)))  # summed over the batch's rows
        return ops


class BatchStepper:
    """Parameters, optimizer state and step buffers of R runs.

    ``raw`` is ``(R, n_row)``: each row ``[V | optimizer state]`` as in the Stepper.
    ``rates`` holds each run's learning rate. A batch of ``b`` rows is fed through
    ``X``/``Y`` buffers of shape (R, b, n_0) and (R, b, n_L), or, with ``shared``
    rows, (b, n_0) and (b, n_L) that every run reads.
    """

    batch_buffers = _Buffers  # the step's buffers and calls for a batch, in this layout

    def __init__(self, layer_sizes, activations, loss, options, rates, shared):
        self.layer_sizes, self.activations = list(layer_sizes), list(activations)
        self.loss, self.options, self.shared = loss, options, shared
        runs = len(rates)
        self.runs = runs
        self.n_params = n_weights(layer_sizes)
        self.n_theta = self.n_params + (sum(layer_sizes[1:]) if options.bias else 0)
        self.n_row = self.n_theta + options.state_size(self.n_theta)
        self.raw = np.zeros((runs, self.n_row))
        self.grad = np.zeros((runs, self.n_theta))
        self.rates = np.asarray(rates, dtype=float).reshape(runs, 1)
        self.V = _stacked_views(self.raw, self.n_params, layer_sizes)
        self.G = _stacked_views(self.grad, self.n_params, layer_sizes)
        self.Vb = self.Gb = None
        if options.bias:
            offsets = np.cumsum([self.n_params] + layer_sizes[1:])
            self.Vb = [self.raw[:, None, a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
            self.Gb = [self.grad[:, a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
        self.clock = Clock(options)
        self.update = update_ops(options, self.raw, self.grad, self.n_params, self.rates,
                                 self.clock, Scratch(options, self.n_theta, self.n_params, runs))
        self._buffers = {}
        self.index = None  # which runs of a sweep these are
        self.epoch, self.epoch_rows = None, None  # the rows of the current epoch, per run

    # ---- rows in and out -------------------------------------------------------------

    def load(self, rows):
        """Set every run's parameters and state from true-signed rows ``[theta | state]``."""
        np.negative(rows[:, :self.n_theta], out=self.raw[:, :self.n_theta])
        self.raw[:, self.n_theta:] = rows[:, self.n_theta:]

    def rows(self):
        """Every run's ``[theta | state]`` (a fresh array)."""
        rows = self.raw.copy()
        np.negative(rows[:, :self.n_theta], out=rows[:, :self.n_theta])
        return rows

    # ---- steps -------------------------------------------------------------------------

    def buffers(self, b):
        """The step of a batch of ``b`` rows: its X and Y buffers and its calls."""
        if b not in self._buffers:
            self._buffers[b] = self.batch_buffers(self, b)
        return self._buffers[b]

    def gradient(self, buffers):
        """Forward and backward on the batch in ``buffers``; returns yhat (R, b, n_L)
        at the current parameters."""
        _execute(buffers.gradient_ops)
        return buffers.output

    def step(self, buffers, t):
        """One whole update of every run (t = k + 1); returns yhat before it."""
        self.clock.set(t)
        _execute(buffers.step_ops)
        return buffers.output

    def apply_update(self, t):
        """The update alone, after :meth:`gradient`."""
        self.clock.set(t)
        _execute(self.update)


def _product(inner):
    """The stacked matrix product for an inner dimension of ``inner``: with 1, each
    entry is a single product, which an elementwise multiply makes with the same
    bits and without a BLAS call per run."""
    return np.multiply if inner == 1 else np.matmul


def activation_ops(name, a, ones, axis):
    """The calls that turn ``a``, the negated sums -s as the products leave them, into
    the activation ``name`` in place; ``axis``: the units' axis (softmax's sum);
    ``ones``: a 0-d array of 1.0."""
    if name == "sigmoid":  # 1 / (1 + exp(-s))
        return [(np.exp, (a, a)), (np.add, (a, ones, a)), (np.divide, (ones, a, a))]
    if name == "softmax":  # min(-s) - (-s) = s - max s
        shape = list(a.shape)
        shape[axis] = 1
        low, total = np.zeros(shape), np.zeros(shape)
        return [(np.minimum.reduce, (a, axis, None, low, True)), (np.subtract, (low, a, a)),
                (np.exp, (a, a)), (np.add.reduce, (a, axis, None, total, True)),
                (np.divide, (a, total, a))]
    ops = [(np.negative, (a, a))]
    if name == "tanh":
        ops.append((np.tanh, (a, a)))
    elif name == "relu":
        ops.append((relu_in_place, (a,)))
    return ops


def error_ops(s, buffers, Y):
    """The start of the backward pass for stepper ``s`` on ``buffers`` (whose acts,
    slopes and deltas are laid out as the targets ``Y``): every layer's slope, negated
    (a linear layer's stays -1), and the output's delta, divided by the batch's rows
    for the mean."""
    ops, acts, slopes, deltas = [], buffers.acts, buffers.slopes, buffers.deltas
    ones = buffers._ones
    for a, slope, name in zip(acts, slopes, s.activations, strict=True):
        if name == "sigmoid":  # a (a - 1)
            ops += [(np.subtract, (a, ones, slope)), (np.multiply, (a, slope, slope))]
        elif name == "tanh":  # a a - 1
            ops += [(np.multiply, (a, a, slope)), (np.subtract, (slope, ones, slope))]
        elif name == "relu":  # -(a > 0)
            ops += [(np.greater, (a, 0.0, slope)), (np.negative, (slope, slope))]
    output, delta = acts[-1], deltas[-1]
    if s.loss in ("bce", "ce"):
        ops.append((np.subtract, (output, Y, delta)))
    else:
        ops += [(np.subtract, (Y, output, delta)), (np.multiply, (delta, slopes[-1], delta))]
    if s.options.reduction == "mean":
        ops.append((np.divide, (delta, buffers._rows, delta)))
    return ops


def relu_in_place(a):
    np.maximum(a, 0.0, out=a)


def _stacked_views(flat_rows, n_params, layer_sizes):
    """Each weight matrix of every row of ``flat_rows`` as an (R, n_in, n_out) view."""
    views, offset = [], 0
    for n_in, n_out in weight_shapes(layer_sizes):
        size = n_in * n_out
        views.append(flat_rows[:, offset:offset + size].reshape(-1, n_in, n_out))
        offset += size
    return views


def shared_product_is_exact(X, n_out, runs):
    """True when one product ``X @ [W of run 0 | W of run 1 | ...]`` (and the
    gradient's ``X^T @ [delta | delta | ...]``) gives each run the bits of its own
    ``X @ W`` (and ``X^T @ delta``). BLAS picks its kernel, and where a kernel fuses
    a multiply and an add, from the shapes alone; a matrix with a single row or
    column is a matrix-vector product, summed otherwise. So the shapes are tried
    once on random numbers, and a mismatch falls back to one product per run."""
    n, n_in = X.shape
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n_in, runs, n_out))
    delta = rng.standard_normal((n, runs, n_out))
    together = np.dot(X, W.reshape(n_in, -1)).reshape(n, runs, n_out)
    gradient = np.dot(X.T, delta.reshape(n, -1)).reshape(n_in, runs, n_out)
    # each run's own product: a stacked matmul of contiguous matrices makes np.dot's call
    alone = np.matmul(X, np.ascontiguousarray(W.transpose(1, 0, 2)))
    alone_gradient = np.matmul(X.T, np.ascontiguousarray(delta.transpose(1, 0, 2)))
    return (np.array_equal(together, alone.transpose(1, 0, 2))
            and np.array_equal(gradient, alone_gradient.transpose(1, 0, 2)))
