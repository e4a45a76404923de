"""The math of a fully connected network: forward, backward and one gradient step.

Conventions
-----------
* ``layer_sizes = [n_0, n_1, ..., n_L]``; ``weights[k]`` has shape ``(n_k, n_{k+1})``:
  row i, column j is the weight from unit i of layer k to unit j of layer k+1.
  There are no biases: a constant input column plays that role, as in the tutorial.
* ``activations[k]`` is the activation of layer k+1 (one name per weight matrix).
* Samples are rows: ``X`` is ``(n_samples, n_0)``, targets ``Y`` are ``(n_samples, n_L)``.
* Loss ``sse`` is E = 1/2 * sum over the batch of (y - yhat)^2; ``bce`` is binary
  cross-entropy summed over the batch. Gradients are batch sums, as in the tutorial,
  and one step is W <- W - lr * dE/dW.
"""

from __future__ import annotations

import functools
import itertools
import operator
import random

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("sse", "bce")


def sigmoid(s):
    """1 / (1 + exp(-s)), the tutorial's formula; finite for every finite input.

    exp(-s) overflows to inf for s < -709, and 1 / (1 + inf) is exactly 0, which
    is the right limit; for s > 745 it underflows to 0 and the result is exactly 1.
    Both are silenced rather than clipped: clipping would change the bits of the
    tutorial's numbers.
    """
    with np.errstate(over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(s, dtype=float)))


def activate(name, s):
    """Apply activation ``name`` to the weighted sums ``s``."""
    if name == "sigmoid":
        return sigmoid(s)
    if name == "tanh":
        return np.tanh(s)
    if name == "relu":
        return np.maximum(s, 0.0)
    return np.array(s, dtype=float)


def slope(name, a):
    """d activation / d s, written in terms of the activation a itself."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (a > 0).astype(float)
    return np.ones_like(a)


MAX_SEED = 2**32 - 1  # seeds are 0..MAX_SEED, as numpy.random.RandomState takes them


def init_weights(layer_sizes, seed):
    """The tutorial's initialisation: one RandomState, each layer ``2*random - 1``."""
    draw = random_sample(seed)
    return [2 * draw(n_in * n_out).reshape(n_in, n_out) - 1
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]


def random_sample(seed):
    """``n -> numpy.random.RandomState(seed).random_sample(n)``, the same numbers.

    That legacy generator is MT19937 seeded by init_genrand(seed), giving 53-bit
    doubles made of two 32-bit draws; Python's ``random.Random`` is the same
    generator making the same doubles, so given that seeded state it draws the
    very same bits. It saves the window's start importing ``numpy.random`` (nine C
    extensions, and OpenSSL through ``secrets``) for a handful of numbers. Seeds
    other than an integer in 0..2**32-1 go to numpy itself, errors included.
    """
    try:
        s = operator.index(seed)
    except TypeError:
        s = -1
    if not 0 <= s <= 0xFFFFFFFF:
        rng = np.random.RandomState(seed)
        return rng.random_sample
    key = [s]
    for i in range(1, 624):
        s = (1812433253 * (s ^ (s >> 30)) + i) & 0xFFFFFFFF
        key.append(s)
    mt = random.Random()
    mt.setstate((3, (*key, 624), None))  # 624: the next draw regenerates the state
    return lambda n: np.array([mt.random() for _ in range(n)], dtype=float)


def forward(X, weights, activations):
    """All layer activations ``[X, a_1, ..., a_L]``; ``a_L`` is the output yhat."""
    layers = [np.asarray(X, dtype=float)]
    for W, name in zip(weights, activations, strict=True):
        # np.dot, not @: the same BLAS call as the Stepper, so the bits agree
        layers.append(activate(name, np.dot(layers[-1], W)))
    return layers


