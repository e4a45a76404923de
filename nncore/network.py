"""The math of a fully connected network: forward, backward and one gradient step.

Conventions
-----------
* ``layer_sizes = [n_0, n_1, ..., n_L]``; ``weights[k]`` has shape ``(n_k, n_{k+1})``:
  row i, column j is the weight from unit i of layer k to unit j of layer k+1.
  There are no biases: a constant input column plays that role, as in the tutorial.
* ``activations[k]`` is the activation of layer k+1 (one name per weight matrix).
* The flat weight vector holds ``weights[0]``, ``weights[1]``, ... in turn, each
  row-major (see :func:`flat_index`); ``Run.params_at`` returns it.
* Samples are rows: ``X`` is ``(n_samples, n_0)``, targets ``Y`` are ``(n_samples, n_L)``.
* Loss ``sse`` is E = 1/2 * sum over the batch of (y - yhat)^2; ``bce`` is binary
  cross-entropy summed over the batch. Gradients are batch sums, as in the tutorial,
  and one step is W <- W - lr * dE/dW.
"""

from __future__ import annotations

import math
import operator
import random

import numpy as np

from .number_text import parse_number

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("sse", "bce")
# What each activation can produce, (low, high): a target outside it cannot be learned.
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf),
                 "linear": (-math.inf, math.inf)}
FORWARD_CHUNK_BYTES = 32 * 2**20  # forward(keep=...): the activations of one chunk of rows


def output_range(activation):
    """``(low, high)``: the values activation ``activation`` can produce (bounds may
    be infinite)."""
    return OUTPUT_RANGES[activation]


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


# ---- the flat weight vector: every weight matrix in turn, each row-major ----------------


def weight_shapes(layer_sizes):
    """``[(n_0, n_1), (n_1, n_2), ...]``: the shape of each weight matrix."""
    return list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def n_weights(layer_sizes):
    """The number of weights (the length of the flat vector)."""
    return sum(a * b for a, b in weight_shapes(layer_sizes))


def flat_index(layer_sizes, layer, row, col):
    """Position of ``weights[layer][row, col]`` in the flat weight vector."""
    offset = sum(a * b for a, b in zip(layer_sizes[:layer], layer_sizes[1:layer + 1],
                                       strict=True))
    return offset + row * layer_sizes[layer + 1] + col


def locate(layer_sizes, index):
    """``(layer, row, col)`` of a weight given as a flat index or as that triple."""
    if not np.isscalar(index):
        layer, row, col = (int(v) for v in index)
        if not (0 <= layer < len(layer_sizes) - 1 and 0 <= row < layer_sizes[layer]
                and 0 <= col < layer_sizes[layer + 1]):
            raise ValueError(f"weight: {index} is outside layer sizes {layer_sizes}")
        return layer, row, col
    index = int(index)
    for layer, (n_in, n_out) in enumerate(weight_shapes(layer_sizes)):
        if 0 <= index < n_in * n_out:
            return layer, index // n_out, index % n_out
        index -= n_in * n_out
    raise ValueError(f"weight: flat index out of range for layer sizes {layer_sizes}")


def unflatten(flat, layer_sizes):
    """The weight matrices of the flat vector ``flat``, as views of it."""
    return matrix_views(flat, weight_shapes(layer_sizes))


def init_weights(layer_sizes, seed):
    """The tutorial's initialisation: one RandomState, each layer ``2*random - 1``."""
    draw = random_sample(seed)
    return [2 * draw(n_in * n_out).reshape(n_in, n_out) - 1
            for n_in, n_out in weight_shapes(layer_sizes)]


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


def forward(X, weights, activations, keep=None):
    """All layer activations ``[X, a_1, ..., a_L]``; ``a_L`` is the output yhat.

    ``keep``: indices into that list of the layers wanted (the others come back as
    None). Then X's rows go through in chunks of about FORWARD_CHUNK_BYTES of
    activations, so that many rows (a grid of points) through a wide network never
    hold every layer at once; a single chunk is the plain call, with the same bits.
    """
    X = np.asarray(X, dtype=float)
    if keep is None:
        layers = [X]
        for W, name in zip(weights, activations, strict=True):
            # np.dot, not @: the same BLAS call as the Stepper, so the bits agree
            layers.append(activate(name, np.dot(layers[-1], W)))
        return layers
    widths = [X.shape[1]] + [np.shape(W)[1] for W in weights]
    keep = {k % len(widths) for k in keep}
    rows = max(1, FORWARD_CHUNK_BYTES // (8 * sum(widths)))
    out = [np.empty((len(X), n)) if k in keep else None for k, n in enumerate(widths)]
    for start in range(0, len(X), rows):
        part = forward(X[start:start + rows], weights, activations)
        for k in keep:
            out[k][start:start + rows] = part[k]
    return out


def batch_loss(yhat, Y, loss="sse", axis=(-2, -1)):
    """The loss E summed over ``axis`` (by default the samples and outputs of one
    batch; leading axes, such as iterations or grid points, are kept): 1/2 * sum
    (y - yhat)^2, or binary cross-entropy summed. Call it inside
    ``np.errstate(all="ignore")`` when the outputs may not be finite."""
    if loss == "bce":
        # log(0) is -inf; clamping yhat keeps a saturated sigmoid's loss finite.
        p = np.clip(yhat, 1e-15, 1 - 1e-15)
        return -np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis=axis)
    return 0.5 * np.sum((Y - yhat) ** 2, axis=axis)


def loss_value(yhat, Y, loss="sse"):
    """Batch loss as a float: 1/2 * sum (y - yhat)^2, or binary cross-entropy summed."""
    return float(batch_loss(yhat, Y, loss, axis=None))


def batch_accuracy(yhat, Y):
    """Fraction of samples whose every output, thresholded at 0.5, matches its
    target; samples and outputs are the last two axes, leading axes are kept."""
    return np.mean(np.all((yhat > 0.5) == (Y > 0.5), axis=-1), axis=-1)


def accuracy(yhat, Y):
    """``batch_accuracy`` of one batch, as a float."""
    return float(batch_accuracy(yhat, Y))


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


def check_learning_rate(rate):
    """``rate`` as a float; ValueError unless it is a positive finite number. Text is
    read as a plain ASCII decimal (see nncore.number_text), never by ``float()``."""
    given = rate
    if isinstance(rate, str):
        rate = parse_number(rate, "learning_rate")
    try:
        value = float(rate)
    except OverflowError:  # an integer beyond 1e308 (whose repr may not even print)
        raise ValueError("learning_rate: must be a positive finite number, "
                         "got an integer too large for a float") from None
    except (TypeError, ValueError):
        raise ValueError(f"learning_rate: {rate!r} is not a number") from None
    if isinstance(rate, bool) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"learning_rate: must be a positive finite number, got {given!r}")
    return value


def matrix_views(flat, shapes):
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (views, not copies)."""
    out, offset = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        out.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return out
