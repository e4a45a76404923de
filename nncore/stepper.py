"""The training step arranged for speed.

The math is :mod:`nncore.network`'s (forward, backward) and
:mod:`nncore.optimizers`' (the update); :class:`Stepper` makes the same computation
with fewer, allocation-free numpy calls, and gets the same bits.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from .network import matrix_views, n_weights, weight_shapes
from .optimizers import Scratch, update_ops
from .options import TrainingOptions


class Stepper:
    """One gradient step on a fixed batch as a fixed list of numpy calls on
    preallocated buffers.

    For the small nets Backprop Lab shows, a step costs what its numpy calls cost
    (a fixed overhead each), not arithmetic. So the step is built once per
    architecture as ``(function, args)`` pairs that write through ``out``, and:

    * the parameters are kept negated, ``V = -theta``: ``a @ V`` is already the
      ``-s`` a sigmoid exponentiates, and ``V + g`` is exactly ``-(W - g)``;
    * slopes are kept negated too (``a * (a - 1)`` is exactly ``-a * (1 - a)``),
      which cancels the sign that V puts on each back-propagated delta;
    * constants are arrays (of the operand's shape, or 0-d): a Python float costs a
      conversion on every call;
    * one flat ``state`` holds ``[a_1 | ... | a_L | V | optimizer state]``:
      consecutive layers with the same activation get their slopes in one call,
      and ``record`` (``[yhat | V | optimizer state]``) is copied out with a single
      row assignment per step.

    ``X`` and ``Y`` are the batch: the Stepper reads them where they are, so a
    caller may refill them between steps. A second Stepper for another batch size
    can share the first one's parameters and gradient (``shared=(raw, grad)``).

    IEEE negation is exact, so every result is the same number as in
    :func:`~nncore.network.backward` and the tutorial's loop (``np.array_equal``);
    only a value that lands exactly on zero may carry the other sign of zero.
    """

    def __init__(self, X, Y, layer_sizes, activations, loss="sse", options=None, shared=None):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.activations = list(activations)
        self.loss = loss
        self.options = options = options or TrainingOptions()
        bias = options.bias
        self.layer_sizes = list(layer_sizes)
        n = self.X.shape[0]
        shapes = weight_shapes(layer_sizes)
        layer_shapes = [(n, m) for m in layer_sizes[1:]]
        self.n_params = n_weights(layer_sizes)  # the weights
        self.n_theta = self.n_params + (sum(layer_sizes[1:]) if bias else 0)
        n_state = options.state_size(self.n_theta)
        n_act = n * sum(layer_sizes[1:])
        if shared is None:
            self.state = np.zeros(n_act + self.n_theta + n_state)
            self.raw = self.state[n_act:]  # [V | optimizer state]
            self.grad = np.zeros(self.n_theta)
            self.record = self.state[n_act - n * layer_sizes[-1]:]
        else:
            self.state = np.zeros(n_act)
            self.raw, self.grad = shared
            self.record = None
        self.negated = self.raw[:self.n_theta]
        self.optimizer_state = self.raw[self.n_theta:]
        self.layers = [self.X] + matrix_views(self.state, layer_shapes)
        self.output = self.layers[-1]
        self.negated_weights = matrix_views(self.negated, shapes)
        self.grads = matrix_views(self.grad, shapes)
        unit_shapes = [(1, m) for m in layer_sizes[1:]]
        self.negated_biases = (matrix_views(self.negated[self.n_params:], unit_shapes)
                               if bias else None)
        self.bias_grads = ([g[0] for g in matrix_views(self.grad[self.n_params:], unit_shapes)]
                           if bias else None)
        self._ones = np.ones(n_act)
        self._zeros = np.zeros(n_act)
        self._slopes = np.full(n_act, -1.0)  # a linear layer's (negated) slope, never rewritten
        self._deltas = [np.zeros(shape) for shape in layer_shapes]
        self._scratch = Scratch(options, self.n_theta, self.n_params)
        self._rows = np.array(float(n))
        self._forward_ops = self._build_forward()
        self._backward_ops = self._build_backward()

    # ---- building the step ------------------------------------------------------------

    def _build_forward(self):
        ops = []
        biases = self.negated_biases or [None] * len(self.activations)
        for a_in, V, b, a_out, one, zero, name in zip(
                self.layers, self.negated_weights, biases, self.layers[1:],
                self._like(self._ones), self._like(self._zeros), self.activations,
                strict=False):
            ops.append((a_in.dot, (V, a_out)))  # a_out = -s
            if b is not None:
                ops.append((np.add, (a_out, b, a_out)))  # -(a W) + -b = -(a W + b)
            if name == "sigmoid":  # the tutorial's 1 / (1 + exp(-s))
                ops += [(np.exp, (a_out, a_out)), (np.add, (a_out, one, a_out)),
                        (np.divide, (one, a_out, a_out))]
            elif name == "softmax":  # exp(s - max s) / sum: min(-s) - (-s) = s - max s
                low, total = np.zeros((len(a_out), 1)), np.zeros((len(a_out), 1))
                ops += [(np.minimum.reduce, (a_out, 1, None, low, True)),
                        (np.subtract, (low, a_out, a_out)), (np.exp, (a_out, a_out)),
                        (np.add.reduce, (a_out, 1, None, total, True)),
                        (np.divide, (a_out, total, a_out))]
            else:
                ops.append((np.negative, (a_out, a_out)))  # s
                if name == "tanh":
                    ops.append((np.tanh, (a_out, a_out)))
                elif name == "relu":  # numpy 2.4 deprecates a positional out here
                    ops.append((functools.partial(np.maximum, out=a_out), (a_out, zero)))
        return ops

    def _build_backward(self):
        ops, offsets = [], np.cumsum([0] + [a.size for a in self.layers[1:]])
        for name, run in itertools.groupby(range(len(self.activations)),
                                           self.activations.__getitem__):
            run = list(run)
            span = slice(offsets[run[0]], offsets[run[-1] + 1])
            a, s, one, zero = (self.state[span], self._slopes[span], self._ones[span],
                               self._zeros[span])
            if name == "sigmoid":  # a (a - 1)
                ops += [(np.subtract, (a, one, s)), (np.multiply, (a, s, s))]
            elif name == "tanh":  # a a - 1
                ops += [(np.multiply, (a, a, s)), (np.subtract, (s, one, s))]
            elif name == "relu":  # -(a > 0)
                ops += [(np.greater, (a, zero, s)), (np.negative, (s, s))]
        slopes, deltas = self._like(self._slopes), self._deltas
        yhat, last = self.output, len(deltas) - 1
        if self.loss in ("bce", "ce"):  # sigmoid with bce, softmax with ce: dE/ds = yhat - y
            ops.append((np.subtract, (yhat, self.Y, deltas[last])))
        else:  # (y - yhat) * -slope = (yhat - y) * slope
            ops += [(np.subtract, (self.Y, yhat, deltas[last])),
                    (np.multiply, (deltas[last], slopes[last], deltas[last]))]
        if self.options.reduction == "mean":
            ops.append((np.divide, (deltas[last], self._rows, deltas[last])))
        for k in range(last, 0, -1):  # (delta V^T) * -slope = (delta W^T) * slope
            ops += [(deltas[k].dot, (self.negated_weights[k].T, deltas[k - 1])),
                    (np.multiply, (deltas[k - 1], slopes[k - 1], deltas[k - 1]))]
        for a, delta, g in zip(self.layers, deltas, self.grads, strict=False):
            ops.append((a.T.dot, (delta, g)))
        for delta, g in zip(deltas, self.bias_grads or [], strict=False):
            ops.append((np.add.reduce, (delta, 0, None, g)))  # the deltas summed over rows
        return ops

    def _like(self, flat):
        """``flat`` (laid out like the activations) cut into per-layer matrices."""
        return matrix_views(flat, [a.shape for a in self.layers[1:]])

    def gradient_ops(self):
        """The calls that fill ``self.grad`` with dE/dtheta at the current parameters
        (forward, then backward); ``self.output`` is then yhat."""
        return self._forward_ops + self._backward_ops

    def step_ops(self, lr, clock=None):
        """The calls of one step at learning rate ``lr``; valid until the next call.
        ``clock`` (a :class:`~nncore.optimizers.Clock`) holds the numbers that change
        from step to step, which Adam needs."""
        return self._forward_ops + self._backward_ops + update_ops(
            self.options, self.raw, self.grad, self.n_params, lr, clock, self._scratch)

    # ---- using it -----------------------------------------------------------------------

    @property
    def params(self):
        """The current parameters theta (weights, then biases) as one flat vector
        (a fresh array)."""
        return -self.negated

    def set_params(self, flat):
        np.negative(flat, out=self.negated)

    def forward(self):
        """Fill ``self.layers`` from the current weights; returns the output yhat."""
        _execute(self._forward_ops)
        return self.output

    def gradient(self):
        """Forward, then fill ``self.grad`` with dE/dtheta; returns the output yhat.

        Call it inside ``np.errstate(all="ignore")`` when the run may diverge.
        """
        _execute(self._forward_ops)
        _execute(self._backward_ops)
        return self.output

    def step(self, lr, clock=None):
        """One update in place; returns yhat at the weights before it."""
        _execute(self.step_ops(lr, clock))
        return self.output

    def run(self, ops, count, trace, record):
        """Execute ``ops`` ``count`` times, copying ``record`` into ``trace[i]`` after
        step i. This loop is where training spends its time."""
        for i in range(count):
            for function, args in ops:
                function(*args)
            trace[i] = record


def _execute(ops):
    for function, args in ops:
        function(*args)