def loss_value(yhat, Y, loss="sse"):
    """Batch loss: 1/2 * sum (y - yhat)^2, or binary cross-entropy summed."""
    if loss == "bce":
        # log(0) is -inf; clamping yhat keeps a saturated sigmoid's loss finite.
        p = np.clip(yhat, 1e-15, 1 - 1e-15)
        return float(-np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p)))
    return float(0.5 * np.sum((Y - yhat) ** 2))


def accuracy(yhat, Y):
    """Fraction of samples whose every output, thresholded at 0.5, matches its target."""
    return float(np.mean(np.all((yhat > 0.5) == (Y > 0.5), axis=-1)))


def output_delta(yhat, Y, activation, loss):
    """dE/ds at the output layer, for every sample."""
    if loss == "bce":
        # With a sigmoid output, (yhat - y)/(yhat(1-yhat)) * yhat(1-yhat) = yhat - y.
        return yhat - Y
    return (yhat - Y) * slope(activation, yhat)


def backward(X, Y, weights, activations, loss="sse"):
    """Gradients dE/dW_k (batch sums), with the layers and deltas that formed them.

    Returns ``(grads, layers, deltas)`` where ``deltas[k]`` is dE/ds for layer k+1,
    shape ``(n_samples, n_{k+1})``, and ``grads[k] = layers[k].T @ deltas[k]``.
    """
    layers = forward(X, weights, activations)
    deltas = [None] * len(weights)
    deltas[-1] = output_delta(layers[-1], Y, activations[-1], loss)
    for k in range(len(weights) - 1, 0, -1):
        deltas[k - 1] = np.dot(deltas[k], weights[k].T) * slope(activations[k - 1], layers[k])
    grads = [np.dot(layers[k].T, deltas[k]) for k in range(len(weights))]
    return grads, layers, deltas


