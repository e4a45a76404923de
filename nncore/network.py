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


def init_weights(layer_sizes, seed):
    """The tutorial's initialisation: one RandomState, each layer ``2*random - 1``."""
    rng = np.random.RandomState(seed)
    return [2 * rng.random_sample((n_in, n_out)) - 1
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]


def forward(X, weights, activations):
    """All layer activations ``[X, a_1, ..., a_L]``; ``a_L`` is the output yhat."""
    layers = [np.asarray(X, dtype=float)]
    for W, name in zip(weights, activations, strict=True):
        layers.append(activate(name, layers[-1] @ W))
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
    """Preallocated buffers for fast repeated gradient steps on one dataset.

    The parameters live in one flat vector ``params``; ``weights`` are reshaped views
    into it, so a step updates them in place and recording an iteration is one copy.
    The arithmetic is the same, operation for operation, as :func:`backward`, so the
    two agree bitwise; only the allocations differ.
    """

    def __init__(self, X, Y, layer_sizes, activations, loss="sse"):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.activations = list(activations)
        self.loss = loss
        self.layer_sizes = list(layer_sizes)
        shapes = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
        self.n_params = sum(a * b for a, b in shapes)
        self.params = np.zeros(self.n_params)
        self.grad = np.zeros(self.n_params)
        self.weights, self.grads, offset = [], [], 0
        for n_in, n_out in shapes:
            size = n_in * n_out
            self.weights.append(self.params[offset:offset + size].reshape(n_in, n_out))
            self.grads.append(self.grad[offset:offset + size].reshape(n_in, n_out))
            offset += size
        n = self.X.shape[0]
        self.layers = [self.X] + [np.zeros((n, m)) for m in layer_sizes[1:]]
        self.layers_T = [a.T for a in self.layers]
        self.deltas = [np.zeros((n, m)) for m in layer_sizes[1:]]
        self.slopes = [np.zeros((n, m)) for m in layer_sizes[1:]]
        self.weights_T = [W.T for W in self.weights]

    def set_params(self, flat):
        self.params[:] = flat

    def forward(self):
        """Fill ``self.layers`` from the current params; returns the output yhat."""
        dot, negative, exp, reciprocal = np.dot, np.negative, np.exp, np.reciprocal
        for a_in, a_out, W, name in zip(self.layers, self.layers[1:], self.weights,
                                        self.activations, strict=False):
            dot(a_in, W, out=a_out)
            if name == "sigmoid":
                negative(a_out, out=a_out)
                exp(a_out, out=a_out)
                a_out += 1.0
                reciprocal(a_out, out=a_out)
            elif name == "tanh":
                np.tanh(a_out, out=a_out)
            elif name == "relu":
                np.maximum(a_out, 0.0, out=a_out)
        return self.layers[-1]

    def _slope(self, k):
        """Fill ``self.slopes[k]`` with d a/d s for layer k+1."""
        a, out, name = self.layers[k + 1], self.slopes[k], self.activations[k]
        if name == "sigmoid":
            np.subtract(1.0, a, out=out)
            np.multiply(a, out, out=out)
        elif name == "tanh":
            np.multiply(a, a, out=out)
            np.subtract(1.0, out, out=out)
        elif name == "relu":
            np.greater(a, 0.0, out=out)
        else:
            out.fill(1.0)
        return out

    def gradient(self):
        """Forward, then fill ``self.grad`` with dE/dW at the current params.

        Must be called inside ``np.errstate(over="ignore", invalid="ignore")`` or
        equivalent when the run may diverge. Returns the output yhat.
        """
        yhat = self.forward()
        last = len(self.weights) - 1
        delta = self.deltas[last]
        np.subtract(yhat, self.Y, out=delta)
        if self.loss != "bce":
            np.multiply(delta, self._slope(last), out=delta)
        for k in range(last, 0, -1):
            np.dot(self.deltas[k], self.weights_T[k], out=self.deltas[k - 1])
            np.multiply(self.deltas[k - 1], self._slope(k - 1), out=self.deltas[k - 1])
        for k in range(last + 1):
            np.dot(self.layers_T[k], self.deltas[k], out=self.grads[k])
        return yhat

    def step(self, lr):
        """One update W <- W - lr * dE/dW in place; returns yhat at the old weights."""
        yhat = self.gradient()
        if lr != 1.0:  # lr * g is exactly g when lr is 1; skip the multiply
            self.grad *= lr
        self.params -= self.grad
        return yhat
