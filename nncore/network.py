"""The math of a fully connected network: forward, backward and one gradient step.

Conventions
-----------
* ``layer_sizes = [n_0, n_1, ..., n_L]``; ``weights[k]`` has shape ``(n_k, n_{k+1})``:
  row i, column j is the weight from unit i of layer k to unit j of layer k+1.
  Biases are optional (off by default, as in the tutorial, where a constant input
  column plays their role): ``biases[k]`` has shape ``(n_{k+1},)`` and layer k+1 is
  ``f(a_k @ W_k + b_k)``.
* ``activations[k]`` is the activation of layer k+1 (one name per weight matrix);
  ``softmax`` is for the output layer only, with the ``ce`` loss.
* The flat weight vector holds ``weights[0]``, ``weights[1]``, ... in turn, each
  row-major (see :func:`flat_index`); ``Run.params_at`` returns it. The flat
  parameter vector theta is that, followed by ``biases[0]``, ``biases[1]``, ...
* Samples are rows: ``X`` is ``(n_samples, n_0)``, targets ``Y`` are ``(n_samples, n_L)``.
* Loss ``sse`` is E = 1/2 * sum over the batch of (y - yhat)^2; ``bce`` is binary
  cross-entropy summed over the batch; ``ce`` is -sum y * log(yhat) with a softmax
  output and one-hot targets. Reduction ``sum`` (the tutorial's) leaves the sums as
  they are; ``mean`` divides them by the number of rows. The L2 and L1 penalties
  (lambda2/2 * sum W^2 + lambda1 * sum |W|, weights only) are separate from E.
"""

from __future__ import annotations

import math

import numpy as np

# MAX_SEED and init_weights lived here, and callers still import them from here
from .initial_weights import MAX_SEED, init_weights, weight_shapes  # noqa: F401
from .number_text import parse_number

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")  # for any layer
OUTPUT_ACTIVATIONS = ACTIVATIONS + ("softmax",)  # softmax: the output layer, with "ce"
LOSSES = ("sse", "bce", "ce")
REDUCTIONS = ("sum", "mean")
# What each activation can produce, (low, high): a target outside it cannot be learned.
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf),
                 "linear": (-math.inf, math.inf), "softmax": (0.0, 1.0)}
# The smallest normal float: ce's log(yhat) is taken of at least this, so a class
# whose probability underflowed to 0 costs about 708 instead of an infinite loss.
CE_FLOOR = np.finfo(float).tiny
FORWARD_CHUNK_BYTES = 32 * 2**20  # forward(keep=...): the activations of one chunk of rows
FORWARD_MANY_BYTES = 2**16  # forward_many: a layer's activations for a few iterations


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
    """Apply activation ``name`` to the weighted sums ``s`` (softmax: along the last
    axis, the units of one sample)."""
    if name == "sigmoid":
        return sigmoid(s)
    if name == "softmax":
        return softmax(s)
    if name == "tanh":
        return np.tanh(s)
    if name == "relu":
        return np.maximum(s, 0.0)
    return np.array(s, dtype=float)