def check_architecture(layer_sizes, activations, loss):
    """Raise ValueError naming the field when an architecture makes no sense."""
    if len(layer_sizes) < 2 or any(int(n) != n or n < 1 for n in layer_sizes):
        raise ValueError(f"layer_sizes: need two or more positive sizes, got {layer_sizes}")
    if len(activations) != len(layer_sizes) - 1:
        raise ValueError(
            f"activations: need {len(layer_sizes) - 1} (one per layer), got {len(activations)}")
    for name in activations:
        if name not in ACTIVATIONS:
            raise ValueError(f"activations: unknown activation {name!r}; "
                             f"choose from {', '.join(ACTIVATIONS)}")
    if loss not in LOSSES:
        raise ValueError(f"loss: unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    if loss == "bce" and activations[-1] != "sigmoid":
        raise ValueError("loss: binary cross-entropy needs a sigmoid output layer")


class Stepper:
    """One gradient step as a fixed list of numpy calls on preallocated buffers.

    For the small nets Backprop Lab shows, a step costs what its numpy calls cost
    (about half a microsecond each), not arithmetic. So the step is built once per
    architecture as ``(function, args)`` pairs that write through ``out``, and:

    * the weights are kept negated, ``V = -W``: ``a @ V`` is already the ``-s`` a
      sigmoid exponentiates, and ``V + g`` is exactly ``-(W - g)``;
    * slopes are kept negated too (``a * (a - 1)`` is exactly ``-a * (1 - a)``),
      which cancels the sign that V puts on each back-propagated delta;
    * constants are arrays of the operand's shape: a Python float costs a
      conversion on every call;
    * one flat ``state`` holds ``[a_1 | ... | a_L | V]``: consecutive layers with
      the same activation get their slopes in one call, and ``record``
      (``[yhat | V]``) is copied out with a single row assignment per step.

    IEEE negation is exact, so every result is the same number as in
    :func:`backward` and the tutorial's loop (``np.array_equal``); only a value that
    lands exactly on zero may carry the other sign of zero.
    """

    def __init__(self, X, Y, layer_sizes, activations, loss="sse"):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.activations = list(activations)
        self.loss = loss
        self.layer_sizes = list(layer_sizes)
        n = self.X.shape[0]
        weight_shapes = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
        layer_shapes = [(n, m) for m in layer_sizes[1:]]
        self.n_params = sum(a * b for a, b in weight_shapes)
        n_act = n * sum(layer_sizes[1:])
        self.state = np.zeros(n_act + self.n_params)
        self.negated = self.state[n_act:]
        self.record = self.state[n_act - n * layer_sizes[-1]:]
        self.layers = [self.X] + _views(self.state, layer_shapes)
        self.output = self.layers[-1]
        self.negated_weights = _views(self.negated, weight_shapes)
        self.grad = np.zeros(self.n_params)
        self.grads = _views(self.grad, weight_shapes)
        self._ones = np.ones(n_act)
        self._zeros = np.zeros(n_act)
        self._slopes = np.full(n_act, -1.0)  # a linear layer's (negated) slope, never rewritten
        self._deltas = [np.zeros(shape) for shape in layer_shapes]
        self._rate = np.ones(self.n_params)
        self._forward_ops = self._build_forward()
        self._backward_ops = self._build_backward()

    # ---- building the step ------------------------------------------------------------

    def _build_forward(self):
        ops = []
        for a_in, V, a_out, one, zero, name in zip(
                self.layers, self.negated_weights, self.layers[1:], self._like(self._ones),
                self._like(self._zeros), self.activations, strict=False):
            ops.append((a_in.dot, (V, a_out)))  # a_out = -s
            if name == "sigmoid":  # the tutorial's 1 / (1 + exp(-s))
                ops += [(np.exp, (a_out, a_out)), (np.add, (a_out, one, a_out)),
                        (np.divide, (one, a_out, a_out))]
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
        if self.loss == "bce":  # with a sigmoid output, dE/ds = yhat - y
            ops.append((np.subtract, (yhat, self.Y, deltas[last])))
        else:  # (y - yhat) * -slope = (yhat - y) * slope
            ops += [(np.subtract, (self.Y, yhat, deltas[last])),
                    (np.multiply, (deltas[last], slopes[last], deltas[last]))]
        for k in range(last, 0, -1):  # (delta V^T) * -slope = (delta W^T) * slope
            ops += [(deltas[k].dot, (self.negated_weights[k].T, deltas[k - 1])),
                    (np.multiply, (deltas[k - 1], slopes[k - 1], deltas[k - 1]))]
        for a, delta, g in zip(self.layers, deltas, self.grads, strict=False):
            ops.append((a.T.dot, (delta, g)))
        return ops

    def _like(self, flat):
        """``flat`` (laid out like the activations) cut into per-layer matrices."""
        return _views(flat, [a.shape for a in self.layers[1:]])

    def step_ops(self, lr):
        """The calls of one step ``W <- W - lr * dE/dW``; valid until the next call."""
        update = [(np.add, (self.negated, self.grad, self.negated))]  # V + g = -(W - g)
        if lr != 1.0:  # lr * g is exactly g when lr is 1; skip the multiply
            self._rate.fill(lr)
            update.insert(0, (np.multiply, (self.grad, self._rate, self.grad)))
        return self._forward_ops + self._backward_ops + update

    # ---- using it -----------------------------------------------------------------------

    @property
    def params(self):
        """The current weights W as one flat vector (a fresh array)."""
        return -self.negated

    def set_params(self, flat):
        np.negative(flat, out=self.negated)

    def forward(self):
        """Fill ``self.layers`` from the current weights; returns the output yhat."""
        _execute(self._forward_ops)
        return self.output

    def gradient(self):
        """Forward, then fill ``self.grad`` with dE/dW; returns the output yhat.

        Call it inside ``np.errstate(all="ignore")`` when the run may diverge.
        """
        _execute(self._forward_ops)
        _execute(self._backward_ops)
        return self.output

    def step(self, lr):
        """One update in place; returns yhat at the weights before it."""
        _execute(self.step_ops(lr))
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


def _views(flat, shapes):
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (views, not copies)."""
    out, offset = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        out.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return out