def softmax(s):
    """exp(s - max s) / sum exp(s - max s) along the last axis; subtracting the
    largest sum first keeps every exp in [0, 1], so nothing overflows."""
    s = np.asarray(s, dtype=float)
    with np.errstate(under="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / np.add.reduce(e, axis=-1, keepdims=True)


def slope(name, a):
    """d activation / d s, written in terms of the activation a itself (not for
    softmax, whose units depend on each other: with ``ce``, dE/ds = yhat - y)."""
    if name == "softmax":
        raise ValueError("softmax has no unit-by-unit slope; with ce, dE/ds = yhat - y")
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (a > 0).astype(float)
    return np.ones_like(a)


# ---- the flat weight vector: every weight matrix in turn, each row-major ----------------


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


def forward(X, weights, activations, keep=None, biases=None):
    """All layer activations ``[X, a_1, ..., a_L]``; ``a_L`` is the output yhat.

    ``biases``: None (no biases) or one vector per layer, added to the weighted sums.
    ``keep``: indices into that list of the layers wanted (the others come back as
    None). Then X's rows go through in chunks of about FORWARD_CHUNK_BYTES of
    activations, so that many rows (a grid of points) through a wide network never
    hold every layer at once; a single chunk is the plain call, with the same bits.
    """
    X = np.asarray(X, dtype=float)
    if keep is None:
        layers = [X]
        for k, (W, name) in enumerate(zip(weights, activations, strict=True)):
            # np.dot, not @: the same BLAS call as the Stepper, so the bits agree
            s = np.dot(layers[-1], W)
            if biases is not None:
                s = s + biases[k]
            layers.append(activate(name, s))
        return layers
    widths = [X.shape[1]] + [np.shape(W)[1] for W in weights]
    keep = {k % len(widths) for k in keep}
    rows = max(1, FORWARD_CHUNK_BYTES // (8 * sum(widths)))
    out = [np.empty((len(X), n)) if k in keep else None for k, n in enumerate(widths)]
    for start in range(0, len(X), rows):
        part = forward(X[start:start + rows], weights, activations, biases=biases)
        for k in keep:
            out[k][start:start + rows] = part[k]
    return out


def activate_in_place(name, s):
    """``activate(name, s)`` written into ``s``, for big arrays whose temporaries cost
    more than the arithmetic; the same operations, so the same bits."""
    if name == "sigmoid":
        np.negative(s, out=s)
        np.exp(s, out=s)
        s += 1.0
        np.reciprocal(s, out=s)
    elif name == "tanh":
        np.tanh(s, out=s)
    elif name == "relu":
        np.maximum(s, 0.0, out=s)
    elif name == "softmax":
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= np.add.reduce(s, axis=-1, keepdims=True)
    return s


def forward_many(X, thetas, layer_sizes, activations, bias=False, out=None):
    """The output yhat for each of many parameter vectors at once: ``thetas`` is
    ``(c, n_theta)``, flat rows (weights, then biases when ``bias``); returns (or
    fills ``out`` with) ``(c, n_samples, n_L)``. Each layer is one stacked matrix
    product over a few rows of ``thetas`` at a time, sized to stay in cache; the
    result for one row does not depend on the others."""
    X = np.asarray(X, dtype=float)
    c = len(thetas)
    out = np.empty((c, len(X), layer_sizes[-1])) if out is None else out
    step = max(1, FORWARD_MANY_BYTES // (8 * len(X) * max(layer_sizes[1:])))
    for start in range(0, c, step):
        part = thetas[start:start + step]
        a, weight_at, bias_at = X, 0, n_weights(layer_sizes)
        for (n_in, n_out), name in zip(weight_shapes(layer_sizes), activations, strict=True):
            W = part[:, weight_at:weight_at + n_in * n_out].reshape(len(part), n_in, n_out)
            s = np.matmul(a, W)
            if bias:
                s += part[:, None, bias_at:bias_at + n_out]
                bias_at += n_out
            a = activate_in_place(name, s)
            weight_at += n_in * n_out
        out[start:start + step] = a
    return out


def batch_loss(yhat, Y, loss="sse", axis=(-2, -1), reduction="sum"):
    """The loss E summed over the samples and outputs of one batch (``axis`` (-2,
    -1); leading axes, such as iterations or grid points, are kept), or over
    everything (``axis`` None): 1/2 * sum (y - yhat)^2, binary cross-entropy or
    cross-entropy summed; with reduction ``mean``, divided by the number of samples.
    Each batch is summed as one flat run of numbers, so a batch's loss has the same
    bits however many batches are scored at once. Call it inside
    ``np.errstate(all="ignore")`` when the outputs may not be finite."""
    if loss == "bce":
        # log(0) is -inf; clamping yhat keeps a saturated sigmoid's loss finite.
        p = np.clip(yhat, 1e-15, 1 - 1e-15)
        total = -_batch_sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis)
    elif loss == "ce":
        total = -_batch_sum(Y * np.log(np.maximum(yhat, CE_FLOOR)), axis)
    else:
        total = 0.5 * _batch_sum((Y - yhat) ** 2, axis)
    if reduction == "mean":
        return total / np.shape(yhat)[-2]
    return total


def _batch_sum(terms, axis):
    """np.sum over the last two axes (or all) as a sum over one flat, contiguous run of
    numbers: numpy sums a block of a stack, or a strided block (rows picked out of a
    stack by index), in another order than the same block alone."""
    terms = np.ascontiguousarray(terms)
    if axis is None:
        return np.sum(terms)
    if tuple(axis) != (-2, -1):
        raise ValueError(f"axis: the samples and outputs (-2, -1), or None; got {axis}")
    return np.sum(terms.reshape(terms.shape[:-2] + (-1,)), axis=-1)


def loss_value(yhat, Y, loss="sse", reduction="sum"):
    """Batch loss as a float: 1/2 * sum (y - yhat)^2, binary cross-entropy or
    cross-entropy summed (``mean``: divided by the number of samples)."""
    return float(batch_loss(yhat, Y, loss, axis=None, reduction=reduction))


def batch_accuracy(yhat, Y, loss="sse"):
    """Fraction of samples whose every output, thresholded at 0.5, matches its
    target (for ``ce``: whose largest output is at the target's largest, argmax);
    samples and outputs are the last two axes, leading axes are kept."""
    if loss == "ce":
        return np.mean(np.argmax(yhat, axis=-1) == np.argmax(Y, axis=-1), axis=-1)
    return np.mean(np.all((yhat > 0.5) == (Y > 0.5), axis=-1), axis=-1)


def accuracy(yhat, Y, loss="sse"):
    """``batch_accuracy`` of one batch, as a float."""
    return float(batch_accuracy(yhat, Y, loss))


def output_delta(yhat, Y, activation, loss):
    """dE/ds at the output layer, for every sample (reduction ``sum``)."""
    if loss in ("bce", "ce"):
        # A sigmoid with bce: (yhat - y)/(yhat(1-yhat)) * yhat(1-yhat) = yhat - y.
        # A softmax with ce and one-hot y: dE/ds_j = yhat_j - y_j as well.
        return yhat - Y
    return (yhat - Y) * slope(activation, yhat)


def backward(X, Y, weights, activations, loss="sse", biases=None, reduction="sum"):
    """Gradients dE/dW_k, with the layers and deltas that formed them.

    Returns ``(grads, layers, deltas)`` where ``deltas[k]`` is dE/ds for layer k+1,
    shape ``(n_samples, n_{k+1})``, and ``grads[k] = layers[k].T @ deltas[k]``.
    With reduction ``mean`` the output deltas are divided by the number of samples,
    and so is every gradient. dE/db_k is ``deltas[k]`` summed over the samples
    (:func:`bias_gradients`). The L1/L2 penalty is not in E: see
    :func:`add_penalty_gradient`.
    """
    layers = forward(X, weights, activations, biases=biases)
    deltas = [None] * len(weights)
    deltas[-1] = output_delta(layers[-1], Y, activations[-1], loss)
    if reduction == "mean":
        deltas[-1] = deltas[-1] / len(deltas[-1])
    for k in range(len(weights) - 1, 0, -1):
        deltas[k - 1] = np.dot(deltas[k], weights[k].T) * slope(activations[k - 1], layers[k])
    grads = [np.dot(layers[k].T, deltas[k]) for k in range(len(weights))]
    return grads, layers, deltas


def bias_gradients(deltas):
    """dE/db_k for each layer: the deltas summed over the samples."""
    return [np.add.reduce(delta, axis=0) for delta in deltas]


def penalty_value(flat_weights, l1=0.0, l2=0.0):
    """lambda2/2 * sum W^2 + lambda1 * sum |W| of the flat weight vector (the last
    axis; leading axes, such as iterations, are kept). Biases are never penalised."""
    W = np.ascontiguousarray(flat_weights, dtype=float)  # each row summed alike
    total = np.zeros(W.shape[:-1])
    if l2:
        total = total + l2 / 2 * np.sum(W * W, axis=-1)
    if l1:
        total = total + l1 * np.sum(np.abs(W), axis=-1)
    return total


def add_penalty_gradient(g, W, l1=0.0, l2=0.0):
    """dE/dW plus the penalty's gradient: ``(g + lambda2 * W) + lambda1 * sign(W)``,
    added in that order (sign(0) = 0); ``g`` and ``W`` may be matrices or flat."""
    if l2:
        g = g + l2 * W
    if l1:
        g = g + l1 * np.sign(W)
    return g


def check_architecture(layer_sizes, activations, loss):
    """Raise ValueError naming the field when an architecture makes no sense."""
    if len(layer_sizes) < 2 or any(int(n) != n or n < 1 for n in layer_sizes):
        raise ValueError(f"layer_sizes: need two or more positive sizes, got {layer_sizes}")
    if len(activations) != len(layer_sizes) - 1:
        raise ValueError(
            f"activations: need {len(layer_sizes) - 1} (one per layer), got {len(activations)}")
    for k, name in enumerate(activations):
        if name == "softmax" and k < len(activations) - 1:
            raise ValueError(f"activations: softmax is for the output layer only, not hidden "
                             f"layer {k + 1}")
        if name not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"activations: unknown activation {name!r}; "
                             f"choose from {', '.join(OUTPUT_ACTIVATIONS)}")
    if loss not in LOSSES:
        raise ValueError(f"loss: unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    if loss == "bce" and activations[-1] != "sigmoid":
        raise ValueError("loss: binary cross-entropy needs a sigmoid output layer")
    if loss == "ce" and activations[-1] != "softmax":
        raise ValueError("loss: ce (cross-entropy) needs a softmax output layer")
    if activations[-1] == "softmax" and loss != "ce":
        raise ValueError("loss: a softmax output layer needs the ce loss")
    if activations[-1] == "softmax" and layer_sizes[-1] < 2:
        raise ValueError("layer_sizes: a softmax output layer needs two or more units")


def check_one_hot(Y):
    """Raise ValueError naming the first row of ``Y`` that is not one-hot (a single
    1, every other entry 0), as the ``ce`` loss needs."""
    Y = np.asarray(Y, dtype=float)
    good = np.all((Y == 0) | (Y == 1), axis=1) & (np.sum(Y == 1, axis=1) == 1)
    if not good.all():
        row = int(np.flatnonzero(~good)[0])
        raise ValueError(f"dataset: targets for ce must be one-hot (a single 1, the rest 0); "
                         f"row {row + 1} is {Y[row].tolist()}")


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
